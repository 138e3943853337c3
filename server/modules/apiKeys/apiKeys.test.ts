import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { sha256Hex } from '../../shared/crypto.ts';
import { generateApiKey, parseApiKey } from './apiKeyFormat.ts';
import { OncePerInterval } from './oncePerInterval.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

const KEY_PATTERN = /or_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/;

function callApi(url: string, key: string) {
  return testApp.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
}

async function createThroughPages(agent: TestAgent, form: Record<string, string | string[]>) {
  await agent.get('/admin/api-keys/new');
  const response = await agent.post('/admin/api-keys/new', form);
  return { response, key: KEY_PATTERN.exec(response.body)?.[0] };
}

async function keyRow(name: string) {
  return testApp.database.db.selectFrom('api_keys').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
}

async function auditActions(keyId: string) {
  const rows = await testApp.database.db.selectFrom('audit_events').select(['action', 'actor_user_id']).where('record_id', '=', keyId).orderBy('seq').execute();
  return rows;
}

describe('API keys administration', () => {
  it('creates a key, shows it once, lists it, and revoking it stops it working', async () => {
    const organisation = await createOrganisation(testApp, { name: 'Wearside Council' });
    const admin = await createUser(testApp, { role: 'organisation_admin', organisationId: organisation.id });
    const agent = await signedInAgent(testApp, admin.user);

    const form = await agent.get('/admin/api-keys/new');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('See the partnership&#39;s organisations');
    expect(form.body).not.toContain('name="organisationId"');

    const { response, key } = await createThroughPages(agent, { name: 'Council CRM', scopes: ['organisation:view', 'incident:write'] });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('API key created');
    expect(response.body).toContain('You will not be able to see it again');
    expect(key).toBeDefined();

    const row = await keyRow('Council CRM');
    expect(row.organisation_id).toBe(organisation.id);
    expect(row.permissions).toEqual(['organisation:view', 'incident:write']);
    expect(key!.startsWith(`or_${row.key_prefix}_`)).toBe(true);
    const secret = key!.slice(`or_${row.key_prefix}_`.length);
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.secret_hash).not.toContain(secret);
    const sessions = await testApp.database.db.selectFrom('sessions').select('data').where('user_id', '=', admin.user.id).execute();
    expect(JSON.stringify(sessions)).not.toContain(secret);

    const list = await agent.get('/admin/api-keys');
    expect(list.body).toContain('Council CRM');
    expect(list.body).toContain(`or_${row.key_prefix}_…`);
    expect(list.body).toContain('Record incidents');
    expect(list.body).toContain('Active');
    expect(list.body).not.toContain(secret);
    const show = await agent.get(`/admin/api-keys/${row.id}`);
    expect(show.statusCode).toBe(200);
    expect(show.body).toContain('Wearside Council');
    expect(show.body).not.toContain(secret);

    const me = await callApi('/api/v1/me', key!);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ name: 'Council CRM', organisation: { id: organisation.id, name: 'Wearside Council' } });
    expect((await agent.get('/admin/api-keys')).body).not.toContain('>Never<');

    const confirm = await agent.get(`/admin/api-keys/${row.id}/revoke`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Are you sure you want to revoke Council CRM?');
    const revoked = await agent.post(`/admin/api-keys/${row.id}/revoke`);
    expect(revoked.headers.location).toBe(`/admin/api-keys/${row.id}`);
    const after = await agent.follow(revoked);
    expect(after.body).toContain('The API key has been revoked');
    expect(after.body).toContain('Revoked');
    expect((await agent.get('/admin/api-keys')).body).toContain('Revoked');

    expect((await callApi('/api/v1/me', key!)).statusCode).toBe(401);
    expect((await agent.post(`/admin/api-keys/${row.id}/revoke`)).statusCode).toBe(302);
    expect(await auditActions(row.id)).toEqual([
      { action: 'API_KEY_CREATED', actor_user_id: admin.user.id },
      { action: 'API_KEY_REVOKED', actor_user_id: admin.user.id },
      expect.objectContaining({ action: 'API_KEY_USED_REJECTED', actor_user_id: null }),
    ]);
  });

  it("keeps an organisation administrator to their own organisation's keys", async () => {
    const own = await createOrganisation(testApp);
    const other = await createOrganisation(testApp, { name: 'Someone Else Trust' });
    const ownAdmin = await createUser(testApp, { role: 'organisation_admin', organisationId: own.id });
    const otherAdmin = await createUser(testApp, { role: 'organisation_admin', organisationId: other.id });
    const otherAgent = await signedInAgent(testApp, otherAdmin.user);
    await createThroughPages(otherAgent, { name: 'Other system', scopes: 'organisation:view' });
    const otherKey = await keyRow('Other system');

    const agent = await signedInAgent(testApp, ownAdmin.user);
    expect((await agent.get('/admin/api-keys')).body).not.toContain('Other system');
    expect((await agent.get(`/admin/api-keys/${otherKey.id}`)).statusCode).toBe(404);
    expect((await agent.get(`/admin/api-keys/${otherKey.id}/revoke`)).statusCode).toBe(404);
    expect((await agent.post(`/admin/api-keys/${otherKey.id}/revoke`)).statusCode).toBe(404);
    expect((await keyRow('Other system')).revoked_at).toBeNull();

    const sneaky = await createThroughPages(agent, { name: 'Sneaky key', organisationId: other.id, scopes: 'organisation:view' });
    expect(sneaky.response.statusCode).toBe(400);
    expect(sneaky.response.body).toContain('Select an organisation');
    expect(sneaky.key).toBeUndefined();
    const created = await testApp.database.db.selectFrom('api_keys').select('id').where('name', '=', 'Sneaky key').execute();
    expect(created).toEqual([]);
  });

  it('lets a partnership administrator manage any organisation’s keys', async () => {
    const other = await createOrganisation(testApp, { name: 'Fire Service' });
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const agent = await signedInAgent(testApp, admin.user);
    const form = await agent.get('/admin/api-keys/new');
    expect(form.body).toContain('name="organisationId"');
    const { response } = await createThroughPages(agent, { name: 'Fire system', organisationId: other.id, scopes: 'organisation:view' });
    expect(response.statusCode).toBe(200);
    const row = await keyRow('Fire system');
    expect(row.organisation_id).toBe(other.id);
    expect((await agent.get('/admin/api-keys')).body).toContain('Fire Service');
    expect((await agent.post(`/admin/api-keys/${row.id}/revoke`)).statusCode).toBe(302);
    expect((await keyRow('Fire system')).revoked_at).toBeInstanceOf(Date);
  });

  it('explains each mistake and keeps what was typed and ticked', async () => {
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const inactive = await createOrganisation(testApp, { active: false });
    const agent = await signedInAgent(testApp, admin.user);
    await agent.get('/admin/api-keys/new');

    const empty = await agent.post('/admin/api-keys/new', { name: '', organisationId: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('There is a problem');
    expect(empty.body).toContain('Enter a name for the key');
    expect(empty.body).toContain('Select what the key can do');
    expect(empty.body).toContain('href="#name"');
    expect(empty.body).toContain('href="#scopes"');

    const tooLong = await agent.post('/admin/api-keys/new', { name: 'x'.repeat(101), scopes: ['case:view', 'incident:view'] });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('Name must be 100 characters or fewer');
    expect(tooLong.body).toContain(`value="${'x'.repeat(101)}"`);
    expect(tooLong.body).toMatch(/value="case:view" checked/);
    expect(tooLong.body).toMatch(/value="incident:view" checked/);
    expect(tooLong.body).not.toMatch(/value="person:view" checked/);

    const unchosen = await agent.post('/admin/api-keys/new', { name: 'Analytics feed', organisationId: '', scopes: 'analytics:view' });
    expect(unchosen.statusCode).toBe(400);
    expect(unchosen.body).toContain('Select an organisation');
    expect(unchosen.body).toContain('value="Analytics feed"');
    expect(unchosen.body).toMatch(/value="analytics:view" checked/);

    const closed = await agent.post('/admin/api-keys/new', { name: 'Closed feed', organisationId: inactive.id, scopes: 'analytics:view' });
    expect(closed.statusCode).toBe(400);
    expect(closed.body).toContain('That organisation is inactive');

    const unknownScope = await agent.post('/admin/api-keys/new', { name: 'Greedy', scopes: 'audit:view' });
    expect(unknownScope.statusCode).toBe(400);
    expect(unknownScope.body).toContain('Select only the listed scopes');
  });

  it('is not available to people without the permission', async () => {
    const worker = await createUser(testApp, { role: 'case_worker' });
    const agent = await signedInAgent(testApp, worker.user);
    expect((await agent.get('/admin/api-keys')).statusCode).toBe(403);
  });
});

describe('API key format', () => {
  it('makes or_<prefix>_<secret> keys whose secret only the hash recalls', () => {
    const generated = generateApiKey();
    const parsed = parseApiKey(generated.fullKey);
    expect(generated.fullKey).toMatch(KEY_PATTERN);
    expect(parsed?.prefix).toBe(generated.prefix);
    expect(Buffer.from(parsed!.secret, 'base64url')).toHaveLength(32);
    expect(generated.secretHash).toBe(sha256Hex(parsed!.secret));
    expect(generateApiKey().prefix).not.toBe(generated.prefix);
    for (const bad of ['', 'or_short_secret', `xx_${generated.fullKey.slice(3)}`, `${generated.fullKey}x`, `or_${'a'.repeat(11)}-_${'b'.repeat(43)}`]) {
      expect(parseApiKey(bad), bad).toBeUndefined();
    }
  });

  it('lets one event per key through each interval', () => {
    const throttle = new OncePerInterval(60_000);
    expect(throttle.allow('a', 0)).toBe(true);
    expect(throttle.allow('a', 59_999)).toBe(false);
    expect(throttle.allow('b', 59_999)).toBe(true);
    expect(throttle.allow('a', 60_000)).toBe(true);
  });
});
