import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, totpCode } from '../../../test/factories/index.ts';
import { TestAgent } from '../../../test/support/agent.ts';
import {
  authoriseAtProvider,
  startTestProvider,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  type TestProvider,
  unusedAddress,
} from '../../../test/support/oidcTestProvider.ts';
import { createTestApp, TEST_BASE_URL, type TestApp } from '../../../test/support/testApp.ts';
import { systemActor } from '../../shared/actor.ts';
import type { Role } from '../../shared/permissions.ts';
import { OidcClients, ProviderUnavailable } from './oidcClient.ts';

const CALLBACK_URL = `${TEST_BASE_URL}/sign-in/sso/callback`;

let testApp: TestApp;
let provider: TestProvider;

beforeAll(async () => {
  testApp = await createTestApp({ env: { OIDC_ALLOW_INSECURE_ISSUERS: 'true' } });
  provider = await startTestProvider({ redirectUri: CALLBACK_URL });
});
afterAll(async () => {
  await provider?.close();
  await testApp?.close();
});

const unique = () => randomBytes(4).toString('hex');

async function organisationWithSso(options: { issuer?: string; enabled?: boolean; satisfiesMfa?: boolean } = {}) {
  const organisation = await createOrganisation(testApp);
  await testApp.services.organisations.updateSingleSignOn(
    organisation.id,
    {
      enabled: options.enabled ?? true,
      issuer: options.issuer ?? provider.issuer,
      clientId: TEST_CLIENT_ID,
      clientSecret: TEST_CLIENT_SECRET,
      satisfiesMfa: options.satisfiesMfa ?? false,
    },
    systemActor('test'),
  );
  return organisation;
}

/** A OneRoof account and the provider account (same address) that signs in as it. */
async function personWithProviderAccount(organisationId: string, role: Role, options: { mfa?: boolean; disabled?: boolean } = {}) {
  const email = `sso-${unique()}@example.org`;
  const fixture = await createUser(testApp, { role, organisationId, email, ...options });
  const login = `subject-${unique()}`;
  provider.accounts.set(login, { email });
  return { ...fixture, login };
}

/** Out to the provider through our start page, signed in there, and back to our callback. */
async function signInThroughProvider(agent: TestAgent, organisationId: string, login: string, returnTo?: string) {
  const query = returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : '';
  const start = await agent.get(`/sign-in/sso/${organisationId}${query}`);
  expect(start.statusCode).toBe(302);
  const authorizationUrl = String(start.headers.location);
  expect(authorizationUrl.startsWith(`${provider.issuer}/`)).toBe(true);
  const callback = await authoriseAtProvider(authorizationUrl, login, TEST_BASE_URL);
  return { callbackPath: `${callback.pathname}${callback.search}`, authorizationUrl: new URL(authorizationUrl) };
}

async function auditRows(action: string, organisationId: string) {
  return testApp.database.db
    .selectFrom('audit_events')
    .select(['action', 'actor_label', 'record_id', 'details'])
    .where('action', '=', action)
    .where('organisation_id', '=', organisationId)
    .orderBy('seq')
    .execute();
}

async function storedSubject(userId: string) {
  const row = await testApp.database.db.selectFrom('users').select('oidc_subject').where('id', '=', userId).executeTakeFirstOrThrow();
  return row.oidc_subject;
}

describe('single sign-on', () => {
  it('asks the provider with PKCE, state and nonce, signs in a read-only partner and links the account', async () => {
    const organisation = await organisationWithSso();
    const person = await personWithProviderAccount(organisation.id, 'read_only_partner');
    const agent = new TestAgent(testApp.app);

    const { callbackPath, authorizationUrl } = await signInThroughProvider(agent, organisation.id, person.login, '/profile');
    const parameters = authorizationUrl.searchParams;
    expect(parameters.get('scope')).toBe('openid email profile');
    expect(parameters.get('code_challenge_method')).toBe('S256');
    expect(parameters.get('redirect_uri')).toBe(CALLBACK_URL);
    expect(parameters.get('state')).toBeTruthy();
    expect(parameters.get('nonce')).toBeTruthy();

    const callback = await agent.get(callbackPath);
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/profile');
    const home = await agent.get('/');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain(person.user.name);
    expect(await storedSubject(person.user.id)).toBe(person.login);
    const succeeded = await auditRows('SSO_SIGN_IN_SUCCEEDED', organisation.id);
    expect(succeeded.map((row) => row.record_id)).toEqual([person.user.id]);
  });

  it('finds a linked account by its subject even after the address at the provider changes', async () => {
    const organisation = await organisationWithSso();
    const person = await personWithProviderAccount(organisation.id, 'read_only_partner');
    const first = new TestAgent(testApp.app);
    await first.get((await signInThroughProvider(first, organisation.id, person.login)).callbackPath);
    expect(await storedSubject(person.user.id)).toBe(person.login);

    provider.accounts.set(person.login, { email: `renamed-${unique()}@example.org` });
    const second = new TestAgent(testApp.app);
    const callback = await second.get((await signInThroughProvider(second, organisation.id, person.login)).callbackPath);
    expect(callback.headers.location).toBe('/');
    expect((await second.get('/')).statusCode).toBe(200);
  });

  it('asks a case worker with an authenticator for the code, then records a single sign-on', async () => {
    const organisation = await organisationWithSso();
    const person = await personWithProviderAccount(organisation.id, 'case_worker');
    const agent = new TestAgent(testApp.app);

    const callback = await agent.get((await signInThroughProvider(agent, organisation.id, person.login)).callbackPath);
    expect(callback.headers.location).toBe('/sign-in/verify');
    expect((await agent.get('/')).headers.location).toMatch(/^\/sign-in/);

    const verified = await agent.post('/sign-in/verify', { code: await totpCode(person.totpSecret!) });
    expect(verified.headers.location).toBe('/');
    expect((await agent.get('/')).statusCode).toBe(200);
    expect(await auditRows('SSO_SIGN_IN_SUCCEEDED', organisation.id)).toHaveLength(1);
  });

  it('sends a case worker without an authenticator to set one up', async () => {
    const organisation = await organisationWithSso();
    const person = await personWithProviderAccount(organisation.id, 'case_worker', { mfa: false });
    const agent = new TestAgent(testApp.app);
    const callback = await agent.get((await signInThroughProvider(agent, organisation.id, person.login)).callbackPath);
    expect(callback.headers.location).toBe('/sign-in/set-up-verification');
  });

  it("skips the code when the organisation's provider already asks for a second factor", async () => {
    const organisation = await organisationWithSso({ satisfiesMfa: true });
    const person = await personWithProviderAccount(organisation.id, 'case_worker');
    const agent = new TestAgent(testApp.app);
    const callback = await agent.get((await signInThroughProvider(agent, organisation.id, person.login)).callbackPath);
    expect(callback.headers.location).toBe('/');
    expect((await agent.get('/')).statusCode).toBe(200);
    expect(await auditRows('SSO_SIGN_IN_SUCCEEDED', organisation.id)).toHaveLength(1);
  });

  it('refuses someone with no account and audits why, without tokens', async () => {
    const organisation = await organisationWithSso();
    const login = `stranger-${unique()}`;
    const email = `nobody-${unique()}@example.org`;
    provider.accounts.set(login, { email });
    const agent = new TestAgent(testApp.app);

    const { callbackPath } = await signInThroughProvider(agent, organisation.id, login);
    const callback = await agent.get(callbackPath);
    expect(callback.statusCode).toBe(403);
    expect(callback.body).toContain('You could not be signed in with your organisation');
    expect((await agent.get('/')).headers.location).toMatch(/^\/sign-in/);

    const failed = await auditRows('SSO_SIGN_IN_FAILED', organisation.id);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actor_label: email, details: { reason: 'unknown-account' } });
    const code = new URL(callbackPath, TEST_BASE_URL).searchParams.get('code')!;
    expect(JSON.stringify(failed[0]!.details)).not.toContain(code);
  });

  it("refuses an address that belongs to another organisation's account", async () => {
    const organisation = await organisationWithSso();
    const elsewhere = await createOrganisation(testApp);
    const person = await personWithProviderAccount(elsewhere.id, 'read_only_partner');
    const agent = new TestAgent(testApp.app);
    const callback = await agent.get((await signInThroughProvider(agent, organisation.id, person.login)).callbackPath);
    expect(callback.statusCode).toBe(403);
    expect(await storedSubject(person.user.id)).toBeNull();
  });

  it('refuses a disabled account, an unverified address and an account linked to someone else', async () => {
    const organisation = await organisationWithSso();
    const disabled = await personWithProviderAccount(organisation.id, 'read_only_partner', { disabled: true });
    const unverified = await personWithProviderAccount(organisation.id, 'read_only_partner');
    provider.accounts.set(unverified.login, { email: unverified.user.email, emailVerified: false });
    const taken = await personWithProviderAccount(organisation.id, 'read_only_partner');
    await testApp.database.db.updateTable('users').set({ oidc_subject: `other-${unique()}` }).where('id', '=', taken.user.id).execute();

    for (const person of [disabled, unverified, taken]) {
      const agent = new TestAgent(testApp.app);
      const callback = await agent.get((await signInThroughProvider(agent, organisation.id, person.login)).callbackPath);
      expect(callback.statusCode).toBe(403);
    }
    const reasons = (await auditRows('SSO_SIGN_IN_FAILED', organisation.id)).map((row) => (row.details as { reason: string }).reason);
    expect(reasons).toEqual(['account-disabled', 'email-not-verified', 'subject-mismatch']);
    expect(await storedSubject(unverified.user.id)).toBeNull();
  });

  it('refuses an answer whose state was tampered with, and forgets the attempt', async () => {
    const organisation = await organisationWithSso();
    const person = await personWithProviderAccount(organisation.id, 'read_only_partner');
    const agent = new TestAgent(testApp.app);
    const { callbackPath } = await signInThroughProvider(agent, organisation.id, person.login);
    const tampered = new URL(callbackPath, TEST_BASE_URL);
    tampered.searchParams.set('state', 'forged-state');

    const callback = await agent.get(`${tampered.pathname}${tampered.search}`);
    expect(callback.statusCode).toBe(403);
    const failed = await auditRows('SSO_SIGN_IN_FAILED', organisation.id);
    expect(failed.map((row) => (row.details as { reason: string }).reason)).toEqual(['provider-error']);

    const replay = await agent.get(callbackPath);
    expect(replay.statusCode).toBe(302);
    expect(replay.headers.location).toBe('/sign-in');
    expect((await agent.get('/')).headers.location).toMatch(/^\/sign-in/);
    expect(await storedSubject(person.user.id)).toBeNull();
  });

  it('refuses and audits a sign-in the person cancelled at the provider', async () => {
    const organisation = await organisationWithSso();
    const agent = new TestAgent(testApp.app);
    const start = await agent.get(`/sign-in/sso/${organisation.id}`);
    const state = new URL(String(start.headers.location)).searchParams.get('state')!;
    const query = new URLSearchParams({ error: 'access_denied', state, iss: provider.issuer });
    const callback = await agent.get(`/sign-in/sso/callback?${query}`);
    expect(callback.statusCode).toBe(403);
    const failed = await auditRows('SSO_SIGN_IN_FAILED', organisation.id);
    expect(failed.map((row) => row.details)).toEqual([{ reason: 'provider-error', error: 'access_denied' }]);
  });

  it('refuses the answer when the organisation was deactivated during the sign-in', async () => {
    const organisation = await organisationWithSso();
    const person = await personWithProviderAccount(organisation.id, 'read_only_partner');
    const agent = new TestAgent(testApp.app);
    const { callbackPath } = await signInThroughProvider(agent, organisation.id, person.login);
    await testApp.database.db.updateTable('organisations').set({ active: false }).where('id', '=', organisation.id).execute();
    const callback = await agent.get(callbackPath);
    expect(callback.statusCode).toBe(403);
    const failed = await auditRows('SSO_SIGN_IN_FAILED', organisation.id);
    expect(failed.map((row) => (row.details as { reason: string }).reason)).toEqual(['organisation-inactive']);
  });

  it('answers not found for an organisation without single sign-on, or no organisation at all', async () => {
    const switchedOff = await organisationWithSso({ enabled: false });
    const agent = new TestAgent(testApp.app);
    expect((await agent.get(`/sign-in/sso/${switchedOff.id}`)).statusCode).toBe(404);
    expect((await agent.get(`/sign-in/sso/${randomUUID()}`)).statusCode).toBe(404);
    expect((await agent.get('/sign-in/sso/not-an-id')).statusCode).toBe(404);
  });

  it('says single sign-on is unavailable when the provider cannot be reached', async () => {
    const organisation = await organisationWithSso({ issuer: await unusedAddress() });
    const agent = new TestAgent(testApp.app);
    const response = await agent.get(`/sign-in/sso/${organisation.id}`);
    expect(response.statusCode).toBe(502);
    expect(response.body).toContain('Single sign-on for this organisation is not available at the moment');
    expect(response.body).toContain('name="password"');
  });

  it('sends a callback without a sign-in in progress back to the sign-in page', async () => {
    const response = await new TestAgent(testApp.app).get('/sign-in/sso/callback?code=abc&state=def');
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/sign-in');
  });
});

describe('single sign-on with a provider that gives the address from userinfo only', () => {
  let userInfoProvider: TestProvider;
  beforeAll(async () => {
    userInfoProvider = await startTestProvider({ redirectUri: CALLBACK_URL, emailInIdToken: false });
  });
  afterAll(async () => userInfoProvider?.close());

  it('reads the address from userinfo to find the account', async () => {
    const organisation = await organisationWithSso({ issuer: userInfoProvider.issuer });
    const email = `userinfo-${unique()}@example.org`;
    const fixture = await createUser(testApp, { role: 'read_only_partner', organisationId: organisation.id, email });
    const login = `subject-${unique()}`;
    userInfoProvider.accounts.set(login, { email });
    const agent = new TestAgent(testApp.app);
    const start = await agent.get(`/sign-in/sso/${organisation.id}`);
    const callback = await authoriseAtProvider(String(start.headers.location), login, TEST_BASE_URL);
    const response = await agent.get(`${callback.pathname}${callback.search}`);
    expect(response.headers.location).toBe('/');
    expect(await storedSubject(fixture.user.id)).toBe(login);
  });
});

describe('provider configurations', () => {
  const settings = () => ({ issuer: provider.issuer, clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET });

  it('are discovered once and rediscovered when the settings change', async () => {
    const clients = new OidcClients({ allowInsecureIssuers: true });
    const first = await clients.configurationFor(settings());
    expect(await clients.configurationFor(settings())).toBe(first);
    expect(await clients.configurationFor({ ...settings(), clientSecret: 'a-new-secret' })).not.toBe(first);
    expect(first.serverMetadata().issuer).toBe(provider.issuer);
  });

  it('are rediscovered once they expire', async () => {
    const clients = new OidcClients({ allowInsecureIssuers: true, ttlMs: 0 });
    const first = await clients.configurationFor(settings());
    expect(await clients.configurationFor(settings())).not.toBe(first);
  });

  it('refuse an http:// issuer unless insecure issuers are allowed', async () => {
    const clients = new OidcClients({ allowInsecureIssuers: false });
    await expect(clients.configurationFor(settings())).rejects.toBeInstanceOf(ProviderUnavailable);
  });
});
