import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import type { OrganisationRow } from '../../db/schema.ts';

const ONE_TIME_LINK = 'http://oneroof.test/invite/one-time-token-for-the-test';

async function putInOutbox(testApp: TestApp, organisation: OrganisationRow | null, to: string, subject: string): Promise<string> {
  const row = await testApp.database.db
    .insertInto('email_outbox')
    .values({ organisation_id: organisation?.id ?? null, to_address: to, subject, body_text: `Hello,\n\nOpen this link:\n${ONE_TIME_LINK}\n` })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

describe('the email outbox without SMTP (messages are kept, not sent)', () => {
  let testApp: TestApp;
  let police: OrganisationRow;
  let council: OrganisationRow;
  let policeMessage: string;
  let councilMessage: string;

  beforeAll(async () => {
    testApp = await createTestApp();
    police = await createOrganisation(testApp, { name: 'Outbox Police' });
    council = await createOrganisation(testApp, { name: 'Outbox Council' });
    policeMessage = await putInOutbox(testApp, police, 'officer@police.example', 'Police invitation');
    councilMessage = await putInOutbox(testApp, council, 'officer@council.example', 'Council invitation');
    await putInOutbox(testApp, null, 'nobody-in-particular@example.org', 'Partnership-wide notice');
  });
  afterAll(async () => testApp.close());

  it('shows a partnership administrator every message, and says they are not being sent', async () => {
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const agent = await signedInAgent(testApp, admin.user);
    const list = await agent.get('/admin/outbox');
    expect(list.statusCode).toBe(200);
    for (const text of ['Police invitation', 'Council invitation', 'Partnership-wide notice', 'officer@police.example', 'Outbox Council', 'Pending']) {
      expect(list.body).toContain(text);
    }
    expect(list.body).toContain('messages are kept here and not sent');
    expect(list.body.indexOf('Partnership-wide notice')).toBeLessThan(list.body.indexOf('Police invitation'));
  });

  it('shows the full text, links included, and audits the view', async () => {
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const agent = await signedInAgent(testApp, admin.user);
    const page = await agent.get(`/admin/outbox/${councilMessage}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<pre[^>]*data-testid="outbox-body">Hello,\n\nOpen this link:\nhttp:\/\/oneroof.test\/invite\/one-time-token-for-the-test\n<\/pre>/);
    const audit = await testApp.database.db.selectFrom('audit_events').select(['action', 'actor_user_id', 'details']).where('record_id', '=', councilMessage).execute();
    expect(audit).toEqual([{ action: 'OUTBOX_MESSAGE_VIEWED', actor_user_id: admin.user.id, details: { to: 'officer@council.example', bodyShown: true } }]);
  });

  it("limits an organisation administrator to their own organisation's messages", async () => {
    const orgAdmin = await createUser(testApp, { role: 'organisation_admin', organisationId: police.id });
    const agent = await signedInAgent(testApp, orgAdmin.user);
    const list = await agent.get('/admin/outbox');
    expect(list.body).toContain('Police invitation');
    expect(list.body).not.toContain('Council invitation');
    expect(list.body).not.toContain('Partnership-wide notice');
    expect((await agent.get(`/admin/outbox/${policeMessage}`)).statusCode).toBe(200);
    expect((await agent.get(`/admin/outbox/${councilMessage}`)).statusCode).toBe(404);
    expect((await agent.get('/admin/outbox/not-a-message-id')).statusCode).toBe(404);
  });

  it('is closed to roles without the outbox permission and to visitors', async () => {
    const caseWorker = await createUser(testApp, { role: 'case_worker', organisationId: police.id });
    const agent = await signedInAgent(testApp, caseWorker.user);
    expect((await agent.get('/admin/outbox')).statusCode).toBe(403);
    expect((await agent.get(`/admin/outbox/${policeMessage}`)).statusCode).toBe(403);
    const visitor = await new TestAgent(testApp.app).get('/admin/outbox');
    expect(visitor.headers.location).toMatch(/^\/sign-in/);
  });
});

describe('the email outbox with SMTP set up', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await createTestApp({ env: { SMTP_URL: 'smtp://mail.invalid:25' } });
  });
  afterAll(async () => testApp.close());

  it('withholds the text, which holds one-time links, and says why', async () => {
    const organisation = await createOrganisation(testApp);
    const messageId = await putInOutbox(testApp, organisation, 'someone@example.org', 'An invitation');
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const agent = await signedInAgent(testApp, admin.user);
    const list = await agent.get('/admin/outbox');
    expect(list.body).toContain('sent through the email server');
    expect(list.body).not.toContain('messages are kept here and not sent');
    const page = await agent.get(`/admin/outbox/${messageId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('someone@example.org');
    expect(page.body).not.toContain('one-time-token-for-the-test');
    expect(page.body).toContain('The message text is not shown because it contains one-time links');
    const audit = await testApp.database.db.selectFrom('audit_events').select('details').where('record_id', '=', messageId).executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ bodyShown: false });
  });
});
