import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { paths, safeReturnPath } from '../../shared/paths.ts';
import type { OidcFlow } from '../../types.ts';
import { continueAfterFirstFactor } from './authRoutes.ts';
import { ProviderUnavailable } from './oidcClient.ts';
import type { SingleSignOnOutcome } from './singleSignOnService.ts';

/** Single sign-on through an organisation's OpenID Connect provider: out to it and back. */
export async function ssoRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { singleSignOn, organisations, config } = services;

  const renderUnavailable = async (request: FastifyRequest, reply: FastifyReply, returnTo: string) =>
    reply.status(502).render('auth/views/signIn.njk', {
      pageTitle: request.t('auth.signIn.title'),
      values: { returnTo },
      singleSignOn: await organisations.withSingleSignOn(),
      flash: { kind: 'important', text: request.t('auth.sso.unavailable') },
    });

  app.get(paths.auth.ssoStart.pattern, { config: { access: 'public' } }, async (request, reply) => {
    const { organisationId } = request.params as { organisationId: string };
    const returnTo = safeReturnPath((request.query as Record<string, unknown>).returnTo);
    if (request.user) return reply.redirect(returnTo);
    const start = await singleSignOn.begin(organisationId, returnTo).catch((error: unknown) => {
      if (!(error instanceof ProviderUnavailable)) throw error;
      request.log.warn({ organisationId, problem: error.message, cause: causeOf(error) }, 'single sign-on provider unavailable');
      return undefined;
    });
    if (!start) return renderUnavailable(request, reply, returnTo);
    await request.session.regenerate(['locale']);
    request.session.oidc = start.flow;
    return reply.redirect(start.authorizationUrl);
  });

  // The query string carries the authorisation code: keep this route out of the request log.
  app.get(paths.auth.ssoCallback.pattern, { config: { access: 'public' }, logLevel: 'warn' }, async (request, reply) => {
    const flow = request.session.oidc;
    if (!flow) return reply.redirect(paths.auth.signIn());
    delete request.session.oidc;
    const callbackUrl = new URL(`${config.baseUrl.replace(/\/+$/, '')}${request.url}`);
    const result = await singleSignOn.complete(flow, callbackUrl, request.actor);
    if (result.outcome === 'failed') request.log.warn({ organisationId: flow.organisationId, reason: result.reason }, 'single sign-on refused');
    return continueSignIn(request, reply, result, flow);
  });
}

/** The same next step as after a password; a refusal gets its own page. */
async function continueSignIn(request: FastifyRequest, reply: FastifyReply, result: SingleSignOnOutcome, flow: OidcFlow) {
  if (result.outcome === 'failed') {
    return reply.status(403).render('auth/views/ssoFailed.njk', { pageTitle: request.t('auth.sso.failedTitle') });
  }
  return continueAfterFirstFactor(request, reply, result, 'sso', flow.returnTo);
}

// Network failures hide the useful part (refused, timed out) one level down.
function causeOf(error: Error): string | undefined {
  return error.cause instanceof Error ? error.cause.message : undefined;
}
