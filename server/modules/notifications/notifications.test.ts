import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

async function notify(userId: string, kind: string, details: Record<string, unknown>, caseId: string | null = null, read = false) {
  const row = await testApp.database.db
    .insertInto('notifications')
    .values({ user_id: userId, kind, case_id: caseId, details: JSON.stringify(details), read_at: read ? new Date() : null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function someCase(organisationId: string) {
  const row = await testApp.database.db
    .insertInto('cases')
    .values({ reference: `ASB-2026-${String(Math.floor(Math.random() * 900_000) + 100_000)}`, case_type: 'anti_social_behaviour', summary: 'Noise', lead_organisation_id: organisationId })
    .returning(['id', 'reference'])
    .executeTakeFirstOrThrow();
  return row;
}

describe('notifications', () => {
  it('lists my notifications with links to the case, counts the unread ones in the header, and marks one read', async () => {
    const organisation = await createOrganisation(testApp);
    const me = await createUser(testApp, { role: 'case_worker', organisationId: organisation.id });
    const agent = await signedInAgent(testApp, me.user);
    const kase = await someCase(organisation.id);
    const highRisk = await notify(me.user.id, 'high_risk_assessment', { reference: kase.reference, instrument: 'safelives_dash' }, kase.id);
    await notify(me.user.id, 'action_assigned', { reference: kase.reference, title: 'Visit the caretaker' }, kase.id);
    await notify(me.user.id, 'mediation_offered', {}, null);
    await notify(me.user.id, 'action_assigned', { reference: kase.reference, title: 'Old action' }, kase.id, true);

    const page = await agent.get('/notifications');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`A risk assessment on ${kase.reference} (SafeLives Dash risk checklist) found a high risk`);
    expect(page.body).toContain(`You have been given an action on ${kase.reference}: Visit the caretaker`);
    expect(page.body).toContain('You have a new notification');
    expect(page.body).toContain(`href="/cases/${kase.id}"`);
    expect(page.body).toContain('Notifications (3)');
    expect(page.body.match(/Mark as read/g)).toHaveLength(3);
    expect((await agent.get('/profile')).body).toContain('Notifications (3)');

    const read = await agent.post(`/notifications/${highRisk}/read`);
    expect(read.statusCode).toBe(302);
    expect(read.headers.location).toBe('/notifications');
    const after = await agent.follow(read);
    expect(after.body).toContain('Notifications (2)');
    const row = await testApp.database.db.selectFrom('notifications').select('read_at').where('id', '=', highRisk).executeTakeFirstOrThrow();
    expect(row.read_at).not.toBeNull();
    // Marking it read again changes nothing.
    expect((await agent.post(`/notifications/${highRisk}/read`)).statusCode).toBe(302);
  });

  it("cannot touch someone else's notification", async () => {
    const me = await createUser(testApp, { role: 'analyst' });
    const someoneElse = await createUser(testApp, { role: 'analyst' });
    const theirs = await notify(someoneElse.user.id, 'action_assigned', { reference: 'ASB-2026-000001', title: 'Private matter' });
    const agent = await signedInAgent(testApp, me.user);
    expect((await agent.post(`/notifications/${theirs}/read`)).statusCode).toBe(404);
    expect((await agent.post('/notifications/not-a-uuid/read')).statusCode).toBe(404);
    const page = await agent.get('/notifications');
    expect(page.body).not.toContain('Private matter');
    expect(page.body).toContain('You have no notifications');
    expect(page.body).not.toMatch(/Notifications \(\d+\)/);
    const row = await testApp.database.db.selectFrom('notifications').select('read_at').where('id', '=', theirs).executeTakeFirstOrThrow();
    expect(row.read_at).toBeNull();
  });

  it('needs a signed-in user', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/notifications' });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toMatch(/^\/sign-in/);
  });
});
