import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { formErrors, parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { roleRequiresMfa } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';
import { changePasswordSchema, codeSchema } from '../auth/authSchemas.ts';
import { totpQrSvg, totpUri } from '../auth/totp.ts';

/** The signed-in person's own account: details, password, second factor and recovery codes. */
export async function profileRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const signedIn = { config: { access: 'signed-in' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;

  app.get(paths.profile.show.pattern, signedIn, async (request, reply) => {
    const account = await services.users.findAccount(me(request).id);
    return reply.render('profile/views/show.njk', {
      pageTitle: request.t('profile.title'),
      account,
      mfaRequired: roleRequiresMfa(me(request).role),
    });
  });

  const renderPassword = (request: FastifyRequest, reply: FastifyReply, fieldErrors?: Record<string, string>) =>
    reply.render('profile/views/password.njk', {
      pageTitle: request.t('profile.password.title'),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['currentPassword', 'password', 'confirmPassword']) : undefined,
    });

  app.get(paths.profile.password.pattern, signedIn, async (request, reply) => renderPassword(request, reply));

  app.post(paths.profile.password.pattern, signedIn, async (request, reply) => {
    const form = parseForm(changePasswordSchema(me(request).email), request.body);
    if (!form.ok) return renderPassword(request, reply.status(400), form.fieldErrors);
    const changed = await services.auth.changePassword(me(request).id, form.data.currentPassword, form.data.password, request.actor);
    if (!changed) return renderPassword(request, reply.status(400), { currentPassword: 'profile.password.wrongCurrent' });
    request.session.flash = { kind: 'success', text: request.t('profile.password.done') };
    return reply.redirect(paths.profile.show());
  });

  app.post(paths.profile.recoveryCodes.pattern, signedIn, async (request, reply) => {
    if (!me(request).mfaEnabled) return reply.redirect(paths.profile.show());
    const codes = await services.auth.regenerateRecoveryCodes(me(request).id, request.actor);
    return reply.render('auth/views/recoveryCodes.njk', { pageTitle: request.t('auth.recoveryCodes.title'), codes, continueTo: paths.profile.show() });
  });

  const renderSetUp = async (request: FastifyRequest, reply: FastifyReply, sealed: string, fieldErrors?: Record<string, string>) => {
    const branding = await services.partnership.branding();
    const uri = totpUri(services.auth.openSealed(sealed), me(request).email, `OneRoof ${branding.logoText}`);
    return reply.render('auth/views/setUpVerification.njk', {
      pageTitle: request.t('auth.setUp.title'),
      qrSvg: await totpQrSvg(uri, request.t('auth.setUp.qrAlt')),
      secretGroups: services.auth.openSealed(sealed).match(/.{1,4}/g)?.join(' '),
      formAction: paths.profile.setUpVerification(),
      errors: fieldErrors ? formErrors(fieldErrors, request.t) : undefined,
    });
  };

  app.get(paths.profile.setUpVerification.pattern, signedIn, async (request, reply) => {
    if (me(request).mfaEnabled) return reply.redirect(paths.profile.show());
    request.session.enrolmentSecret ??= services.auth.beginEnrolment().sealed;
    return renderSetUp(request, reply, request.session.enrolmentSecret);
  });

  app.post(paths.profile.setUpVerification.pattern, signedIn, async (request, reply) => {
    const sealed = request.session.enrolmentSecret;
    if (me(request).mfaEnabled || !sealed) return reply.redirect(paths.profile.show());
    const form = parseForm(codeSchema, request.body);
    if (!form.ok) return renderSetUp(request, reply.status(400), sealed, form.fieldErrors);
    const codes = await services.auth.completeEnrolment(me(request).id, sealed, form.data.code, request.actor);
    if (!codes) return renderSetUp(request, reply.status(400), sealed, { code: 'auth.setUp.rejected' });
    delete request.session.enrolmentSecret;
    return reply.render('auth/views/recoveryCodes.njk', { pageTitle: request.t('auth.recoveryCodes.title'), codes, continueTo: paths.profile.show() });
  });
}
