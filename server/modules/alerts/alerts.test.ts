import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncident, createPerson } from '../../../test/factories/alertIncidents.ts';
import { createOrganisation, createUser, signedInAgent, type UserFixture } from '../../../test/factories/index.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';

let testApp: TestApp;
const db = () => testApp.database.db;
const unique = () => Math.random().toString(36).slice(2, 8);

interface World {
  police: string;
  council: string;
  health: string;
  policeWorker: UserFixture;
  policeManager: UserFixture;
  healthWorker: UserFixture;
  policeAgent: TestAgent;
  healthAgent: TestAgent;
}
let world: World;

/**
 * A repeat victim known to police (two incidents) and the council (one), and one known to health
 * only; the rules have run. Names are unique so tests sharing the database do not see each other's.
 */
async function repeatVictims() {
  const asOf = new Date();
  const family = `Partridge${unique()}`;
  const person = await createPerson(db(), { given: 'Jo', family });
  const victim = [{ personId: person, role: 'victim' as const }];
  await createIncident(db(), { organisationId: world.police, asOf, daysAgo: 1, people: victim, summary: 'Police summary: shouting at the door' });
  await createIncident(db(), { organisationId: world.police, asOf, daysAgo: 3, people: victim, category: 'asb_nuisance', summary: 'Police summary: bins set alight' });
  await createIncident(db(), { organisationId: world.council, asOf, daysAgo: 5, people: victim, category: 'noise', summary: 'Council secret summary', address: '7 Secret Street' });
  const healthFamily = `Healthonly${unique()}`;
  const healthPerson = await createPerson(db(), { given: 'Sam', family: healthFamily });
  for (const daysAgo of [1, 2, 3]) await createIncident(db(), { organisationId: world.health, asOf, daysAgo, people: [{ personId: healthPerson, role: 'complainant' }], category: 'concern_for_welfare' });
  await testApp.services.alerts.runRules(asOf);
  const alertOf = async (personId: string) =>
    (await db().selectFrom('alerts').select('id').where('rule_code', '=', 'repeat_victim').where('person_id', '=', personId).executeTakeFirstOrThrow()).id;
  return { person, family, alertId: await alertOf(person), healthPerson, healthFamily, healthAlertId: await alertOf(healthPerson) };
}

async function alertRow(alertId: string) {
  return db().selectFrom('alerts').selectAll().where('id', '=', alertId).executeTakeFirstOrThrow();
}

describe.each(availableBackends())('alert triage on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
    const police = (await createOrganisation(testApp, { name: `Police ${unique()}`, type: 'police' })).id;
    const council = (await createOrganisation(testApp, { name: `Council ${unique()}` })).id;
    const health = (await createOrganisation(testApp, { name: `Health Trust ${unique()}`, type: 'nhs_trust' })).id;
    const policeWorker = await createUser(testApp, { role: 'case_worker', organisationId: police, name: 'PC Olu Adeyemi' });
    const policeManager = await createUser(testApp, { role: 'case_manager', organisationId: police, name: 'Sergeant Ruth Bell' });
    const healthWorker = await createUser(testApp, { role: 'case_worker', organisationId: health, name: 'Nurse Wil Jones' });
    world = {
      police, council, health, policeWorker, policeManager, healthWorker,
      policeAgent: await signedInAgent(testApp, policeWorker.user),
      healthAgent: await signedInAgent(testApp, healthWorker.user),
    };
  });
  afterAll(async () => testApp.close());

  describe('need-to-know', () => {
    it('lists an alert only to organisations that supplied evidence, and another organisation gets "not found"', async () => {
      const { family, alertId, healthFamily, healthAlertId } = await repeatVictims();
      const policeList = await world.policeAgent.get('/alerts');
      expect(policeList.statusCode).toBe(200);
      expect(policeList.body).toContain(family);
      expect(policeList.body).toContain('3 incidents as victim or complainant in 28 days, reported by 2 agencies');
      expect(policeList.body).not.toContain(healthFamily);
      const healthList = await world.healthAgent.get('/alerts');
      expect(healthList.body).toContain(healthFamily);
      expect(healthList.body).not.toContain(family);

      expect((await world.healthAgent.get(`/alerts/${alertId}`)).statusCode).toBe(404);
      expect((await world.policeAgent.get(`/alerts/${healthAlertId}`)).statusCode).toBe(404);
      expect((await world.healthAgent.post(`/alerts/${alertId}/dismiss`, { reason: 'not_a_concern' })).statusCode).toBe(404);
      expect((await world.healthAgent.post(`/alerts/${alertId}/assign`, { assigneeId: world.healthWorker.user.id })).statusCode).toBe(404);
      expect((await world.policeAgent.get('/alerts/not-a-uuid')).statusCode).toBe(404);
      expect((await alertRow(alertId)).status).toBe('open');
    });

    it('shows the evidence with the viewer’s own incidents in full and other agencies’ as date, category and agency only, audited', async () => {
      const { family, alertId } = await repeatVictims();
      const page = await world.policeAgent.get(`/alerts/${alertId}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`Jo ${family}`);
      expect(page.body).toContain('Police summary: shouting at the door');
      expect(page.body).toContain('Noise complaint');
      expect(page.body).not.toContain('Council secret summary');
      expect(page.body).not.toContain('7 Secret Street');
      expect(page.body).toMatch(/Details held by Council/);
      const audit = await db().selectFrom('audit_events').select(['action', 'actor_user_id']).where('record_id', '=', alertId).execute();
      expect(audit).toContainEqual({ action: 'ALERT_VIEWED', actor_user_id: world.policeWorker.user.id });
    });
  });

  describe('triage', () => {
    it('assigns to a colleague in the viewer’s organisation, not to someone elsewhere, and filters "assigned to me"', async () => {
      const { family, alertId } = await repeatVictims();
      const elsewhere = await world.policeAgent.post(`/alerts/${alertId}/assign`, { assigneeId: world.healthWorker.user.id });
      expect(elsewhere.statusCode).toBe(400);
      expect(elsewhere.body).toContain('Choose a colleague in your organisation');
      const assigned = await world.policeAgent.post(`/alerts/${alertId}/assign`, { assigneeId: world.policeManager.user.id });
      expect(assigned.statusCode).toBe(302);
      expect((await alertRow(alertId)).assigned_to).toBe(world.policeManager.user.id);
      const managerAgent = await signedInAgent(testApp, world.policeManager.user);
      expect((await managerAgent.get('/alerts?mine=yes')).body).toContain(family);
      expect((await world.policeAgent.get('/alerts?mine=yes')).body).not.toContain(family);
    });

    it('dismisses with a reason (and details when the reason is "other"), counts it in the statistics, and refuses a second decision', async () => {
      const { alertId } = await repeatVictims();
      const noReason = await world.policeAgent.post(`/alerts/${alertId}/dismiss`, { detail: 'Kept text' });
      expect(noReason.statusCode).toBe(400);
      expect(noReason.body).toContain('govuk-error-summary');
      expect(noReason.body).toContain('Choose why you are dismissing the alert');
      expect(noReason.body).toContain('Kept text');
      const otherWithout = await world.policeAgent.post(`/alerts/${alertId}/dismiss`, { reason: 'other' });
      expect(otherWithout.statusCode).toBe(400);
      expect(otherWithout.body).toContain('Say why you are dismissing the alert');

      const before = await testApp.services.alerts.statistics();
      const beforeCount = before.reasons.find((row) => row.rule_code === 'repeat_victim' && row.dismiss_reason === 'linkage_wrong')?.count ?? 0;
      const dismissed = await world.policeAgent.post(`/alerts/${alertId}/dismiss`, { reason: 'linkage_wrong', detail: 'Two different people' });
      expect(dismissed.statusCode).toBe(302);
      expect(await alertRow(alertId)).toMatchObject({ status: 'dismissed', dismiss_reason: 'linkage_wrong', dismiss_detail: 'Two different people', decided_by: world.policeWorker.user.id });

      const managerAgent = await signedInAgent(testApp, world.policeManager.user);
      const statistics = await managerAgent.get('/alerts/rules/statistics');
      expect(statistics.statusCode).toBe(200);
      const reasonRow = /data-reason="linkage_wrong">([\s\S]*?)<\/tr>/.exec(statistics.body)?.[1] ?? '';
      // The first column is repeat victim.
      expect(/<td[^>]*>(\d+)<\/td>/.exec(reasonRow)?.[1]).toBe(String(beforeCount + 1));

      const again = await world.policeAgent.post(`/alerts/${alertId}/dismiss`, { reason: 'not_a_concern' });
      expect(again.statusCode).toBe(302);
      expect((await world.policeAgent.follow(again)).body).toContain('Someone has already decided about this alert');
      expect((await alertRow(alertId)).dismiss_reason).toBe('linkage_wrong');
    });

    it('opens a case from the alert with the person linked and the evidence in the case timeline', async () => {
      const { person, alertId } = await repeatVictims();
      const form = await world.policeAgent.get(`/alerts/${alertId}`);
      expect(form.body).toContain('Open a case from this alert');
      const missing = await world.policeAgent.post(`/alerts/${alertId}/open-case`, { priority: 'high', summary: 'Kept summary' });
      expect(missing.statusCode).toBe(400);
      expect(missing.body).toContain('Kept summary');

      const opened = await world.policeAgent.post(`/alerts/${alertId}/open-case`, { caseType: 'anti_social_behaviour', priority: 'high', summary: 'Repeat victim of ASB' });
      expect(opened.statusCode).toBe(302);
      const caseId = String(opened.headers.location).split('/').pop()!;
      const kase = await db().selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirstOrThrow();
      expect(kase).toMatchObject({ lead_organisation_id: world.police, priority: 'high', summary: 'Repeat victim of ASB' });
      expect(await db().selectFrom('case_people').select(['person_id', 'role']).where('case_id', '=', caseId).execute()).toEqual([{ person_id: person, role: 'victim' }]);
      const event = await db().selectFrom('case_events').select('details').where('case_id', '=', caseId).where('kind', '=', 'alert_evidence_linked').executeTakeFirstOrThrow();
      expect((event.details as { incidents: unknown[] }).incidents).toHaveLength(3);
      expect(JSON.stringify(event.details)).not.toContain('Council secret summary');
      expect(await alertRow(alertId)).toMatchObject({ status: 'case_opened', case_id: caseId });
      const timeline = await world.policeAgent.get(`/cases/${caseId}/timeline`);
      expect(timeline.body).toContain('Alert evidence added');
      expect(timeline.body).toContain('Repeat victim: 3 incidents as victim or complainant in 28 days');
      const audit = await db().selectFrom('audit_events').select('action').where('record_id', '=', alertId).execute();
      expect(audit.map((row) => row.action)).toContain('ALERT_CASE_OPENED');
    });

    it('adds an alert to an existing case the viewer may edit, and refuses a case they cannot see', async () => {
      const { person, alertId } = await repeatVictims();
      const healthCase = await signedInAgent(testApp, world.healthWorker.user).then((agent) => agent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'low', summary: 'Health case' }));
      const healthCaseId = String(healthCase.headers.location).split('/').pop()!;
      const healthReference = (await db().selectFrom('cases').select('reference').where('id', '=', healthCaseId).executeTakeFirstOrThrow()).reference;
      const refused = await world.policeAgent.post(`/alerts/${alertId}/add-to-case`, { reference: healthReference });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('There is no case with that reference that you can see');

      const created = await world.policeAgent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'medium', summary: 'Existing case' });
      const caseId = String(created.headers.location).split('/').pop()!;
      const reference = (await db().selectFrom('cases').select('reference').where('id', '=', caseId).executeTakeFirstOrThrow()).reference;
      const added = await world.policeAgent.post(`/alerts/${alertId}/add-to-case`, { reference: reference.toLowerCase() });
      expect(added.statusCode).toBe(302);
      expect(added.headers.location).toBe(`/cases/${caseId}`);
      expect(await alertRow(alertId)).toMatchObject({ status: 'added_to_case', case_id: caseId });
      expect((await db().selectFrom('case_people').select('person_id').where('case_id', '=', caseId).execute()).map((row) => row.person_id)).toContain(person);
    });
  });

  describe('rule settings', () => {
    it('lets a partnership administrator change a rule, keeps what was typed on a mistake, and is refused to a case worker', async () => {
      const admin = await createUser(testApp, { role: 'partnership_admin', organisationId: world.council });
      const agent = await signedInAgent(testApp, admin.user);
      const page = await agent.get('/admin/alert-rules');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Possible cuckooing or exploitation');
      const wrong = await agent.post('/admin/alert-rules/escalation', { enabled: 'yes', windowDays: '0', threshold: '4', factor: '1.5' });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.body).toContain('Enter a whole number of days from 1 to 3,650');
      expect(wrong.body).toContain('value="1.5"');
      const saved = await agent.post('/admin/alert-rules/escalation', { enabled: 'yes', windowDays: '21', threshold: '4', factor: '1.5', harmGroups: ['asb', 'violence'] });
      expect(saved.statusCode).toBe(302);
      const rule = await db().selectFrom('alert_rules').selectAll().where('code', '=', 'escalation').executeTakeFirstOrThrow();
      expect(rule).toMatchObject({ enabled: true, window_days: 21, threshold: 4, harm_groups: ['asb', 'violence'], updated_by: admin.user.id });
      expect(Number(rule.factor)).toBe(1.5);
      expect((await agent.get('/admin/alert-rules/no_such_rule')).statusCode).toBe(404);
      expect((await world.policeAgent.get('/admin/alert-rules')).statusCode).toBe(403);
      await db().updateTable('alert_rules').set({ window_days: 14, threshold: 3, factor: 2, harm_groups: [] }).where('code', '=', 'escalation').execute();
    });
  });
});
