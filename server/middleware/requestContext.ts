import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor } from '../shared/actor.ts';
import { Forbidden } from '../shared/errors.ts';
import { isLocale, negotiateLocale, translatorFor, type Locale } from '../shared/i18n/index.ts';
import { paths } from '../shared/paths.ts';
import { type Access, hasPermission } from '../shared/permissions.ts';
import type { CurrentUser } from '../types.ts';

// A signed-in session ends after this long however active it is.
const ABSOLUTE_SESSION_MS = 12 * 60 * 60 * 1000;
// How often activity pushes the idle expiry forward: each push is a database write.
const TOUCH_INTERVAL_MS = 60 * 1000;

/** Every route with its declared access, for the generated access-matrix tests and docs. */
export interface DeclaredRoute {
  method: string;
  url: string;
  access: Access;
  api: boolean;
}

export interface RequestContextOptions {
  loadUser(userId: string): Promise<CurrentUser | undefined>;
  saveLocale(userId: string, locale: Locale): Promise<void>;
  onSessionExpired(request: FastifyRequest, userId: string): Promise<void>;
}

/**
 * Runs before every handler: who is asking (session user), in which language, and whether the
 * route lets them in. Routes declare `config.access`; there is no other access check to forget.
 */
export const requestContextPlugin = fp(async (app: FastifyInstance, options: RequestContextOptions) => {
  app.decorateRequest('user', null);
  app.decorateRequest('apiClient', null);
  app.decorateRequest('locale', 'en');
  app.decorateRequest('t', {
    getter() {
      return translatorFor((this as FastifyRequest).locale);
    },
  });
  app.decorateRequest('actor', {
    getter() {
      return actorOf(this as FastifyRequest);
    },
  });

  const declaredRoutes: DeclaredRoute[] = [];
  app.decorate('declaredRoutes', declaredRoutes);
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (access === undefined && typeof route.url === 'string' && route.url.startsWith('/assets/')) {
      route.config = { ...route.config, access: 'public' };
      return;
    }
    if (access === undefined) throw new Error(`Route ${String(route.method)} ${route.url} must declare config.access`);
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      declaredRoutes.push({ method, url: route.url, access, api: route.config?.api === true });
    }
  });

  // Language first, from the header alone, so that even a request failing in a later hook
  // (database down) gets its error page in the reader's language.
  app.addHook('onRequest', async (request) => {
    request.locale = negotiateLocale(request.headers['accept-language']);
  });

  app.addHook('preHandler', async (request, reply) => {
    const config = request.routeOptions.config;
    if (config.api) return;
    await identifyUser(request, options);
    await chooseLocale(request, options);
    const access = config.access ?? (request.is404 ? 'public' : undefined);
    if (access !== 'public' && !request.user) return reply.redirect(signInRedirect(request));
    authorise(request, access);
    if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method)) await checkCsrf(app, request, reply);
  });
});

async function identifyUser(request: FastifyRequest, options: RequestContextOptions): Promise<void> {
  const session = request.session;
  const userId = session?.userId;
  if (!userId) return;
  const signedInAt = session.signedInAt ?? 0;
  const user = Date.now() - signedInAt > ABSOLUTE_SESSION_MS ? undefined : await options.loadUser(userId);
  if (!user) {
    await options.onSessionExpired(request, userId);
    await session.regenerate();
    return;
  }
  request.user = user;
  if (Date.now() - (session.touchedAt ?? 0) > TOUCH_INTERVAL_MS) {
    session.touch();
    session.touchedAt = Date.now();
  }
}

async function chooseLocale(request: FastifyRequest, options: RequestContextOptions): Promise<void> {
  const requested = (request.query as Record<string, unknown> | undefined)?.lang;
  const session = request.session;
  if (isLocale(requested)) {
    if (session && session.locale !== requested) session.locale = requested;
    if (request.user && request.user.locale !== requested) {
      await options.saveLocale(request.user.id, requested);
      request.user.locale = requested;
    }
    request.locale = requested;
    return;
  }
  const chosen = session?.locale ?? request.user?.locale;
  if (chosen) request.locale = chosen;
}

function signInRedirect(request: FastifyRequest): string {
  return request.method === 'GET'
    ? `${paths.auth.signIn()}?returnTo=${encodeURIComponent(request.url)}`
    : paths.auth.signIn();
}

function authorise(request: FastifyRequest, access: Access | undefined): void {
  if (access === 'public' || access === 'signed-in') return;
  if (access === undefined || !request.user || !hasPermission(request.user.role, access)) throw new Forbidden();
}

function checkCsrf(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  return new Promise((resolve, reject) => {
    app.csrfProtection(request, reply, (error?: Error) => (error ? reject(error) : resolve()));
  });
}

function actorOf(request: FastifyRequest): Actor {
  if (request.apiClient) {
    return {
      userId: null,
      label: `api-key:${request.apiClient.name}`,
      organisationId: request.apiClient.organisationId,
      role: null,
      ip: request.ip,
      requestId: request.id,
    };
  }
  return {
    userId: request.user?.id ?? null,
    label: request.user?.email ?? 'anonymous',
    organisationId: request.user?.organisationId ?? null,
    role: request.user?.role ?? null,
    ip: request.ip,
    requestId: request.id,
  };
}
