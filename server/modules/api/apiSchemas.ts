import { z } from 'zod';
import { translatorFor } from '../../shared/i18n/index.ts';
import { allPermissions } from '../../shared/permissions.ts';
import { organisationTypes } from '../organisations/organisationTypes.ts';

/**
 * Zod schemas for the JSON API: they validate input, serialise output and generate the OpenAPI
 * document, so the three cannot disagree. Descriptions come from the English catalogue.
 */
const en = translatorFor('en');

const EXAMPLE_ORGANISATION_ID = '6f1c2a4e-8d3b-4f5a-9c7e-2b1d0e9f8a7c';

export const problemSchema = z
  .object({
    type: z.string().describe(en('api.schema.problem.type')),
    title: z.string().describe(en('api.schema.problem.title')),
    status: z.number().int().min(100).max(599).describe(en('api.schema.problem.status')),
    detail: z.string().optional().describe(en('api.schema.problem.detail')),
    instance: z.string().describe(en('api.schema.problem.instance')),
    requestId: z.string().describe(en('api.schema.problem.requestId')),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe(en('api.schema.problem.errors')),
  })
  .meta({
    id: 'Problem',
    description: en('api.schema.problem.description'),
    examples: [
      {
        type: '/api/v1/problems/validation-failed',
        title: 'The information sent is not valid',
        status: 400,
        instance: '/api/v1/organisations',
        requestId: '0b6f1c9e-3f2a-4d7b-8e1c-5a9d2f4b6c8e',
        errors: [{ field: 'limit', message: 'limit must be a whole number from 1 to 500' }],
      },
    ],
  });

export type ProblemBody = z.output<typeof problemSchema>;

export const meSchema = z
  .object({
    name: z.string().describe(en('api.schema.me.name')),
    organisation: z.object({ id: z.uuid(), name: z.string() }).describe(en('api.schema.me.organisation')),
    permissions: z.array(z.enum(allPermissions)).describe(en('api.schema.me.permissions')),
  })
  .meta({
    description: en('api.schema.me.description'),
    examples: [
      {
        name: 'Police case system (live)',
        organisation: { id: EXAMPLE_ORGANISATION_ID, name: 'Northumbria Police' },
        permissions: ['organisation:view'],
      },
    ],
  });

export const organisationListQuerySchema = z.object({
  limit: z.coerce
    .number({ error: 'api.validation.limit' })
    .int('api.validation.limit')
    .min(1, 'api.validation.limit')
    .max(500, 'api.validation.limit')
    .default(100)
    .describe(en('api.schema.organisations.limit')),
});

export const organisationListSchema = z
  .object({
    organisations: z.array(
      z.object({
        id: z.uuid(),
        name: z.string(),
        type: z.enum(organisationTypes),
        active: z.boolean().describe(en('api.schema.organisations.active')),
      }),
    ),
  })
  .meta({
    description: en('api.schema.organisations.description'),
    examples: [{ organisations: [{ id: EXAMPLE_ORGANISATION_ID, name: 'Northumbria Police', type: 'police', active: true }] }],
  });

/** Problem responses for the OpenAPI document and for serialising the problems themselves. */
export function problemResponses(...statuses: (400 | 401 | 403 | 413 | 429)[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: en(`api.problems.${status}`), content: { 'application/problem+json': { schema: problemSchema } } }]),
  );
}
