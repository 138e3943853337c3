import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../../../test/factories/index.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import type { Permission } from '../../shared/permissions.ts';
import { generateApiKey } from '../apiKeys/apiKeyFormat.ts';

let testApp: TestApp;
const db = () => testApp.database.db;

async function keyFor(organisationId: string, permissions: Permission[] = ['incident:write', 'incident:view']) {
  const generated = generateApiKey();
  const row = await db()
    .insertInto('api_keys')
    .values({ organisation_id: organisationId, name: 'Council CRM', key_prefix: generated.prefix, secret_hash: generated.secretHash, permissions })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, key: generated.fullKey };
}

function post(key: string, body: unknown, idempotencyKey?: string) {
  return testApp.app.inject({
    method: 'POST',
    url: '/api/v1/incidents',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    payload: JSON.stringify(body),
  });
}

const incident = (reference: string, extra: Record<string, unknown> = {}) => ({
  reference,
  occurredAt: '2026-03-14T21:40:00Z',
  category: 'noise',
  summary: 'Loud music',
  postcode: 'ne6 1aa',
  people: [{ role: 'complainant', givenName: 'Joan', familyName: 'Partridge', dateOfBirth: '1948-02-03', identifierKind: 'nhs_number', identifier: '9434765919' }],
  ...extra,
});

async function countFor(organisationId: string) {
  const row = await db().selectFrom('incidents').select((eb) => eb.fn.countAll<string>().as('n')).where('source_organisation_id', '=', organisationId).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe.each(availableBackends())('incidents API on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
  });
  afterAll(async () => testApp.close());

  it('stores a batch once: a retry with the same key and body replays the first answer', async () => {
    const organisation = await createOrganisation(testApp);
    const { key } = await keyFor(organisation.id);
    const body = { incidents: [incident('API-1'), incident('API-2', { people: [] })] };
    const first = await post(key, body, 'batch-0001');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ received: 2, created: 2, alreadyHeld: 0, incidents: [{ reference: 'API-1', created: true }, { reference: 'API-2', created: true }] });
    const again = await post(key, body, 'batch-0001');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await countFor(organisation.id)).toBe(2);
    // A new key for the same incidents: held already, not copied.
    const newKey = await post(key, body, 'batch-0002');
    expect(newKey.json()).toMatchObject({ created: 0, alreadyHeld: 2 });
    expect(await countFor(organisation.id)).toBe(2);
    // The answer does not wait for linking; it follows straight after.
    await testApp.services.linking.settled();
    const people = await db().selectFrom('incident_people').innerJoin('incidents', 'incidents.id', 'incident_people.incident_id').select(['incident_people.link_status', 'incident_people.identifier']).where('incidents.source_organisation_id', '=', organisation.id).execute();
    // Linked to a person after the commit (a new one, or one an earlier test made with the same NHS number).
    expect(people).toEqual([{ link_status: expect.stringMatching(/^(new_person|auto_linked)$/), identifier: '9434765919' }]);
  });

  it('refuses the same key with a different body', async () => {
    const organisation = await createOrganisation(testApp);
    const { key } = await keyFor(organisation.id);
    expect((await post(key, { incidents: [incident('K-1')] }, 'reused-key')).statusCode).toBe(201);
    const reused = await post(key, { incidents: [incident('K-2')] }, 'reused-key');
    expect(reused.statusCode).toBe(422);
    expect(reused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(reused.json()).toMatchObject({ type: '/api/v1/problems/idempotency-key-reused', status: 422 });
    expect(await countFor(organisation.id)).toBe(1);
  });

  it('stores nothing when one incident is invalid, naming each problem by incident and field', async () => {
    const organisation = await createOrganisation(testApp);
    const { key } = await keyFor(organisation.id);
    const response = await post(key, { incidents: [incident('V-1'), incident('V-2', { occurredAt: '31/02/2026', latitude: 40.7, longitude: -74 }), incident('V-1')] }, 'invalid-batch');
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      type: '/api/v1/problems/incident-validation-failed',
      errors: [
        { field: 'incidents[1].occurredAt', message: 'is not a real date or time' },
        { field: 'incidents[1].latitude', message: '40.7, -74 is outside the United Kingdom' },
        { field: 'incidents[2].reference', message: 'repeats the reference of incident 0 in this batch' },
      ],
    });
    expect(await countFor(organisation.id)).toBe(0);
    // The refused batch did not use up its key.
    expect((await post(key, { incidents: [incident('V-1')] }, 'invalid-batch')).statusCode).toBe(201);
  });

  it('needs an Idempotency-Key, a well-formed body and the incident:write scope', async () => {
    const organisation = await createOrganisation(testApp);
    const { key } = await keyFor(organisation.id);
    const noKey = await post(key, { incidents: [incident('H-1')] });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().errors).toEqual([expect.objectContaining({ message: 'Send an Idempotency-Key header of 1 to 200 characters' })]);
    const unknownField = await post(key, { incidents: [{ ...incident('H-2'), colour: 'red' }] }, 'h-2');
    expect(unknownField.statusCode).toBe(400);
    const tooMany = await post(key, { incidents: Array.from({ length: 1001 }, (_unused, index) => ({ reference: `T-${index}`, occurredAt: '2026-01-01', category: 'noise' })) }, 'too-many');
    expect(tooMany.statusCode).toBe(400);
    const viewOnly = await keyFor(organisation.id, ['incident:view']);
    expect((await post(viewOnly.key, { incidents: [incident('H-3')] }, 'h-3')).statusCode).toBe(403);
    expect(await countFor(organisation.id)).toBe(0);
  });

  it("reads back one of the organisation's incidents, and answers 404 for another organisation's", async () => {
    const organisation = await createOrganisation(testApp);
    const other = await createOrganisation(testApp);
    const { key } = await keyFor(organisation.id);
    const otherKey = await keyFor(other.id);
    const stored = await post(key, { incidents: [incident('G-1')] }, 'g-1');
    const id = stored.json().incidents[0].id as string;
    await testApp.services.linking.settled();
    const read = await testApp.app.inject({ method: 'GET', url: `/api/v1/incidents/${id}`, headers: { authorization: `Bearer ${key}` } });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id, reference: 'G-1', category: 'noise', postcode: 'NE6 1AA', occurredPrecision: 'minute', people: [{ role: 'complainant', familyName: 'Partridge', linkStatus: expect.stringMatching(/^(new_person|auto_linked)$/) }] });
    const hidden = await testApp.app.inject({ method: 'GET', url: `/api/v1/incidents/${id}`, headers: { authorization: `Bearer ${otherKey.key}` } });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const audited = await db().selectFrom('audit_events').select('action').where('record_id', '=', id).execute();
    expect(audited.map((event) => event.action)).toEqual(['INCIDENT_VIEWED']);
  });

  it('documents both operations in the OpenAPI document', async () => {
    const document = (await testApp.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const postOperation = document.paths['/api/v1/incidents'].post;
    expect(postOperation).toMatchObject({ operationId: 'postIncidents', 'x-required-permission': 'incident:write' });
    expect(postOperation.parameters).toContainEqual(expect.objectContaining({ name: 'idempotency-key', in: 'header', required: true }));
    expect(postOperation.responses['422'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(document.paths['/api/v1/incidents/{incidentId}'].get).toMatchObject({ operationId: 'getIncident', 'x-required-permission': 'incident:view' });
  });
});
