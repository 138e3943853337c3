import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifySession from '@fastify/session';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { errorsPlugin } from './middleware/errors.ts';
import { requestContextPlugin } from './middleware/requestContext.ts';
import { requestForLog } from './middleware/logRedaction.ts';
import { DatabaseSessionStore } from './middleware/sessionStore.ts';
import { viewsPlugin } from './middleware/views.ts';
import { actionsRoutes } from './modules/actions/actionsRoutes.ts';
import { analyticsRoutes } from './modules/analytics/analyticsRoutes.ts';
import { interventionsRoutes } from './modules/actions/interventionsRoutes.ts';
import { adminRoutes } from './modules/admin/adminRoutes.ts';
import { apiRoutes } from './modules/api/apiRoutes.ts';
import { apiKeysRoutes } from './modules/apiKeys/apiKeysRoutes.ts';
import { auditRoutes } from './modules/audit/auditRoutes.ts';
import { authRoutes } from './modules/auth/authRoutes.ts';
import { casePeopleRoutes } from './modules/cases/casePeopleRoutes.ts';
import { casesRoutes } from './modules/cases/casesRoutes.ts';
import { breakGlassRoutes } from './modules/breakGlass/breakGlassRoutes.ts';
import { caseSettingsRoutes } from './modules/caseSettings/caseSettingsRoutes.ts';
import { caseTypesRoutes } from './modules/caseSettings/caseTypesRoutes.ts';
import { caseReviewApplicationRoutes } from './modules/caseReviews/caseReviewApplicationRoutes.ts';
import { caseReviewRoutes } from './modules/caseReviews/caseReviewRoutes.ts';
import { notificationsRoutes } from './modules/notifications/notificationsRoutes.ts';
import { timelineRoutes } from './modules/timeline/timelineRoutes.ts';
import { riskRoutes } from './modules/risk/riskRoutes.ts';
import { ssoRoutes } from './modules/auth/ssoRoutes.ts';
import { healthRoutes } from './modules/health/healthRoutes.ts';
import { householdsRoutes } from './modules/households/householdsRoutes.ts';
import { incidentsRoutes } from './modules/incidents/incidentsRoutes.ts';
import { personAddressesRoutes } from './modules/people/personAddressesRoutes.ts';
import { homeRoutes } from './modules/home/homeRoutes.ts';
import { organisationsRoutes } from './modules/organisations/organisationsRoutes.ts';
import { outboxRoutes } from './modules/outbox/outboxRoutes.ts';
import { pagesRoutes } from './modules/pages/pagesRoutes.ts';
import { partnershipRoutes } from './modules/partnership/partnershipRoutes.ts';
import { peopleRoutes } from './modules/people/peopleRoutes.ts';
import { profileRoutes } from './modules/profile/profileRoutes.ts';
import { pathwaysRoutes } from './modules/referrals/pathwaysRoutes.ts';
import { governanceRoutes } from './modules/governance/governanceRoutes.ts';
import { referralsRoutes } from './modules/referrals/referralsRoutes.ts';
import { sharingAgreementsRoutes } from './modules/sharingAgreements/sharingAgreementsRoutes.ts';
import { retentionRoutes } from './modules/retention/retentionRoutes.ts';
import { meetingsRoutes } from './modules/meetings/meetingsRoutes.ts';
import { problemResponsesRoutes } from './modules/problems/problemResponsesRoutes.ts';
import { problemsRoutes } from './modules/problems/problemsRoutes.ts';
import { alertsRoutes } from './modules/alerts/alertsRoutes.ts';
import { linkageRoutes } from './modules/linkage/linkageRoutes.ts';
import { searchRoutes } from './modules/search/searchRoutes.ts';
import { usersRoutes } from './modules/users/usersRoutes.ts';
import { dataProtectionRoutes } from './modules/dataProtection/dataProtectionRoutes.ts';
import { removeNulFromPageInput } from './middleware/inputHygiene.ts';
import type { Services } from './services.ts';
import type { Secrets } from './shared/secrets.ts';
import './types.ts';

const projectDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface AppOptions {
  services: Services;
  secrets: Secrets;
  /** Overrides the logger (tests pass false). */
  logger?: boolean | object;
  /** Compiles every template at start-up (the server); tests compile on first use. */
  precompileViews?: boolean;
}

/**
 * The composition root: plugins in a fixed order (security headers, cookies and session,
 * CSRF, bodies, static files, views, request context, errors), then one plugin per module.
 */
export async function buildApp({ services, secrets, logger, precompileViews }: AppOptions): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    logger: logger ?? { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'], serializers: { req: requestForLog } },
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
    bodyLimit: config.formBodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true },
  });

  await app.register(fastifyHelmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', ...mapTileOrigins(config.mapTileUrl)],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        upgradeInsecureRequests: config.cookieSecure ? [] : null,
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onSend', async (request, reply) => {
    // Pages may hold personal data: never keep them in shared or browser caches.
    if (!request.url.startsWith('/assets/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: secrets.sessionSecret,
    cookieName: config.cookieSecure ? '__Host-oneroof' : 'oneroof',
    store: new DatabaseSessionStore(services.db, config.sessionIdleMinutes * 60_000),
    saveUninitialized: false,
    // Sessions are re-saved (extending the idle timeout) at most once a minute, by the
    // request context hook, instead of on every request.
    rolling: false,
    cookie: {
      path: '/',
      httpOnly: true,
      secure: config.cookieSecure,
      sameSite: 'lax',
      maxAge: config.sessionIdleMinutes * 60_000,
    },
  });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/session', getToken: csrfTokenOf });
  await app.register(fastifyFormbody);
  app.addHook('preValidation', removeNulFromPageInput);

  await app.register(requestContextPlugin, {
    loadUser: (userId) => services.users.loadCurrentUser(userId),
    saveLocale: (userId, locale) => services.users.saveLocale(userId, locale),
    onSessionExpired: (request, userId) => services.auth.recordSessionEnded(userId, request.actor),
  });
  await app.register(viewsPlugin, {
    branding: () => services.partnership.branding(),
    unreadNotifications: (userId) => services.notifications.unreadCount(userId),
    precompile: precompileViews ?? false,
  });
  await app.register(errorsPlugin);

  const staticOptions = { decorateReply: false, maxAge: '1h' };
  await app.register(fastifyStatic, { root: path.join(projectDirectory, 'public'), prefix: '/assets/', ...staticOptions, decorateReply: true });
  await app.register(fastifyStatic, { root: path.join(projectDirectory, 'assets', 'js'), prefix: '/assets/js/', ...staticOptions });
  await app.register(fastifyStatic, {
    root: path.join(projectDirectory, 'node_modules', 'govuk-frontend', 'dist', 'govuk'),
    prefix: '/assets/govuk/',
    ...staticOptions,
  });
  await app.register(fastifyStatic, {
    root: path.join(projectDirectory, 'node_modules', '@ministryofjustice', 'frontend', 'moj'),
    prefix: '/assets/moj/',
    ...staticOptions,
  });
  // The analytics maps: Leaflet and its clustering plugin, served from the app (no CDN).
  await app.register(fastifyStatic, { root: path.join(projectDirectory, 'node_modules', 'leaflet', 'dist'), prefix: '/assets/leaflet/', ...staticOptions });
  await app.register(fastifyStatic, { root: path.join(projectDirectory, 'node_modules', 'leaflet.markercluster', 'dist'), prefix: '/assets/leaflet-markercluster/', ...staticOptions });

  const moduleOptions = { services };
  await app.register(healthRoutes, moduleOptions);
  await app.register(pagesRoutes, moduleOptions);
  await app.register(authRoutes, moduleOptions);
  await app.register(ssoRoutes, moduleOptions);
  await app.register(homeRoutes, moduleOptions);
  await app.register(profileRoutes, moduleOptions);
  await app.register(adminRoutes, moduleOptions);
  await app.register(partnershipRoutes, moduleOptions);
  await app.register(organisationsRoutes, moduleOptions);
  await app.register(usersRoutes, moduleOptions);
  await app.register(apiKeysRoutes, moduleOptions);
  await app.register(apiRoutes, moduleOptions);
  await app.register(outboxRoutes, moduleOptions);
  await app.register(auditRoutes, moduleOptions);
  await app.register(casesRoutes, moduleOptions);
  await app.register(casePeopleRoutes, moduleOptions);
  await app.register(riskRoutes, moduleOptions);
  await app.register(actionsRoutes, moduleOptions);
  await app.register(interventionsRoutes, moduleOptions);
  await app.register(peopleRoutes, moduleOptions);
  await app.register(householdsRoutes, moduleOptions);
  await app.register(personAddressesRoutes, moduleOptions);
  await app.register(searchRoutes, moduleOptions);
  await app.register(timelineRoutes, moduleOptions);
  await app.register(breakGlassRoutes, moduleOptions);
  await app.register(caseSettingsRoutes, moduleOptions);
  await app.register(caseTypesRoutes, moduleOptions);
  await app.register(notificationsRoutes, moduleOptions);
  await app.register(caseReviewApplicationRoutes, moduleOptions);
  await app.register(caseReviewRoutes, moduleOptions);
  await app.register(referralsRoutes, moduleOptions);
  await app.register(pathwaysRoutes, moduleOptions);
  await app.register(governanceRoutes, moduleOptions);
  await app.register(analyticsRoutes, moduleOptions);
  await app.register(sharingAgreementsRoutes, moduleOptions);
  await app.register(retentionRoutes, moduleOptions);
  await app.register(meetingsRoutes, moduleOptions);
  await app.register(problemsRoutes, moduleOptions);
  await app.register(problemResponsesRoutes, moduleOptions);
  await app.register(alertsRoutes, moduleOptions);
  await app.register(linkageRoutes, moduleOptions);
  await app.register(incidentsRoutes, moduleOptions);
  await app.register(dataProtectionRoutes, moduleOptions);

  return app;
}

/** The base map's tile host, which the CSP must allow images from ({s} subdomains as a wildcard). */
function mapTileOrigins(tileUrl: string): string[] {
  if (!tileUrl) return [];
  const host = new URL(tileUrl.replace(/\{s\}/g, 'tiles').replace(/\{[a-z]\}/g, '0')).host;
  return [tileUrl.includes('{s}.') ? `https://*.${host.split('.').slice(1).join('.')}` : `https://${host}`];
}

/**
 * The CSRF token of a form post. Multipart bodies (file uploads) are read by their handler,
 * after the CSRF check, so those forms carry the token in their action's query string.
 */
function csrfTokenOf(request: FastifyRequest): string | undefined {
  const fromBody = (request.body as { _csrf?: unknown } | undefined)?._csrf;
  const fromQuery = (request.query as { _csrf?: unknown } | undefined)?._csrf;
  const fromHeader = request.headers['x-csrf-token'];
  return [fromBody, fromQuery, fromHeader].find((token): token is string => typeof token === 'string' && token !== '');
}
