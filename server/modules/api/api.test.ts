import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../../../test/factories/index.ts';
import { createTestApp, TEST_SECRETS, type TestApp } from '../../../test/support/testApp.ts';
import { buildApp } from '../../app.ts';
import { countHit } from '../../middleware/rateLimitStore.ts';
import { createServices } from '../../services.ts';
import type { Permission } from '../../shared/permissions.ts';
import { generateApiKey } from '../apiKeys/apiKeyFormat.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

interface KeyFixture {
  id: string;
  key: string;
  prefix: string;
  organisationId: string;
}

/** A key written straight into the database: for tests about using keys, not creating them. */
async function createKey(app: TestApp, options: Partial<{ permissions: Permission[]; organisationId: string; name: string; revoked: boolean }> = {}): Promise<KeyFixture> {
  const organisationId = options.organisationId ?? (await createOrganisation(app)).id;
  const generated = generateApiKey();
  const row = await app.database.db
    .insertInto('api_keys')
    .values({
      organisation_id: organisationId,
      name: options.name ?? 'Partner system',
      key_prefix: generated.prefix,
      secret_hash: generated.secretHash,
      permissions: options.permissions ?? ['organisation:view'],
      revoked_at: options.revoked ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, key: generated.fullKey, prefix: generated.prefix, organisationId };
}

function call(app: TestApp, url: string, key?: string, extra: { payload?: string; headers?: Record<string, string> } = {}) {
  return app.app.inject({
    method: 'GET',
    url,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra.headers },
    ...(extra.payload === undefined ? {} : { payload: extra.payload }),
  });
}

async function rejections(keyId: string) {
  return testApp.database.db.selectFrom('audit_events').select(['action', 'details']).where('record_id', '=', keyId).where('action', '=', 'API_KEY_USED_REJECTED').execute();
}

describe('API authentication', () => {
  it('answers 401 problem JSON with a Bearer challenge when no key is sent', async () => {
    const response = await call(testApp, '/api/v1/me');
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="OneRoof API"');
    expect(response.json()).toMatchObject({ type: '/api/v1/problems/unauthenticated', status: 401, instance: '/api/v1/me' });
    expect(response.json().requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses malformed, unknown, wrong, revoked and inactive-organisation keys alike', async () => {
    const valid = await createKey(testApp);
    const revoked = await createKey(testApp, { revoked: true });
    const inactiveOrganisation = await createOrganisation(testApp, { active: false });
    const inactive = await createKey(testApp, { organisationId: inactiveOrganisation.id });
    const wrongSecret = `or_${valid.prefix}_${'A'.repeat(43)}`;
    const unknown = generateApiKey().fullKey;
    for (const key of ['not-a-key', unknown, wrongSecret, revoked.key, inactive.key]) {
      const response = await call(testApp, '/api/v1/me', key);
      expect(response.statusCode, key).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="OneRoof API", error="invalid_token"');
      expect(response.json().detail).toBe('Send a valid API key in the Authorization header: Bearer or_<prefix>_<secret>');
    }
    expect((await call(testApp, '/api/v1/me', valid.key)).statusCode).toBe(200);
  });

  it('audits refused keys, once a minute per key and reason rather than on every attempt', async () => {
    const valid = await createKey(testApp);
    const wrongSecret = `or_${valid.prefix}_${'B'.repeat(43)}`;
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await call(testApp, '/api/v1/me', wrongSecret)).statusCode).toBe(401);
    const events = await rejections(valid.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toMatchObject({ reason: 'wrong_secret', prefix: valid.prefix });
    const revoked = await createKey(testApp, { revoked: true });
    await call(testApp, '/api/v1/me', revoked.key);
    expect((await rejections(revoked.id)).map((event) => event.details.reason)).toEqual(['revoked']);
  });

  it('answers 403 when the key lacks the scope the operation needs, and audits it', async () => {
    const key = await createKey(testApp, { permissions: ['case:view'] });
    const response = await call(testApp, '/api/v1/organisations', key.key);
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.json()).toMatchObject({ type: '/api/v1/problems/forbidden', status: 403, detail: 'This API key does not have the organisation:view scope' });
    expect((await rejections(key.id)).map((event) => event.details)).toEqual([{ reason: 'missing_permission', permission: 'organisation:view' }]);
  });

  it('records when a key was last used, at most once a minute', async () => {
    const key = await createKey(testApp);
    const lastUsed = async () =>
      (await testApp.database.db.selectFrom('api_keys').select('last_used_at').where('id', '=', key.id).executeTakeFirstOrThrow()).last_used_at;
    expect(await lastUsed()).toBeNull();
    await call(testApp, '/api/v1/me', key.key);
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    expect(Date.now() - first!.getTime()).toBeLessThan(10_000);
    await call(testApp, '/api/v1/me', key.key);
    expect((await lastUsed())!.getTime()).toBe(first!.getTime());
    const longAgo = new Date(Date.now() - 5 * 60_000);
    await testApp.database.db.updateTable('api_keys').set({ last_used_at: longAgo }).where('id', '=', key.id).execute();
    await call(testApp, '/api/v1/me', key.key);
    expect((await lastUsed())!.getTime()).toBeGreaterThan(longAgo.getTime());
  });
});

describe('API operations', () => {
  it('tells a key who it is', async () => {
    const organisation = await createOrganisation(testApp, { name: 'Tyne Housing' });
    const key = await createKey(testApp, { organisationId: organisation.id, name: 'Housing CRM', permissions: ['organisation:view', 'incident:write'] });
    const response = await call(testApp, '/api/v1/me', key.key);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({
      name: 'Housing CRM',
      organisation: { id: organisation.id, name: 'Tyne Housing' },
      permissions: ['organisation:view', 'incident:write'],
    });
  });

  it('lists the partnership organisations, up to the limit asked for', async () => {
    const inactive = await createOrganisation(testApp, { name: 'AAA Closed Trust', type: 'nhs_trust', active: false });
    const key = await createKey(testApp);
    const response = await call(testApp, '/api/v1/organisations', key.key);
    expect(response.statusCode).toBe(200);
    const { organisations } = response.json() as { organisations: { id: string; name: string; type: string; active: boolean }[] };
    expect(organisations).toContainEqual({ id: inactive.id, name: 'AAA Closed Trust', type: 'nhs_trust', active: false });
    expect(Object.keys(organisations[0]!).sort()).toEqual(['active', 'id', 'name', 'type']);
    const limited = await call(testApp, '/api/v1/organisations?limit=1', key.key);
    expect(limited.json().organisations).toHaveLength(1);
  });

  it('answers 400 problem JSON naming each invalid field', async () => {
    const key = await createKey(testApp);
    for (const limit of ['0', '501', 'many', '2.5']) {
      const response = await call(testApp, `/api/v1/organisations?limit=${limit}`, key.key);
      expect(response.statusCode, limit).toBe(400);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.json()).toMatchObject({
        type: '/api/v1/problems/validation-failed',
        status: 400,
        errors: [{ field: 'limit', message: 'limit must be a whole number from 1 to 500' }],
      });
    }
  });

  it('refuses a body over the size limit with 413 before reading it', async () => {
    const key = await createKey(testApp);
    const payload = JSON.stringify({ padding: 'x'.repeat(testApp.config.apiBodyLimitBytes) });
    const response = await call(testApp, '/api/v1/organisations', key.key, { payload, headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.json()).toMatchObject({ type: '/api/v1/problems/payload-too-large', status: 413 });
  });

  it('answers unknown API addresses with problem JSON', async () => {
    const response = await call(testApp, '/api/v1/no-such-thing');
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  });
});

describe('API rate limit', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await createTestApp({ env: { API_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(async () => limited.close());

  it('answers 429 problem JSON with Retry-After once a key has used its requests for the minute', async () => {
    const busy = await createKey(limited);
    const quiet = await createKey(limited);
    for (let request = 0; request < 3; request += 1) expect((await call(limited, '/api/v1/me', busy.key)).statusCode).toBe(200);
    const refused = await call(limited, '/api/v1/me', busy.key);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json()).toMatchObject({ type: '/api/v1/problems/too-many-requests', status: 429 });
    expect((await call(limited, '/api/v1/me', quiet.key)).statusCode).toBe(200);
  });

  it('counts callers without a valid key by address', async () => {
    const statuses = [];
    for (let request = 0; request < 4; request += 1) {
      statuses.push((await call(limited, '/api/v1/me')).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('counts a key across app processes on one database: the limit is not multiplied by the number of processes', async () => {
    // A second app on the same database and settings, as a second process behind a load balancer.
    const otherProcess = { ...limited, app: await buildApp({ services: createServices(limited.config, limited.database, TEST_SECRETS), secrets: TEST_SECRETS, logger: false }) };
    try {
      const shared = await createKey(limited);
      expect((await call(limited, '/api/v1/me', shared.key)).statusCode).toBe(200);
      expect((await call(otherProcess, '/api/v1/me', shared.key)).statusCode).toBe(200);
      expect((await call(limited, '/api/v1/me', shared.key)).statusCode).toBe(200);
      expect((await call(otherProcess, '/api/v1/me', shared.key)).statusCode).toBe(429);
      expect((await call(limited, '/api/v1/me', shared.key)).statusCode).toBe(429);
      const counter = await limited.database.db.selectFrom('rate_limit_counters').select('hits').where('key', '=', `key:${shared.id}`).executeTakeFirstOrThrow();
      expect(counter.hits).toBe(5);
    } finally {
      await otherProcess.app.close();
    }
  });
});

describe('the shared rate-limit counter', () => {
  it('counts hits in a window, tells how long is left, and starts again once the window has run out', async () => {
    const first = await countHit(testApp.database.db, 'test:window', 400);
    const second = await countHit(testApp.database.db, 'test:window', 400);
    expect([first.current, second.current]).toEqual([1, 2]);
    expect(second.ttl).toBeGreaterThan(0);
    expect(second.ttl).toBeLessThanOrEqual(400);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect((await countHit(testApp.database.db, 'test:window', 400)).current).toBe(1);
    expect((await countHit(testApp.database.db, 'test:other', 400)).current).toBe(1);
  });
});

describe('API description', () => {
  it('publishes an OpenAPI 3.1 document with both operations, bearer authentication and the problem schema', async () => {
    const response = await call(testApp, '/api/v1/openapi.json');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const document = response.json();
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info).toMatchObject({ title: 'OneRoof API', version: expect.any(String) });
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(document.paths).sort()).toEqual(['/api/v1/incidents', '/api/v1/incidents/{incidentId}', '/api/v1/me', '/api/v1/organisations']);

    const me = document.paths['/api/v1/me'].get;
    expect(me).toMatchObject({ operationId: 'getMe', security: [{ bearerAuth: [] }], 'x-required-permission': null });
    const organisations = document.paths['/api/v1/organisations'].get;
    expect(organisations).toMatchObject({ operationId: 'listOrganisations', security: [{ bearerAuth: [] }], 'x-required-permission': 'organisation:view' });
    expect(organisations.parameters).toContainEqual(
      expect.objectContaining({ name: 'limit', in: 'query', required: false, schema: expect.objectContaining({ type: 'integer', minimum: 1, maximum: 500 }) }),
    );
    expect(organisations.responses['200'].content['application/json'].schema.properties.organisations.type).toBe('array');
    expect(organisations.responses['403'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(document.components.schemas.Problem).toMatchObject({ type: 'object', required: expect.arrayContaining(['type', 'title', 'status', 'instance']) });

    for (const [path, item] of Object.entries<Record<string, { responses: Record<string, { description: string }> }>>(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [status, answer] of Object.entries(operation.responses)) expect(answer.description, `${method} ${path} ${status}`).toBeTruthy();
      }
    }
    for (const [, name] of JSON.stringify(document).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      expect(document.components.schemas, `$ref ${name}`).toHaveProperty([name!]);
    }
  });

  it('renders a reference page from the document, within the content security policy', async () => {
    const response = await call(testApp, '/api/v1/docs');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const page = response.body;
    expect(page).toContain('API reference');
    expect(page.match(/data-testid="api-operation"/g)).toHaveLength(4);
    for (const text of ['/api/v1/me', '/api/v1/organisations', 'Check your API key', 'List the partnership&#39;s organisations', 'organisation:view', 'Any valid API key', '<code>limit</code>']) {
      expect(page).toContain(text);
    }
    expect(page).toContain('Authorization: Bearer or_&lt;prefix&gt;_&lt;secret&gt;');
    expect(page).toContain('&quot;name&quot;: &quot;Northumbria Police&quot;');
    expect(page).toContain('/api/v1/problems/validation-failed');
    // The only inline script is the GOV.UK template's, allowed by its CSP nonce.
    expect(page).not.toMatch(/<script(?![^>]*(src|nonce)=)/);
    expect(String(response.headers['content-security-policy'])).not.toContain('unsafe-inline');
  });
});
