import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent, signInThroughPages } from '../../../test/factories/index.ts';
import { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

async function latestEmailTo(address: string, app: TestApp = testApp) {
  return app.database.db
    .selectFrom('email_outbox')
    .selectAll()
    .where('to_address', '=', address)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
}

function linkIn(body: string): string {
  const match = /https?:\/\/\S+/.exec(body);
  if (!match) throw new Error('No link in the email');
  return new URL(match[0]).pathname;
}

async function inviteJourney(target: TestApp) {
  const organisation = await createOrganisation(target);
  const admin = await createUser(target, { role: 'partnership_admin', organisationId: organisation.id });
  const agent = await signedInAgent(target, admin.user);

  const created = await agent.post('/admin/users/new', {
    name: 'Dewi Price',
    email: 'Dewi.Price@Example.org',
    organisationId: organisation.id,
    role: 'read_only_partner',
  });
  expect(created.statusCode).toBe(302);
  const userPage = await agent.follow(created);
  expect(userPage.body).toContain('Invitation sent to dewi.price@example.org');
  expect(userPage.body).toContain('Invited, not yet accepted');

  const email = await latestEmailTo('dewi.price@example.org', target);
  expect(email.subject).toContain('invited');
  const invitePath = linkIn(email.body_text);
  expect(invitePath).toMatch(/^\/invite\//);

  const newcomer = new TestAgent(target.app);
  expect((await newcomer.get(invitePath)).statusCode).toBe(200);
  const mismatch = await newcomer.post(invitePath, { password: 'a sound new password', confirmPassword: 'different' });
  expect(mismatch.statusCode).toBe(400);
  expect(mismatch.body).toContain('The passwords do not match');
  const accepted = await newcomer.post(invitePath, { password: 'a sound new password', confirmPassword: 'a sound new password' });
  expect(accepted.headers.location).toBe('/sign-in');
  expect((await newcomer.get(invitePath)).statusCode).toBe(404);

  const user = await target.database.db.selectFrom('users').selectAll().where('email', '=', 'dewi.price@example.org').executeTakeFirstOrThrow();
  const signedIn = await signInThroughPages(new TestAgent(target.app), { user, password: 'a sound new password', totpSecret: undefined });
  expect(signedIn.headers.location).toBe('/');

  const actions = await target.database.db.selectFrom('audit_events').select('action').where('record_id', '=', user.id).orderBy('seq').execute();
  expect(actions.map((row) => row.action)).toEqual(['USER_CREATED', 'INVITE_SENT', 'USER_VIEWED', 'INVITE_ACCEPTED', 'SIGN_IN_SUCCEEDED']);
}

describe('inviting and managing users', () => {
  it('invites a user, who sets a password from the e-mailed link and signs in', async () => {
    await inviteJourney(testApp);
  });

  it('keeps what was typed and explains each problem when the form is wrong', async () => {
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const taken = await createUser(testApp);
    const agent = await signedInAgent(testApp, admin.user);
    const empty = await agent.post('/admin/users/new', { name: '', email: 'not-an-email' });
    expect(empty.statusCode).toBe(400);
    for (const message of ['Enter the person&#39;s full name', 'Enter an email address in the correct format', 'Select an organisation', 'Select a role']) {
      expect(empty.body).toContain(message);
    }
    expect(empty.body).toContain('value="not-an-email"');

    const duplicate = await agent.post('/admin/users/new', {
      name: 'Someone',
      email: taken.user.email,
      organisationId: admin.user.organisation_id,
      role: 'case_worker',
    });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.body).toContain('There is already an account with this email address');
    expect(duplicate.body).toContain('value="Someone"');
  });

  it('limits an organisation administrator to their own organisation and roles below partnership admin', async () => {
    const own = await createOrganisation(testApp);
    const other = await createOrganisation(testApp);
    const orgAdmin = await createUser(testApp, { role: 'organisation_admin', organisationId: own.id });
    const colleague = await createUser(testApp, { role: 'case_worker', organisationId: own.id, name: 'Colleague Person' });
    const stranger = await createUser(testApp, { role: 'case_worker', organisationId: other.id, name: 'Stranger Person' });
    const agent = await signedInAgent(testApp, orgAdmin.user);

    const list = await agent.get('/admin/users');
    expect(list.body).toContain('Colleague Person');
    expect(list.body).not.toContain('Stranger Person');
    const filteredToOther = await agent.get(`/admin/users?organisationId=${other.id}`);
    expect(filteredToOther.body).not.toContain('Stranger Person');

    expect((await agent.get(`/admin/users/${stranger.user.id}`)).statusCode).toBe(404);
    expect((await agent.get(`/admin/users/${colleague.user.id}`)).statusCode).toBe(200);

    const elsewhere = await agent.post('/admin/users/new', { name: 'New Person', email: 'new.person@example.org', organisationId: other.id, role: 'case_worker' });
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.body).toContain('Select an organisation');
    const promoted = await agent.post('/admin/users/new', { name: 'New Person', email: 'new.person@example.org', organisationId: own.id, role: 'partnership_admin' });
    expect(promoted.statusCode).toBe(400);
    expect(promoted.body).toContain('You cannot give that role');
    const count = await testApp.database.db.selectFrom('users').select('id').where('email', '=', 'new.person@example.org').execute();
    expect(count).toHaveLength(0);
  });

  it('disables an account, ending its sessions, and never lets administrators disable themselves', async () => {
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const target = await createUser(testApp, { role: 'read_only_partner' });
    const targetAgent = await signedInAgent(testApp, target.user);
    expect((await targetAgent.get('/')).statusCode).toBe(200);

    const agent = await signedInAgent(testApp, admin.user);
    const disabled = await agent.post(`/admin/users/${target.user.id}/status`, { disabled: 'true' });
    expect(disabled.statusCode).toBe(302);
    expect((await targetAgent.get('/')).headers.location).toMatch(/^\/sign-in/);
    expect((await signInThroughPages(new TestAgent(testApp.app), target)).statusCode).toBe(400);

    const self = await agent.post(`/admin/users/${admin.user.id}/status`, { disabled: 'true' });
    expect(self.statusCode).toBe(400);
    const stillEnabled = await testApp.database.db.selectFrom('users').select('disabled').where('id', '=', admin.user.id).executeTakeFirstOrThrow();
    expect(stillEnabled.disabled).toBe(false);
  });

  it('resets an authenticator so the person sets it up again at next sign-in', async () => {
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const target = await createUser(testApp, { role: 'case_worker' });
    const agent = await signedInAgent(testApp, admin.user);
    await agent.post(`/admin/users/${target.user.id}/reset-verification`);
    const reset = await testApp.database.db.selectFrom('users').select(['mfa_enabled_at', 'mfa_secret_encrypted']).where('id', '=', target.user.id).executeTakeFirstOrThrow();
    expect(reset).toEqual({ mfa_enabled_at: null, mfa_secret_encrypted: null });
    const signIn = await new TestAgent(testApp.app).post('/sign-in', { email: target.user.email, password: target.password });
    expect(signIn.headers.location).toBe('/sign-in/set-up-verification');
  });

  it('changes a role and ends the sessions the old role had', async () => {
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const target = await createUser(testApp, { role: 'case_worker' });
    const targetAgent = await signedInAgent(testApp, target.user);
    const agent = await signedInAgent(testApp, admin.user);
    const saved = await agent.post(`/admin/users/${target.user.id}/edit`, {
      name: target.user.name,
      email: target.user.email,
      organisationId: target.user.organisation_id,
      role: 'analyst',
    });
    expect(saved.statusCode).toBe(302);
    expect((await targetAgent.get('/')).headers.location).toMatch(/^\/sign-in/);
    const row = await testApp.database.db.selectFrom('users').select('role').where('id', '=', target.user.id).executeTakeFirstOrThrow();
    expect(row.role).toBe('analyst');
  });
});

describe('password reset', () => {
  it('answers the same for known and unknown addresses, and the link works once', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const agent = new TestAgent(testApp.app);
    const known = await agent.post('/forgot-password', { email: fixture.user.email });
    const unknown = await agent.post('/forgot-password', { email: 'nobody-here@example.org' });
    expect(known.statusCode).toBe(200);
    expect(unknown.statusCode).toBe(200);
    const comparable = (body: string, email: string) => body.replaceAll(email, 'EMAIL').replace(/nonce="[^"]+"/g, '').replace(/name="_csrf" value="[^"]+"/g, '');
    expect(comparable(known.body, fixture.user.email)).toBe(comparable(unknown.body, 'nobody-here@example.org'));

    const resetPath = linkIn((await latestEmailTo(fixture.user.email)).body_text);
    const tooShort = await agent.post(resetPath, { password: 'short', confirmPassword: 'short' });
    expect(tooShort.body).toContain('Password must be 12 characters or more');
    const done = await agent.post(resetPath, { password: 'brand new password here', confirmPassword: 'brand new password here' });
    expect(done.headers.location).toBe('/sign-in');
    const reused = await agent.post(resetPath, { password: 'another new password', confirmPassword: 'another new password' });
    expect(reused.statusCode).toBe(404);
    expect(reused.body).toContain('This link has expired or has already been used');
    const signIn = await signInThroughPages(new TestAgent(testApp.app), { ...fixture, password: 'brand new password here' });
    expect(signIn.headers.location).toBe('/');
  });
});

// The embedded store has a single connection: everything an invitation does must go through
// the transaction that holds it (this hung once).
describe('inviting on the embedded store', () => {
  it('invites a user on PGlite too', async () => {
    const embedded = await createTestApp({ kind: 'pglite' });
    try {
      await embedded.database.db.insertInto('partnership').values({ id: 1, name: 'Embedded Partnership', area: 'Here', logo_text: 'Embedded' }).execute();
      await inviteJourney(embedded);
      const email = await latestEmailTo('dewi.price@example.org', embedded);
      expect(email.subject).toContain('Embedded Partnership');
    } finally {
      await embedded.close();
    }
  });
});
