import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, signInThroughPages, totpCode } from '../../../test/factories/index.ts';
import { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, TEST_SECRETS, type TestApp } from '../../../test/support/testApp.ts';
import { loadConfig } from '../../config.ts';
import { createServices } from '../../services.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

async function auditActions(userId: string): Promise<string[]> {
  const rows = await testApp.database.db
    .selectFrom('audit_events')
    .select('action')
    .where('record_id', '=', userId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => row.action);
}

describe('signing in', () => {
  it('asks for the authenticator code, then signs in with a new session id', async () => {
    const fixture = await createUser(testApp, { role: 'case_worker' });
    const agent = new TestAgent(testApp.app);
    await agent.get('/sign-in');
    const anonymousSession = agent.cookies.get('oneroof');

    const password = await agent.post('/sign-in', { email: fixture.user.email.toUpperCase(), password: fixture.password });
    expect(password.statusCode).toBe(302);
    expect(password.headers.location).toBe('/sign-in/verify');
    expect(agent.cookies.get('oneroof')).not.toBe(anonymousSession);
    const pendingSession = agent.cookies.get('oneroof');

    const home = await agent.get('/');
    expect(home.headers.location).toMatch(/^\/sign-in/);

    const verified = await agent.post('/sign-in/verify', { code: await totpCode(fixture.totpSecret!) });
    expect(verified.statusCode).toBe(302);
    expect(verified.headers.location).toBe('/');
    expect(agent.cookies.get('oneroof')).not.toBe(pendingSession);

    const signedIn = await agent.get('/');
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.body).toContain(fixture.user.name);
    expect(await auditActions(fixture.user.id)).toEqual(['MFA_VERIFIED', 'SIGN_IN_SUCCEEDED']);
  });

  it('refuses a wrong password with the same message as an unknown address', async () => {
    const fixture = await createUser(testApp);
    const agent = new TestAgent(testApp.app);
    const wrongPassword = await agent.post('/sign-in', { email: fixture.user.email, password: 'not the password at all' });
    const unknownEmail = await agent.post('/sign-in', { email: 'nobody@example.org', password: 'not the password at all' });
    expect(wrongPassword.statusCode).toBe(400);
    expect(unknownEmail.statusCode).toBe(400);
    const message = 'Enter a correct email address and password';
    expect(wrongPassword.body).toContain(message);
    expect(unknownEmail.body).toContain(message);
    expect(wrongPassword.body).toContain(`value="${fixture.user.email}"`);
    expect(wrongPassword.body).toContain('There is a problem');
  });

  it('shows a message per empty field and keeps what was typed', async () => {
    const agent = new TestAgent(testApp.app);
    const response = await agent.post('/sign-in', { email: 'not-an-email', password: '' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('Enter an email address in the correct format');
    expect(response.body).toContain('Enter your password');
    expect(response.body).toContain('value="not-an-email"');
    expect(response.body).toContain('href="#email"');
  });

  it('locks an address after repeated failures, even with the right password, and audits it', async () => {
    const fixture = await createUser(testApp);
    const agent = new TestAgent(testApp.app);
    for (let attempt = 0; attempt < testApp.config.signInMaxFailures; attempt += 1) {
      const response = await agent.post('/sign-in', { email: fixture.user.email, password: `wrong-${attempt}-password` });
      expect(response.statusCode).toBe(400);
    }
    const locked = await agent.post('/sign-in', { email: fixture.user.email, password: fixture.password });
    expect(locked.statusCode).toBe(429);
    expect(locked.body).toContain('too many attempts');
    const lockedEvents = await testApp.database.db
      .selectFrom('audit_events')
      .select('action')
      .where('actor_label', '=', fixture.user.email)
      .where('action', '=', 'SIGN_IN_LOCKED')
      .execute();
    expect(lockedEvents).toHaveLength(1);
  });

  it('refuses an authenticator code that has already been used', async () => {
    const fixture = await createUser(testApp, { role: 'analyst' });
    const code = await totpCode(fixture.totpSecret!);
    const first = new TestAgent(testApp.app);
    await first.post('/sign-in', { email: fixture.user.email, password: fixture.password });
    expect((await first.post('/sign-in/verify', { code })).headers.location).toBe('/');

    const attacker = new TestAgent(testApp.app);
    await attacker.post('/sign-in', { email: fixture.user.email, password: fixture.password });
    const replay = await attacker.post('/sign-in/verify', { code });
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('already been used');
    expect(await auditActions(fixture.user.id)).toContain('MFA_FAILED');
  });

  it('does not sign in a disabled account', async () => {
    const fixture = await createUser(testApp, { disabled: true });
    const response = await signInThroughPages(new TestAgent(testApp.app), fixture);
    expect(response.statusCode).toBe(400);
  });

  it('makes a role that sees personal data set up an authenticator before anything else', async () => {
    const fixture = await createUser(testApp, { role: 'case_manager', mfa: false });
    const agent = new TestAgent(testApp.app);
    const response = await agent.post('/sign-in', { email: fixture.user.email, password: fixture.password });
    expect(response.headers.location).toBe('/sign-in/set-up-verification');
    const page = await agent.get('/sign-in/set-up-verification');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<svg');
    expect((await agent.get('/')).headers.location).toMatch(/^\/sign-in/);
  });

  it('lets a read-only partner in with a password alone', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const agent = new TestAgent(testApp.app);
    const response = await signInThroughPages(agent, fixture);
    expect(response.headers.location).toBe('/');
    expect((await agent.get('/')).statusCode).toBe(200);
  });

  it('signs out and ends the session in the database', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const agent = new TestAgent(testApp.app);
    await signInThroughPages(agent, fixture);
    const before = await testApp.database.db.selectFrom('sessions').select('sid_hash').where('user_id', '=', fixture.user.id).execute();
    expect(before).toHaveLength(1);
    const signOut = await agent.post('/sign-out');
    expect(signOut.headers.location).toBe('/signed-out');
    const after = await testApp.database.db.selectFrom('sessions').select('sid_hash').where('user_id', '=', fixture.user.id).execute();
    expect(after).toHaveLength(0);
    expect((await agent.get('/')).headers.location).toMatch(/^\/sign-in/);
  });

  it('refuses a form without a valid CSRF token', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const agent = new TestAgent(testApp.app);
    await agent.get('/sign-in');
    const response = await agent.post('/sign-in', { email: fixture.user.email, password: fixture.password, _csrf: 'forged' });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('Your form could not be sent');
  });

  it('never redirects away from the site after sign-in', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const agent = new TestAgent(testApp.app);
    await agent.get('/sign-in');
    const response = await agent.post('/sign-in', { email: fixture.user.email, password: fixture.password, returnTo: '//evil.example/' });
    expect(response.headers.location).toBe('/');
  });

  it('shows demo accounts their current code, but never real accounts and never in production', async () => {
    const demo = await createUser(testApp, { role: 'case_worker' });
    const real = await createUser(testApp, { role: 'case_worker' });
    await testApp.database.db.updateTable('users').set({ is_demo: true }).where('id', '=', demo.user.id).execute();

    const demoAgent = new TestAgent(testApp.app);
    await demoAgent.post('/sign-in', { email: demo.user.email, password: demo.password });
    const demoPage = await demoAgent.get('/sign-in/verify');
    const shown = /current code is (\d{6})/.exec(demoPage.body)?.[1];
    expect(shown).toBe(await totpCode(demo.totpSecret!));

    const realAgent = new TestAgent(testApp.app);
    await realAgent.post('/sign-in', { email: real.user.email, password: real.password });
    expect((await realAgent.get('/sign-in/verify')).body).not.toContain('demo account');

    const production = loadConfig({
      NODE_ENV: 'production',
      BASE_URL: 'https://oneroof.example',
      SESSION_SECRET: TEST_SECRETS.sessionSecret,
      ENCRYPTION_KEY: TEST_SECRETS.encryptionKey,
    });
    const productionServices = createServices(production, testApp.database, TEST_SECRETS);
    expect(await productionServices.auth.demoCode(demo.user.id)).toBeUndefined();
  });
});
