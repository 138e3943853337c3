import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, signedInAgent } from './factories/index.ts';
import { TestAgent } from './support/agent.ts';
import { createTestApp, type TestApp } from './support/testApp.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp({
    extraRoutes: (app) => {
      app.get('/test-only/explode', { config: { access: 'public' } }, async () => {
        throw new Error('secret internal detail');
      });
    },
  });
});
afterAll(async () => testApp.close());

describe('health, info and errors', () => {
  it('reports health with the database checked', async () => {
    const response = await testApp.app.inject('/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'UP', checks: { database: { status: 'UP' } } });
  });

  it('reports version and commit', async () => {
    const info = (await testApp.app.inject('/info')).json();
    expect(info.name).toBe('oneroof');
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof info.commit).toBe('string');
    expect((await testApp.app.inject('/ping')).body).toBe('pong');
  });

  it('gives a translated 404 page for unknown addresses', async () => {
    const english = await testApp.app.inject('/no/such/page');
    expect(english.statusCode).toBe(404);
    expect(english.body).toContain('Page not found');
    const welsh = await testApp.app.inject({ url: '/no/such/page', headers: { 'accept-language': 'cy' } });
    expect(welsh.body).toContain('<html lang="cy"');
    expect(welsh.body).not.toContain('Page not found');
  });

  it('shows a 500 page with the request id and nothing internal', async () => {
    const response = await testApp.app.inject('/test-only/explode');
    expect(response.statusCode).toBe(500);
    expect(response.body).toContain('Sorry, there is a problem with the service');
    expect(response.body).not.toContain('secret internal detail');
    const requestId = /reference: ([0-9a-f-]{36})/.exec(response.body)?.[1];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends the security headers on every page', async () => {
    const response = await testApp.app.inject('/sign-in');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self' 'nonce-[0-9a-f]+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['strict-transport-security']).toContain('max-age=');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['cache-control']).toBe('no-store');
    const nonce = /'nonce-([0-9a-f]+)'/.exec(csp)?.[1];
    expect(response.body).toContain(`<script nonce="${nonce}">`);
  });

  it('sets the session cookie HttpOnly and SameSite', async () => {
    const agent = new TestAgent(testApp.app);
    const response = await agent.get('/sign-in');
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
  });

  it("keeps a signed-in person's language choice on their profile", async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const agent = await signedInAgent(testApp, fixture.user);
    const malay = await agent.get('/profile?lang=ms');
    expect(malay.body).toContain('<html lang="ms"');
    const again = await agent.get('/');
    expect(again.body).toContain('<html lang="ms"');
    const stored = await testApp.database.db.selectFrom('users').select('locale').where('id', '=', fixture.user.id).executeTakeFirstOrThrow();
    expect(stored.locale).toBe('ms');
    const ignored = await agent.get('/?lang=fr');
    expect(ignored.body).toContain('<html lang="ms"');
  });

  it('pushes the idle expiry forward while the person is active', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const agent = await signedInAgent(testApp, fixture.user);
    const soon = new Date(Date.now() + 60_000);
    await testApp.database.db.updateTable('sessions').set({ expires_at: soon }).where('user_id', '=', fixture.user.id).execute();
    expect((await agent.get('/')).statusCode).toBe(200);
    const row = await testApp.database.db.selectFrom('sessions').select('expires_at').where('user_id', '=', fixture.user.id).executeTakeFirstOrThrow();
    expect(row.expires_at.getTime()).toBeGreaterThan(Date.now() + 29 * 60_000);
  });

  it('ends an idle session after the configured time', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const agent = await signedInAgent(testApp, fixture.user);
    expect((await agent.get('/')).statusCode).toBe(200);
    await testApp.database.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', fixture.user.id).execute();
    expect((await agent.get('/')).headers.location).toMatch(/^\/sign-in/);
  });
});
