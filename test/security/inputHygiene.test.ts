import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeNulFromPageInput } from '../../server/middleware/inputHygiene.ts';
import { generateApiKey } from '../../server/modules/apiKeys/apiKeyFormat.ts';
import { createOrganisation, createUser, signedInAgent } from '../factories/index.ts';
import { TestAgent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/testApp.ts';

/** U+0000, which PostgreSQL text cannot hold, answered 500 wherever it reached an insert (found by fuzz.test.ts). */
let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

describe('NUL bytes in input', () => {
  it('are removed from a page request’s form fields and query string, arrays included, but not from the API’s', async () => {
    const page = { routeOptions: { config: {} }, query: { name: 'Jo\u0000an' }, body: { summary: 'A\u0000B', tags: ['x\u0000', 'y'], count: 3 } } as unknown as FastifyRequest;
    await removeNulFromPageInput(page);
    expect(page.query).toEqual({ name: 'Joan' });
    expect(page.body).toEqual({ summary: 'AB', tags: ['x', 'y'], count: 3 });
    const api = { routeOptions: { config: { api: true } }, query: {}, body: { summary: 'A\u0000B' } } as unknown as FastifyRequest;
    await removeNulFromPageInput(api);
    expect(api.body).toEqual({ summary: 'A\u0000B' });
  });

  it('do not break a page: a search and a public form answer normally', async () => {
    const fixture = await createUser(testApp, { role: 'case_worker' });
    const agent = await signedInAgent(testApp, fixture.user);
    expect((await agent.get('/people?name=Jo%00an')).statusCode).toBe(200);
    const visitor = new TestAgent(testApp.app);
    await visitor.get('/forgot-password');
    const response = await visitor.post('/forgot-password', { email: `someone\u0000@example.org` });
    expect(response.statusCode).toBeLessThan(500);
  });

  it('are refused on the API as bad input (400 problem JSON), and nothing is stored', async () => {
    const organisation = await createOrganisation(testApp);
    const generated = generateApiKey();
    await testApp.database.db
      .insertInto('api_keys')
      .values({ organisation_id: organisation.id, name: 'NUL key', key_prefix: generated.prefix, secret_hash: generated.secretHash, permissions: ['incident:write'] })
      .execute();
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: { authorization: `Bearer ${generated.fullKey}`, 'content-type': 'application/json', 'idempotency-key': 'nul-1' },
      payload: JSON.stringify({ incidents: [{ reference: 'NUL-1', occurredAt: '2026-03-14T21:40:00Z', category: 'asb_personal', summary: 'Loud\u0000music' }] }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body).not.toMatch(/invalid byte sequence|0x00|pg_/);
    const stored = await testApp.database.db.selectFrom('incidents').select('id').where('source_reference', '=', 'NUL-1').execute();
    expect(stored).toEqual([]);
    // The same batch without the NUL is accepted: the 400 was about the NUL alone.
    const clean = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: { authorization: `Bearer ${generated.fullKey}`, 'content-type': 'application/json', 'idempotency-key': 'nul-2' },
      payload: JSON.stringify({ incidents: [{ reference: 'NUL-1', occurredAt: '2026-03-14T21:40:00Z', category: 'asb_personal', summary: 'Loud music' }] }),
    });
    expect(clean.statusCode).toBe(201);
  });
});
