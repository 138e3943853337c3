import { errorCodes, type FastifyReply, type FastifyRequest } from 'fastify';
import { Forbidden, Unauthenticated } from '../../shared/errors.ts';
import type { ApiKeysService } from '../apiKeys/apiKeysService.ts';

const BEARER = /^Bearer +(\S+) *$/i;
const REALM = 'OneRoof API';

/**
 * The API's request hooks. Identifying the key and refusing the request are separate steps so
 * that the rate limiter, which runs between them, counts refused requests too (by address).
 */
export function apiAuthentication(apiKeys: ApiKeysService, bodyLimitBytes: number) {
  return {
    /** onRequest: refuses a declared body over the limit before any of it is read, whatever the method. */
    async refuseOversizedBody(request: FastifyRequest): Promise<void> {
      if (Number(request.headers['content-length'] ?? 0) > bodyLimitBytes) throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
    },

    /** onRequest: sets `request.apiClient` when the bearer token is a valid key. */
    async identify(request: FastifyRequest): Promise<void> {
      if (request.routeOptions.config.access === 'public') return;
      const token = bearerToken(request);
      if (token !== undefined) request.apiClient = (await apiKeys.authenticate(token, request.actor)) ?? null;
    },

    /** preParsing: 401 without a valid key, 403 when the key lacks the route's permission. */
    async authorise(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const access = request.routeOptions.config.access;
      if (access === 'public') return;
      const client = request.apiClient;
      if (!client) {
        reply.header('www-authenticate', bearerToken(request) === undefined ? `Bearer realm="${REALM}"` : `Bearer realm="${REALM}", error="invalid_token"`);
        throw new Unauthenticated(request.t('api.problems.unauthenticated', { lng: 'en' }));
      }
      // 'signed-in' on an API route means any valid key.
      if (access === 'signed-in') return;
      if (!access || !client.permissions.includes(access)) {
        if (access) await apiKeys.recordMissingPermission(client, access, request.actor);
        throw new Forbidden(request.t('api.problems.missingPermission', { lng: 'en', permission: access }));
      }
    },
  };
}

function bearerToken(request: FastifyRequest): string | undefined {
  return BEARER.exec(request.headers.authorization ?? '')?.[1];
}
