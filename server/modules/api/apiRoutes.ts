import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config.ts';
import { postgresRateLimitStore } from '../../middleware/rateLimitStore.ts';
import type { Services } from '../../services.ts';
import { TooManyRequests } from '../../shared/errors.ts';
import { intlLocales, type Locale, translatorFor } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';
import type { ApiClient } from '../../types.ts';
import type { OrganisationType } from '../organisations/organisationTypes.ts';
import { apiAuthentication } from './apiAuthentication.ts';
import { openApiOptions } from './apiDocument.ts';
import { componentExample, type OpenApiDocument, referenceOperations } from './apiReference.ts';
import { meSchema, organisationListQuerySchema, organisationListSchema, problemResponses } from './apiSchemas.ts';
import { registerIncidentOperations } from '../incidents/incidentsApi.ts';

const en = translatorFor('en');
const RATE_WINDOW_MS = 60_000;

/**
 * The JSON API under /api/v1: an encapsulated plugin, so its zod compilers, key authentication,
 * rate limit and body limit apply to its routes alone. Routes declare `config.api` and, as
 * `config.access`, the permission the key must hold; the OpenAPI document is built from them.
 */
export async function apiRoutes(app: FastifyInstance, { services }: { services: Services }) {
  await registerPlatform(app, services);
  registerOperations(app, services);
  registerIncidentOperations(app, services);
  registerDescription(app, services.config);
}

async function registerPlatform(app: FastifyInstance, services: Services): Promise<void> {
  const { config } = services;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= config.apiBodyLimitBytes;
  });
  await app.register(fastifySwagger, openApiOptions(config));

  const authentication = apiAuthentication(services.apiKeys, config.apiBodyLimitBytes);
  app.addHook('onRequest', authentication.refuseOversizedBody);
  app.addHook('onRequest', authentication.identify);
  // The limiter's hooks are route-level, so they run after the ones above: the limit is per identified key.
  await app.register(fastifyRateLimit, {
    max: config.apiRateLimitPerMinute,
    timeWindow: RATE_WINDOW_MS,
    hook: 'onRequest',
    // Counted in PostgreSQL, so the limit holds across every app process.
    store: postgresRateLimitStore(services.db),
    keyGenerator: (request) => (request.apiClient ? `key:${request.apiClient.keyId}` : `ip:${request.ip}`),
    errorResponseBuilder: (request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new TooManyRequests(seconds, request.t('api.problems.rateLimited', { lng: 'en', seconds }));
    },
  });
  app.addHook('preParsing', authentication.authorise);
}

function registerOperations(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    paths.api.me.pattern,
    {
      config: { api: true, access: 'signed-in' },
      schema: {
        operationId: 'getMe',
        summary: en('api.operations.getMe.summary'),
        description: en('api.operations.getMe.description'),
        response: { 200: meSchema, ...problemResponses(401, 429) },
      },
    },
    async (request) => {
      const client = request.apiClient as ApiClient;
      const organisation = await services.organisations.get(client.organisationId);
      return { name: client.name, organisation: { id: organisation.id, name: organisation.name }, permissions: client.permissions };
    },
  );

  api.get(
    paths.api.organisations.pattern,
    {
      config: { api: true, access: 'organisation:view' },
      schema: {
        operationId: 'listOrganisations',
        summary: en('api.operations.listOrganisations.summary'),
        description: en('api.operations.listOrganisations.description'),
        querystring: organisationListQuerySchema,
        response: { 200: organisationListSchema, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const organisations = await services.organisations.list();
      return {
        organisations: organisations.slice(0, request.query.limit).map((organisation) => ({
          id: organisation.id,
          name: organisation.name,
          // The database's check constraint holds the same list.
          type: organisation.type as OrganisationType,
          active: organisation.active,
        })),
      };
    },
  );
}

function registerDescription(app: FastifyInstance, config: Config): void {
  app.get(paths.api.openapi.pattern, { config: { api: true, access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(app.swagger()),
  );

  // An HTML page, not an API call: it follows the session and language like any other page.
  app.get(paths.api.docs.pattern, { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    // @fastify/swagger types the document as any OpenAPI version; openApiOptions builds 3.1.
    const document = app.swagger() as unknown as OpenApiDocument;
    return reply.render('api/views/docs.njk', {
      pageTitle: request.t('api.docs.title'),
      columnWidth: 'full',
      baseUrl: config.baseUrl,
      operations: referenceOperations(document, config.baseUrl),
      problemExample: componentExample(document, 'Problem'),
      rateLimit: config.apiRateLimitPerMinute,
      bodyLimit: formatBytes(config.apiBodyLimitBytes, request.locale),
    });
  });
}

function formatBytes(bytes: number, locale: Locale): string {
  const megabytes = bytes / (1024 * 1024);
  const [value, unit] = megabytes >= 1 ? [megabytes, 'megabyte'] : [bytes / 1024, 'kilobyte'];
  return new Intl.NumberFormat(intlLocales[locale], { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
}
