import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { formErrors, parseForm, type FormValues } from '../../shared/forms.ts';
import { paths, safeReturnPath } from '../../shared/paths.ts';
import type { PendingSignIn } from '../../types.ts';
import type { TokenPurpose } from './oneTimeTokensRepository.ts';
import type { FirstFactorPassed } from './authService.ts';
import { codeSchema, forgotPasswordSchema, newPasswordSchema, recoveryCodeSchema, signInSchema } from './authSchemas.ts';
import { totpQrSvg, totpUri } from './totp.ts';

// Someone who typed their password has this long to give their second factor.
const PENDING_SIGN_IN_MS = 10 * 60 * 1000;

export async function authRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { auth, organisations } = services;
  const publicRoute = { config: { access: 'public' as const } };

  const renderSignIn = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: Record<string, string>) =>
    reply.render('auth/views/signIn.njk', {
      pageTitle: request.t('auth.signIn.title'),
      values,
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['email', 'password']) : undefined,
      singleSignOn: await organisations.withSingleSignOn(),
    });

  app.get(paths.auth.signIn.pattern, publicRoute, async (request, reply) => {
    const returnTo = safeReturnPath((request.query as Record<string, unknown>).returnTo);
    if (request.user) return reply.redirect(returnTo);
    return renderSignIn(request, reply, { returnTo });
  });

  app.post(paths.auth.signIn.pattern, publicRoute, async (request, reply) => {
    const form = parseForm(signInSchema, request.body);
    if (!form.ok) return renderSignIn(request, reply.status(400), form.values, form.fieldErrors);
    const returnTo = safeReturnPath(form.data.returnTo);
    const result = await auth.signInWithPassword(form.data.email, form.data.password, request.actor);
    const values = { email: form.data.email, returnTo };
    switch (result.outcome) {
      case 'locked':
        reply.header('retry-after', String(result.retryAfterSeconds));
        return renderSignIn(request, reply.status(429), values, { email: 'auth.signIn.locked' });
      case 'rejected':
        return renderSignIn(request, reply.status(400), values, { email: 'auth.signIn.rejected' });
      default:
        return continueAfterFirstFactor(request, reply, result, 'password', returnTo);
    }
  });

  app.get(paths.auth.verify.pattern, publicRoute, async (request, reply) => {
    const pending = pendingAt(request, 'verify');
    if (!pending) return reply.redirect(paths.auth.signIn());
    return reply.render('auth/views/verify.njk', { pageTitle: request.t('auth.verify.title'), values: {}, demoCode: await auth.demoCode(pending.userId) });
  });

  app.post(paths.auth.verify.pattern, publicRoute, async (request, reply) => {
    const pending = pendingAt(request, 'verify');
    if (!pending) return reply.redirect(paths.auth.signIn());
    const renderError = async (status: number, fieldErrors: Record<string, string>) =>
      reply.status(status).render('auth/views/verify.njk', {
        pageTitle: request.t('auth.verify.title'),
        values: {},
        errors: formErrors(fieldErrors, request.t),
        demoCode: await auth.demoCode(pending.userId),
      });
    const form = parseForm(codeSchema, request.body);
    if (!form.ok) return renderError(400, form.fieldErrors);
    const result = await auth.verifySecondFactor(pending.userId, form.data.code, request.actor);
    if (result.outcome === 'locked') return renderError(429, { code: 'auth.verify.locked' });
    if (result.outcome === 'rejected') return renderError(400, { code: 'auth.verify.rejected' });
    await auth.completeSignIn(pending.userId, pending.method, request.actor);
    await establishSession(request, pending.userId);
    return reply.redirect(safeReturnPath(pending.returnTo));
  });

  app.get(paths.auth.recoveryCode.pattern, publicRoute, async (request, reply) => {
    if (!pendingAt(request, 'verify')) return reply.redirect(paths.auth.signIn());
    return reply.render('auth/views/recoveryCode.njk', { pageTitle: request.t('auth.recoveryCode.title'), values: {} });
  });

  app.post(paths.auth.recoveryCode.pattern, publicRoute, async (request, reply) => {
    const pending = pendingAt(request, 'verify');
    if (!pending) return reply.redirect(paths.auth.signIn());
    const renderError = (status: number, fieldErrors: Record<string, string>) =>
      reply.status(status).render('auth/views/recoveryCode.njk', {
        pageTitle: request.t('auth.recoveryCode.title'),
        values: {},
        errors: formErrors(fieldErrors, request.t),
      });
    const form = parseForm(recoveryCodeSchema, request.body);
    if (!form.ok) return renderError(400, form.fieldErrors);
    const result = await auth.useRecoveryCode(pending.userId, form.data.code, request.actor);
    if (result.outcome === 'locked') return renderError(429, { code: 'auth.verify.locked' });
    if (result.outcome === 'rejected') return renderError(400, { code: 'auth.recoveryCode.rejected' });
    await auth.completeSignIn(pending.userId, pending.method, request.actor);
    await establishSession(request, pending.userId);
    request.session.flash = { kind: 'important', text: request.t('auth.recoveryCode.remaining', { count: result.remaining }) };
    return reply.redirect(safeReturnPath(pending.returnTo));
  });

  const renderSetUp = async (request: FastifyRequest, reply: FastifyReply, userEmail: string, sealed: string, fieldErrors?: Record<string, string>) => {
    const secret = auth.openSealed(sealed);
    const branding = await services.partnership.branding();
    const uri = totpUri(secret, userEmail, `OneRoof ${branding.logoText}`);
    return reply.render('auth/views/setUpVerification.njk', {
      pageTitle: request.t('auth.setUp.title'),
      qrSvg: await totpQrSvg(uri, request.t('auth.setUp.qrAlt')),
      secretGroups: secret.match(/.{1,4}/g)?.join(' '),
      formAction: paths.auth.setUpVerification(),
      errors: fieldErrors ? formErrors(fieldErrors, request.t) : undefined,
    });
  };

  app.get(paths.auth.setUpVerification.pattern, publicRoute, async (request, reply) => {
    const pending = pendingAt(request, 'set-up');
    const user = pending && (await services.users.findAccount(pending.userId));
    if (!pending || !user) return reply.redirect(paths.auth.signIn());
    request.session.enrolmentSecret ??= auth.beginEnrolment().sealed;
    return renderSetUp(request, reply, user.email, request.session.enrolmentSecret);
  });

  app.post(paths.auth.setUpVerification.pattern, publicRoute, async (request, reply) => {
    const pending = pendingAt(request, 'set-up');
    const user = pending && (await services.users.findAccount(pending.userId));
    const sealed = request.session.enrolmentSecret;
    if (!pending || !user || !sealed) return reply.redirect(paths.auth.signIn());
    const form = parseForm(codeSchema, request.body);
    if (!form.ok) return renderSetUp(request, reply.status(400), user.email, sealed, form.fieldErrors);
    const codes = await auth.completeEnrolment(user.id, sealed, form.data.code, request.actor);
    if (!codes) return renderSetUp(request, reply.status(400), user.email, sealed, { code: 'auth.setUp.rejected' });
    await auth.completeSignIn(user.id, pending.method, request.actor);
    await establishSession(request, user.id);
    return reply.render('auth/views/recoveryCodes.njk', {
      pageTitle: request.t('auth.recoveryCodes.title'),
      codes,
      continueTo: safeReturnPath(pending.returnTo),
    });
  });

  app.post(paths.auth.signOut.pattern, { config: { access: 'signed-in' } }, async (request, reply) => {
    await auth.recordSignOut(request.actor);
    await request.session.destroy();
    return reply.redirect(paths.auth.signedOut());
  });

  app.get(paths.auth.signedOut.pattern, publicRoute, async (request, reply) =>
    reply.render('auth/views/signedOut.njk', { pageTitle: request.t('auth.signedOut.title') }),
  );

  app.get(paths.auth.forgotPassword.pattern, publicRoute, async (request, reply) =>
    reply.render('auth/views/forgotPassword.njk', { pageTitle: request.t('auth.forgotPassword.title'), values: {} }),
  );

  app.post(paths.auth.forgotPassword.pattern, publicRoute, async (request, reply) => {
    const form = parseForm(forgotPasswordSchema, request.body);
    if (!form.ok) {
      return reply.status(400).render('auth/views/forgotPassword.njk', {
        pageTitle: request.t('auth.forgotPassword.title'),
        values: form.values,
        errors: formErrors(form.fieldErrors, request.t),
      });
    }
    await auth.requestPasswordReset(form.data.email, request.actor);
    return reply.render('auth/views/checkEmail.njk', { pageTitle: request.t('auth.checkEmail.title'), email: form.data.email });
  });

  registerSetPassword(app, services, 'password_reset', paths.auth.resetPassword.pattern);
  registerSetPassword(app, services, 'invite', paths.auth.acceptInvite.pattern);
}

/** The reset-password and accept-invitation pages: the same form behind different links. */
function registerSetPassword(app: FastifyInstance, services: Services, purpose: TokenPurpose, pattern: string) {
  const view = purpose === 'invite' ? 'auth.invite' : 'auth.resetPassword';
  const render = (request: FastifyRequest, reply: FastifyReply, email: string, fieldErrors?: Record<string, string>) =>
    reply.render('auth/views/setPassword.njk', {
      pageTitle: request.t(`${view}.title`),
      heading: request.t(`${view}.title`),
      intro: request.t(`${view}.intro`, { email }),
      email,
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['password', 'confirmPassword']) : undefined,
    });
  const linkExpired = (request: FastifyRequest, reply: FastifyReply) =>
    reply.status(404).render('auth/views/linkExpired.njk', { pageTitle: request.t('auth.linkExpired.title') });

  app.get(pattern, { config: { access: 'public' } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const user = await services.auth.accountForLink(token, purpose);
    if (!user) return linkExpired(request, reply);
    return render(request, reply, user.email);
  });

  app.post(pattern, { config: { access: 'public' } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const user = await services.auth.accountForLink(token, purpose);
    if (!user) return linkExpired(request, reply);
    const form = parseForm(newPasswordSchema(user.email), request.body);
    if (!form.ok) return render(request, reply.status(400), user.email, form.fieldErrors);
    const done = await services.auth.setPasswordWithLink(token, purpose, form.data.password, request.actor);
    if (!done) return linkExpired(request, reply);
    await request.session.regenerate(['locale']);
    request.session.flash = { kind: 'success', text: request.t(`${view}.done`) };
    return reply.redirect(paths.auth.signIn());
  });
}

function pendingAt(request: FastifyRequest, step: PendingSignIn['step']): PendingSignIn | undefined {
  const pending = request.session.pending;
  if (!pending || pending.step !== step || Date.now() - pending.startedAt > PENDING_SIGN_IN_MS) return undefined;
  return pending;
}

/** After the password or single sign-on: on to the second factor, or straight in. */
export async function continueAfterFirstFactor(
  request: FastifyRequest,
  reply: FastifyReply,
  passed: FirstFactorPassed,
  method: PendingSignIn['method'],
  returnTo: string | undefined,
) {
  if (passed.outcome === 'signed-in') {
    await establishSession(request, passed.userId);
    return reply.redirect(safeReturnPath(returnTo));
  }
  await startSecondFactor(request, {
    userId: passed.userId,
    step: passed.outcome === 'needs-set-up' ? 'set-up' : 'verify',
    method,
    startedAt: Date.now(),
    returnTo,
  });
  return reply.redirect(passed.outcome === 'needs-set-up' ? paths.auth.setUpVerification() : paths.auth.verify());
}

/** A new session id at each step up in privilege, so a planted session id is worthless. */
export async function startSecondFactor(request: FastifyRequest, pending: PendingSignIn): Promise<void> {
  await request.session.regenerate(['locale']);
  request.session.pending = pending;
}

export async function establishSession(request: FastifyRequest, userId: string): Promise<void> {
  await request.session.regenerate(['locale']);
  request.session.userId = userId;
  request.session.signedInAt = Date.now();
}
