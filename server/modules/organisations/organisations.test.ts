import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent, signInThroughPages } from '../../../test/factories/index.ts';
import { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

describe('organisations', () => {
  it('adds an organisation, audits it and lists it', async () => {
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const agent = await signedInAgent(testApp, admin.user);
    const created = await agent.post('/admin/organisations/new', {
      name: 'Northumberland Fire and Rescue',
      type: 'fire_rescue',
      contactName: 'Sam Lee',
      contactEmail: 'Sam.Lee@fire.example',
      contactPhone: '01670 123456',
      active: 'yes',
    });
    expect(created.statusCode).toBe(302);
    const page = await agent.follow(created);
    expect(page.body).toContain('Northumberland Fire and Rescue added');
    expect(page.body).toContain('sam.lee@fire.example');
    const list = await agent.get('/admin/organisations');
    expect(list.body).toContain('Northumberland Fire and Rescue');
    const row = await testApp.database.db.selectFrom('organisations').selectAll().where('name', '=', 'Northumberland Fire and Rescue').executeTakeFirstOrThrow();
    const audit = await testApp.database.db.selectFrom('audit_events').select(['action', 'actor_user_id']).where('record_id', '=', row.id).execute();
    expect(audit).toEqual([{ action: 'ORGANISATION_CREATED', actor_user_id: admin.user.id }]);
  });

  it('explains each mistake and keeps what was typed', async () => {
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const existing = await createOrganisation(testApp, { name: 'Existing Trust' });
    const agent = await signedInAgent(testApp, admin.user);
    const invalid = await agent.post('/admin/organisations/new', { name: '', contactEmail: 'nope', contactPhone: 'call me' });
    expect(invalid.statusCode).toBe(400);
    for (const message of ['Enter the organisation&#39;s name', 'Select the type of organisation', 'Enter an email address in the correct format', 'Enter a phone number']) {
      expect(invalid.body).toContain(message);
    }
    expect(invalid.body).toContain('value="call me"');
    const duplicate = await agent.post('/admin/organisations/new', { name: existing.name.toUpperCase(), type: 'nhs_trust' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.body).toContain('There is already an organisation with this name');
  });

  it('stops the people of an inactive organisation signing in', async () => {
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const organisation = await createOrganisation(testApp);
    const member = await createUser(testApp, { role: 'read_only_partner', organisationId: organisation.id });
    const memberAgent = await signedInAgent(testApp, member.user);
    const agent = await signedInAgent(testApp, admin.user);
    const saved = await agent.post(`/admin/organisations/${organisation.id}/edit`, { name: organisation.name, type: organisation.type });
    expect(saved.statusCode).toBe(302);
    expect((await memberAgent.get('/')).headers.location).toMatch(/^\/sign-in/);
    expect((await signInThroughPages(new TestAgent(testApp.app), member)).statusCode).toBe(400);
  });

  it('keeps the single sign-on client secret sealed and never shows it back', async () => {
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const organisation = await createOrganisation(testApp);
    const agent = await signedInAgent(testApp, admin.user);
    const missing = await agent.post(`/admin/organisations/${organisation.id}/single-sign-on`, { enabled: 'yes' });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Enter the issuer address');
    await agent.post(`/admin/organisations/${organisation.id}/single-sign-on`, {
      enabled: 'yes',
      issuer: 'https://login.example.org',
      clientId: 'oneroof',
      clientSecret: 'very-secret-value',
    });
    const row = await testApp.database.db.selectFrom('organisations').selectAll().where('id', '=', organisation.id).executeTakeFirstOrThrow();
    expect(row.sso_enabled).toBe(true);
    expect(row.oidc_client_secret_encrypted).not.toContain('very-secret-value');
    expect(testApp.services.secretBox.open(row.oidc_client_secret_encrypted!)).toBe('very-secret-value');
    const form = await agent.get(`/admin/organisations/${organisation.id}/single-sign-on`);
    expect(form.body).not.toContain('very-secret-value');
    expect((await new TestAgent(testApp.app).get('/sign-in')).body).toContain(organisation.name);
  });
});

describe('partnership details', () => {
  it('saves the details shown in every page header', async () => {
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const agent = await signedInAgent(testApp, admin.user);
    const invalid = await agent.post('/admin/partnership', { name: 'Safer Tyneside', area: '', logoText: 'x'.repeat(41) });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body).toContain('Enter the area the partnership covers');
    expect(invalid.body).toContain('Short name must be 40 characters or fewer');
    expect(invalid.body).toContain('value="Safer Tyneside"');
    const saved = await agent.post('/admin/partnership', { name: 'Safer Tyneside Partnership', area: 'Tyneside', logoText: 'Safer Tyneside' });
    expect(saved.statusCode).toBe(302);
    const page = await agent.get('/');
    expect(page.body).toContain('Safer Tyneside Partnership');
    expect(page.body).toContain('Safer Tyneside</span>');
  });
});

describe('your account', () => {
  it('changes the password after checking the current one', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const agent = await signedInAgent(testApp, fixture.user);
    const wrong = await agent.post('/profile/password', { currentPassword: 'not it at all', password: 'a new long password', confirmPassword: 'a new long password' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('Your current password is not correct');
    const done = await agent.post('/profile/password', { currentPassword: fixture.password, password: 'a new long password', confirmPassword: 'a new long password' });
    expect(done.headers.location).toBe('/profile');
    expect((await signInThroughPages(new TestAgent(testApp.app), { ...fixture, password: 'a new long password' })).headers.location).toBe('/');
  });

  it('replaces recovery codes, and the old ones stop working', async () => {
    const fixture = await createUser(testApp, { role: 'case_worker' });
    const agent = await signedInAgent(testApp, fixture.user);
    const first = await agent.post('/profile/recovery-codes');
    const firstCodes = [...first.body.matchAll(/<li>([a-z2-9]{5}-[a-z2-9]{5})<\/li>/g)].map((match) => match[1]!);
    expect(firstCodes).toHaveLength(10);
    const second = await agent.post('/profile/recovery-codes');
    const secondCodes = [...second.body.matchAll(/<li>([a-z2-9]{5}-[a-z2-9]{5})<\/li>/g)].map((match) => match[1]!);

    const signIn = new TestAgent(testApp.app);
    await signIn.post('/sign-in', { email: fixture.user.email, password: fixture.password });
    const stale = await signIn.post('/sign-in/recovery-code', { code: firstCodes[0] });
    expect(stale.statusCode).toBe(400);
    expect(stale.body).toContain('That recovery code is not correct or has been used');
    const fresh = await signIn.post('/sign-in/recovery-code', { code: secondCodes[0]!.toUpperCase().replace('-', '') });
    expect(fresh.headers.location).toBe('/');
    expect((await signIn.get('/')).body).toContain('You have 9 recovery codes left');

    const again = new TestAgent(testApp.app);
    await again.post('/sign-in', { email: fixture.user.email, password: fixture.password });
    expect((await again.post('/sign-in/recovery-code', { code: secondCodes[0] })).statusCode).toBe(400);
  });
});
