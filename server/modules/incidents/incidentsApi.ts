import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { NotFound } from '../../shared/errors.ts';
import { translatorFor } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';
import type { ApiClient } from '../../types.ts';
import { problemResponses, problemSchema } from '../api/apiSchemas.ts';
import { identifierKinds, incidentInputSchema, personRoles } from './incidentRecord.ts';
import { API_BATCH_LIMIT } from './incidentsService.ts';

const en = translatorFor('en');

const batchSchema = z
  .object({ incidents: z.array(incidentInputSchema).min(1, 'incidents.api.batchEmpty').max(API_BATCH_LIMIT, 'incidents.api.batchTooLarge') })
  .meta({
    id: 'IncidentBatch',
    description: en('incidents.api.schema.batch', { limit: API_BATCH_LIMIT }),
    examples: [
      {
        incidents: [
          {
            reference: 'ASB-24-00123',
            occurredAt: '2026-03-14T21:40:00Z',
            category: 'NOISE-DOM',
            summary: 'Loud music reported by a neighbour, third time this month',
            address: '14 Elm Court, Byker',
            postcode: 'NE6 1AA',
            people: [{ role: 'complainant', givenName: 'Joan', familyName: 'Partridge', dateOfBirth: '1948-02-03' }],
          },
        ],
      },
    ],
  });

const receiptSchema = z
  .object({
    importId: z.uuid().describe(en('incidents.api.schema.importId')),
    received: z.number().int(),
    created: z.number().int().describe(en('incidents.api.schema.created')),
    alreadyHeld: z.number().int().describe(en('incidents.api.schema.alreadyHeld')),
    incidents: z.array(z.object({ reference: z.string(), id: z.uuid().nullable(), created: z.boolean() })),
  })
  .meta({ id: 'IncidentBatchReceipt', description: en('incidents.api.schema.receipt') });

const incidentSchema = z
  .object({
    id: z.uuid(),
    reference: z.string(),
    occurredAt: z.string().describe(en('incidents.api.schema.occurredAtOut')),
    occurredPrecision: z.enum(['minute', 'day', 'month']),
    category: z.string(),
    sourceCategory: z.string().nullable(),
    summary: z.string().nullable(),
    address: z.string().nullable(),
    postcode: z.string().nullable(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    area: z.string().nullable(),
    lsoaCode: z.string().nullable(),
    people: z.array(
      z.object({
        role: z.enum(personRoles),
        givenName: z.string().nullable(),
        familyName: z.string().nullable(),
        dateOfBirth: z.string().nullable(),
        gender: z.string().nullable(),
        address: z.string().nullable(),
        postcode: z.string().nullable(),
        phone: z.string().nullable(),
        identifierKind: z.enum(identifierKinds).nullable(),
        identifier: z.string().nullable(),
        linkStatus: z.string(),
      }),
    ),
  })
  .meta({ id: 'Incident', description: en('incidents.api.schema.incident') });

const problemContent = { 'application/problem+json': { schema: problemSchema } };
const problem422 = { 422: { description: en('incidents.api.problem422'), content: problemContent } };
const problem404 = { 404: { description: en('incidents.api.problem404'), content: problemContent } };

/** The incident operations of the JSON API, registered inside its plugin (keys, limits, document). */
export function registerIncidentOperations(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    paths.api.incidents.pattern,
    {
      config: { api: true, access: 'incident:write' },
      schema: {
        operationId: 'postIncidents',
        summary: en('incidents.api.operations.postIncidents.summary'),
        description: en('incidents.api.operations.postIncidents.description', { limit: API_BATCH_LIMIT }),
        headers: z.object({ 'idempotency-key': z.string({ error: 'incidents.api.idempotencyKeyMissing' }).min(1, 'incidents.api.idempotencyKeyMissing').max(200, 'incidents.api.idempotencyKeyMissing').describe(en('incidents.api.schema.idempotencyKey')) }),
        body: batchSchema,
        response: { 200: receiptSchema, 201: receiptSchema, ...problem422, ...problemResponses(400, 401, 403, 413, 429) },
      },
    },
    async (request, reply) => {
      const client = request.apiClient as ApiClient;
      const outcome = await services.incidents.receiveBatch(client, request.headers['idempotency-key'], request.body.incidents, request.actor);
      if (outcome.kind === 'keyReused') return sendProblem(request, reply, 'idempotency-key-reused', en('incidents.api.keyReused'));
      if (outcome.kind === 'invalid') {
        const errors = outcome.problems.map((problem) => ({ field: `incidents[${problem.index}].${problem.field}`, message: en(problem.message, { value: problem.value ?? '' }) }));
        return sendProblem(request, reply, 'incident-validation-failed', en('incidents.api.invalid'), errors);
      }
      if (outcome.kind === 'replayed') reply.header('idempotent-replayed', 'true');
      return reply.status(outcome.status).send(outcome.body as z.output<typeof receiptSchema>);
    },
  );

  api.get(
    paths.api.incident.pattern,
    {
      config: { api: true, access: 'incident:view' },
      schema: {
        operationId: 'getIncident',
        summary: en('incidents.api.operations.getIncident.summary'),
        description: en('incidents.api.operations.getIncident.description'),
        params: z.object({ incidentId: z.string() }),
        response: { 200: incidentSchema, ...problem404, ...problemResponses(401, 403, 429) },
      },
    },
    async (request) => {
      const client = request.apiClient as ApiClient;
      const found = await services.incidents.show({ organisationId: client.organisationId }, request.params.incidentId, request.actor).catch((error: unknown) => {
        if (error instanceof NotFound) throw new NotFound(en('incidents.api.notFound'));
        throw error;
      });
      const { incident, people } = found;
      return {
        id: incident.id,
        reference: incident.source_reference,
        occurredAt: incident.occurred_at.toISOString(),
        occurredPrecision: incident.occurred_precision,
        category: incident.category_code,
        sourceCategory: incident.source_category,
        summary: incident.summary,
        address: incident.address,
        postcode: incident.postcode,
        latitude: incident.latitude,
        longitude: incident.longitude,
        area: incident.area,
        lsoaCode: incident.lsoa_code,
        people: people.map((person) => ({
          role: person.role,
          givenName: person.given_name,
          familyName: person.family_name,
          dateOfBirth: person.date_of_birth,
          gender: person.gender,
          address: person.address,
          postcode: person.postcode,
          phone: person.phone,
          identifierKind: person.identifier_kind,
          identifier: person.identifier,
          linkStatus: person.link_status,
        })),
      };
    },
  );
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, type: string, detail: string, errors?: { field: string; message: string }[]) {
  return reply
    .status(422)
    .type('application/problem+json; charset=utf-8')
    .send({ type: `/api/v1/problems/${type}`, title: en('incidents.api.problemTitle'), status: 422, detail, instance: request.url.split('?')[0] ?? request.url, requestId: request.id, ...(errors ? { errors } : {}) });
}
