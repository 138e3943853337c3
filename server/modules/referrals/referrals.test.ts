import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent, type UserFixture } from '../../../test/factories/index.ts';
import { createSharingAgreement } from '../../../test/factories/sharingAgreements.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { systemActor } from '../../shared/actor.ts';
import type { CurrentUser } from '../../types.ts';
import { ReferralsService, ReferralStepRefused } from './referralsService.ts';

let testApp: TestApp;

const db = () => testApp.database.db;
const unique = () => Math.random().toString(36).slice(2, 8);

/** What a signed-in person is to the services. */
function currentUser(fixture: UserFixture, organisationName = 'Organisation'): CurrentUser {
  const { user } = fixture;
  return { id: user.id, email: user.email, name: user.name, role: user.role as CurrentUser['role'], organisationId: user.organisation_id, organisationName, locale: null, mfaEnabled: true };
}

const BASE_FORM = {
  urgency: 'working_days_5',
  reason: 'Repeated welfare concerns at Elm Court',
  requested: 'A mental health assessment',
  informationShared: 'Ms Partridge has called 999 four times this month; she lives alone.',
  lawfulBasis: 'public_task',
  consent: 'not_sought',
  consentReason: 'Seeking consent would delay help while she is at risk',
};

/**
 * Police lead a case; a mental health trust and its staff are ready to receive. Names are
 * unique per call, so that tests sharing the database never see each other's people.
 */
async function policeAndTrust() {
  const police = await createOrganisation(testApp, { name: `Police ${unique()}`, type: 'police' });
  const trust = await createOrganisation(testApp, { name: `Mental Health Trust ${unique()}`, type: 'nhs_trust' });
  await createSharingAgreement(testApp, [police.id, trust.id]);
  const officer = await createUser(testApp, { role: 'case_worker', organisationId: police.id, name: 'PC Olu Adeyemi' });
  const trustManager = await createUser(testApp, { role: 'case_manager', organisationId: trust.id, name: 'Manon Hughes' });
  const trustWorker = await createUser(testApp, { role: 'case_worker', organisationId: trust.id, name: 'Wil Jones' });
  const officerAgent = await signedInAgent(testApp, officer.user);
  const managerAgent = await signedInAgent(testApp, trustManager.user);
  const workerAgent = await signedInAgent(testApp, trustWorker.user);
  const opened = await officerAgent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'high', summary: 'Welfare concerns at Elm Court', area: 'Byker' });
  expect(opened.statusCode).toBe(302);
  const caseId = String(opened.headers.location).split('/').pop()!;
  const { reference } = await db().selectFrom('cases').select('reference').where('id', '=', caseId).executeTakeFirstOrThrow();
  return { police, trust, officer, trustManager, trustWorker, officerAgent, managerAgent, workerAgent, caseId, caseReference: reference };
}

async function refer(agent: TestAgent, caseId: string, form: Record<string, string | undefined>) {
  return agent.post(`/cases/${caseId}/referrals/new`, { ...BASE_FORM, ...form });
}

async function referralOf(caseId: string) {
  return db().selectFrom('referrals').selectAll().where('case_id', '=', caseId).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
}

describe.each(availableBackends())('referrals on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
  });
  afterAll(async () => testApp.close());

  describe('sending a referral', () => {
    it('refers a case through the Right Care, Right Person pathway in one go, with the handover clock at one hour when police attended', async () => {
      const { trust, trustManager, trustWorker, officerAgent, caseId } = await policeAndTrust();
      const tab = await officerAgent.get(`/cases/${caseId}/referrals`);
      expect(tab.statusCode).toBe(200);
      expect(tab.body).toContain('Concern for welfare → mental health crisis team');
      const form = await officerAgent.get(`/cases/${caseId}/referrals/new?pathway=concern_for_welfare_mental_health`);
      expect(form.statusCode).toBe(200);
      expect(form.body).toContain('Is there a real and immediate risk to life or of serious harm?');
      expect(form.body).toContain(trust.name);
      // The pathway's default urgency is already chosen.
      expect(form.body).toMatch(/value="immediate" checked/);

      const before = Date.now();
      const sent = await refer(officerAgent, caseId, { pathway: 'concern_for_welfare_mental_health', toOrganisationId: trust.id, urgency: 'immediate', 'answer-riskToLife': 'no', 'answer-policeAttended': 'yes' });
      expect(sent.statusCode).toBe(302);
      const referral = await referralOf(caseId);
      expect(sent.headers.location).toBe(`/referrals/${referral.id}`);
      expect(referral).toMatchObject({ status: 'received', urgency: 'immediate', police_attended: true, answers: { riskToLife: 'no', policeAttended: 'yes' }, to_organisation_id: trust.id });
      expect(referral.reference).toMatch(/^REF-\d{4}-\d{6}$/);
      // Handover target: one hour, not the four hours an immediate referral otherwise has to be decided.
      const decideMinutes = (referral.decide_due_at.getTime() - referral.created_at.getTime()) / 60_000;
      expect(decideMinutes).toBe(60);
      expect(referral.created_at.getTime()).toBeGreaterThanOrEqual(before - 1000);

      const caseEvents = await db().selectFrom('case_events').select(['kind', 'details']).where('case_id', '=', caseId).where('kind', '=', 'referral_sent').execute();
      expect(caseEvents).toHaveLength(1);
      const audit = await db().selectFrom('audit_events').select(['action', 'details']).where('record_id', '=', referral.id).execute();
      expect(audit.map((row) => row.action)).toContain('REFERRAL_SENT');
      const told = await db().selectFrom('notifications').select(['user_id', 'kind', 'referral_id']).where('referral_id', '=', referral.id).execute();
      expect(told.map((row) => row.user_id).sort()).toEqual([trustManager.user.id, trustWorker.user.id].sort());
      expect(told.every((row) => row.kind === 'referral_received')).toBe(true);
      // The timeline describes it in words.
      const timeline = await officerAgent.get(`/cases/${caseId}/timeline`);
      expect(timeline.body).toContain('Referral sent');
      expect(timeline.body).toContain(`${referral.reference} to ${trust.name}`);
    });

    it('refuses an inactive organisation, keeping what was typed', async () => {
      const { officerAgent, caseId } = await policeAndTrust();
      const closed = await createOrganisation(testApp, { name: `Closed Service ${unique()}`, type: 'nhs_trust', active: false });
      const response = await refer(officerAgent, caseId, { toOrganisationId: closed.id, reason: 'Kept reason text' });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('That organisation is no longer active in the partnership. Choose another organisation');
      expect(response.body).toContain('govuk-error-summary');
      expect(response.body).toContain('Kept reason text');
      // The form does not offer it either.
      expect((await officerAgent.get(`/cases/${caseId}/referrals/new`)).body).not.toContain(closed.name);
      expect(await db().selectFrom('referrals').select('id').where('case_id', '=', caseId).execute()).toHaveLength(0);
    });

    it('refuses a referral without a lawful basis, or without a reason for not seeking consent', async () => {
      const { trust, officerAgent, caseId } = await policeAndTrust();
      const noBasis = await refer(officerAgent, caseId, { toOrganisationId: trust.id, lawfulBasis: undefined });
      expect(noBasis.statusCode).toBe(400);
      expect(noBasis.body).toContain('Select the lawful basis for sharing this information');
      expect(noBasis.body).toContain('Ms Partridge has called 999 four times this month');
      const noConsentReason = await refer(officerAgent, caseId, { toOrganisationId: trust.id, consentReason: '' });
      expect(noConsentReason.statusCode).toBe(400);
      expect(noConsentReason.body).toContain('Explain why consent was refused or not sought');
      expect(await db().selectFrom('referrals').select('id').where('case_id', '=', caseId).execute()).toHaveLength(0);
    });

    it('needs the answers to the pathway questions', async () => {
      const { trust, officerAgent, caseId } = await policeAndTrust();
      const response = await refer(officerAgent, caseId, { pathway: 'concern_for_welfare_mental_health', toOrganisationId: trust.id, 'answer-riskToLife': 'no' });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('Answer this question');
      expect(response.body).toContain('href="#answer-policeAttended"');
    });
  });

  describe('deadlines', () => {
    it('counts working days and hours through the service across a bank holiday and the end of British Summer Time', async () => {
      const { trust, officer, caseId } = await policeAndTrust();
      const user = currentUser(officer);
      const at = (iso: string) => new ReferralsService(db(), testApp.services.audit, testApp.services.cases, { now: () => new Date(iso) });
      const send = (iso: string, urgency: string) =>
        at(iso).referCase(user, caseId, { ...BASE_FORM, urgency, toOrganisationId: trust.id, pathway: null, toTeam: null, lawfulBasisDetail: null } as never, systemActor('test'));

      // Friday 28 August 2026, 15:00 BST; Monday 31 August is the summer bank holiday.
      const fiveDays = await send('2026-08-28T14:00:00Z', 'working_days_5');
      expect(fiveDays.acknowledge_due_at.toISOString()).toBe('2026-09-01T16:00:00.000Z'); // Tuesday 17:00 BST
      expect(fiveDays.decide_due_at.toISOString()).toBe('2026-09-07T16:00:00.000Z'); // Tue, Wed, Thu, Fri, Mon
      const dayAndAHalf = await send('2026-08-28T14:00:00Z', 'hours_24');
      expect(dayAndAHalf.acknowledge_due_at.toISOString()).toBe('2026-08-28T16:00:00.000Z'); // two working hours: Friday 17:00
      expect(dayAndAHalf.decide_due_at.toISOString()).toBe('2026-09-01T14:00:00.000Z'); // 2 h Friday + 6 h Tuesday: 15:00 BST
      const immediate = await send('2026-08-29T22:30:00Z', 'immediate'); // Saturday night: the clock runs regardless
      expect(immediate.acknowledge_due_at.toISOString()).toBe('2026-08-29T23:30:00.000Z');
      expect(immediate.decide_due_at.toISOString()).toBe('2026-08-30T02:30:00.000Z');
      // Thursday 22 October 2026, 10:00 BST; the clocks go back on Sunday 25 October.
      const acrossClockChange = await send('2026-10-22T09:00:00Z', 'working_days_5');
      expect(acrossClockChange.acknowledge_due_at.toISOString()).toBe('2026-10-23T16:00:00.000Z'); // Friday 17:00 BST
      expect(acrossClockChange.decide_due_at.toISOString()).toBe('2026-10-29T17:00:00.000Z'); // Thursday 17:00 GMT
      const routine = await send('2026-12-23T10:00:00Z', 'routine'); // Christmas: 25, 28 December and 1 January are holidays
      expect(routine.acknowledge_due_at.toISOString()).toBe('2026-12-29T17:00:00.000Z'); // Thu 24, Tue 29
      expect(routine.decide_due_at.toISOString()).toBe('2027-01-11T17:00:00.000Z');
    });

    it('reminds once, escalates a breach once to the receiving case managers in-app and by e-mail, and flags it on the dashboard', async () => {
      const { trust, trustManager, trustWorker, officerAgent, caseId } = await policeAndTrust();
      expect((await refer(officerAgent, caseId, { toOrganisationId: trust.id, urgency: 'immediate' })).statusCode).toBe(302);
      const referral = await referralOf(caseId);
      const sentAt = referral.created_at.getTime();
      const minutes = (count: number) => new Date(sentAt + count * 60_000);
      const scan = (at: Date) => testApp.services.referrals.scanDeadlines(at);
      const toldAbout = async (kind: string) =>
        (await db().selectFrom('notifications').select('user_id').where('referral_id', '=', referral.id).where('kind', '=', kind).execute()).map((row) => row.user_id).sort();
      const emailsTo = async (address: string) => db().selectFrom('email_outbox').select(['subject', 'body_text']).where('to_address', '=', address).execute();

      // Before three quarters of the hour: nothing.
      await scan(minutes(30));
      expect(await toldAbout('referral_acknowledge_reminder')).toEqual([]);
      // At 50 minutes: one reminder to everyone who works the inbox; scanning again sends nothing more.
      const first = await scan(minutes(50));
      expect(first.acknowledgeReminders).toBeGreaterThanOrEqual(1);
      await scan(minutes(50));
      await scan(minutes(55));
      expect(await toldAbout('referral_acknowledge_reminder')).toEqual([trustManager.user.id, trustWorker.user.id].sort());
      // Past the hour: escalated to the case manager only, once, in-app and by e-mail.
      await scan(minutes(61));
      const again = await scan(minutes(61));
      expect(again).toEqual({ acknowledgeReminders: 0, acknowledgeBreaches: 0, decideReminders: 0, decideBreaches: 0, emails: 0 });
      await scan(minutes(62));
      expect(await toldAbout('referral_acknowledge_breached')).toEqual([trustManager.user.id]);
      const managerEmails = await emailsTo(trustManager.user.email);
      expect(managerEmails).toHaveLength(1);
      expect(managerEmails[0]!.subject).toBe('1 referral missed its deadline');
      expect(managerEmails[0]!.body_text).toContain(referral.reference);
      expect(await emailsTo(trustWorker.user.email)).toHaveLength(0);
      const marked = await db().selectFrom('referrals').selectAll().where('id', '=', referral.id).executeTakeFirstOrThrow();
      expect(marked.acknowledge_reminded_at).not.toBeNull();
      expect(marked.acknowledge_breached_at!.getTime()).toBe(minutes(61).getTime());
      expect(marked.decide_breached_at).toBeNull();
      // The decision clock (four hours) reminds and escalates in its turn, each once.
      await scan(minutes(185));
      await scan(minutes(241));
      await scan(minutes(300));
      expect(await toldAbout('referral_decide_reminder')).toEqual([trustManager.user.id, trustWorker.user.id].sort());
      expect(await toldAbout('referral_decide_breached')).toEqual([trustManager.user.id]);
      expect(await emailsTo(trustManager.user.email)).toHaveLength(2);
      const history = await db().selectFrom('referral_events').select('kind').where('referral_id', '=', referral.id).orderBy('id').execute();
      expect(history.map((row) => row.kind)).toEqual(['sent', 'referral_acknowledge_reminder', 'referral_acknowledge_breached', 'referral_decide_reminder', 'referral_decide_breached']);
      // The manager's notifications link to the referral.
      const notifications = await (await signedInAgent(testApp, trustManager.user)).get('/notifications');
      expect(notifications.body).toContain(`Referral ${referral.reference} was not acknowledged in time`);
      expect(notifications.body).toContain(`href="/referrals/${referral.id}"`);
      // The partnership dashboard flags the breach against the trust.
      const analyst = await createUser(testApp, { role: 'analyst' });
      const dashboard = await (await signedInAgent(testApp, analyst.user)).get('/referrals/dashboard');
      expect(dashboard.statusCode).toBe(200);
      const table = dashboard.body.slice(dashboard.body.indexOf('data-testid="dashboard-table"'));
      const trustRow = table.split('<tr class="govuk-table__row">').find((row) => row.includes(trust.name));
      expect(trustRow).toBeDefined();
      expect(trustRow).toMatch(/govuk-tag--red">1</);
      expect(dashboard.body).not.toContain('Ms Partridge');
    });
  });

  describe('pathways', () => {
    it('a partnership administrator points a pathway at one organisation, and can stop offering it', async () => {
      const { police, trust, officerAgent, caseId } = await policeAndTrust();
      const otherTrust = await createOrganisation(testApp, { name: `Other Trust ${unique()}`, type: 'nhs_trust' });
      await createSharingAgreement(testApp, [police.id, otherTrust.id]);
      const admin = await createUser(testApp, { role: 'partnership_admin' });
      const adminAgent = await signedInAgent(testApp, admin.user);
      const pathway = await db().selectFrom('referral_pathways').selectAll().where('code', '=', 'concern_for_welfare_mental_health').executeTakeFirstOrThrow();
      // The form shows the catalogue questions in the reader's words; posted back unchanged, they stay catalogue questions.
      const editForm = await adminAgent.get(`/admin/referral-pathways/${pathway.id}`);
      expect(editForm.body).toContain('value="Is there a real and immediate risk to life or of serious harm?"');
      const catalogueQuestions = {
        'question-0-key': 'riskToLife', 'question-0-text': 'Is there a real and immediate risk to life or of serious harm?', 'question-0-kind': 'yes_no', 'question-0-required': 'yes', 'question-0-immediateIfYes': 'yes',
        'question-1-key': 'policeAttended', 'question-1-text': 'Did police attend?', 'question-1-kind': 'yes_no', 'question-1-required': 'yes',
      };
      expect((await adminAgent.get('/admin/referral-pathways')).body).toContain('Concern for welfare → mental health crisis team');
      const bad = await adminAgent.post(`/admin/referral-pathways/${pathway.id}`, { name: pathway.name, description: pathway.description, fromOrganisationTypes: ['police'], active: 'yes', toOrganisationId: trust.id, defaultUrgency: 'immediate', handoverTargetMinutes: '0' });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('Enter the handover target as a whole number of minutes between 1 and 1,440');
      const saved = await adminAgent.post(`/admin/referral-pathways/${pathway.id}`, { name: pathway.name, description: pathway.description, fromOrganisationTypes: ['police'], ...catalogueQuestions, active: 'yes', toOrganisationId: trust.id, defaultUrgency: 'immediate', handoverTargetMinutes: '60' });
      expect(saved.statusCode).toBe(302);
      const form = await officerAgent.get(`/cases/${caseId}/referrals/new?pathway=concern_for_welfare_mental_health`);
      expect(form.body).toContain(trust.name);
      expect(form.body).not.toContain(otherTrust.name);
      const elsewhere = await refer(officerAgent, caseId, { pathway: 'concern_for_welfare_mental_health', toOrganisationId: otherTrust.id, urgency: 'immediate', 'answer-riskToLife': 'no', 'answer-policeAttended': 'no' });
      expect(elsewhere.statusCode).toBe(400);
      expect(elsewhere.body).toContain('That organisation does not receive referrals on this pathway');
      expect((await adminAgent.post(`/admin/referral-pathways/${pathway.id}`, { name: pathway.name, description: pathway.description, fromOrganisationTypes: ['police'], ...catalogueQuestions, active: 'no', defaultUrgency: 'immediate' })).statusCode).toBe(302);
      expect((await officerAgent.get(`/cases/${caseId}/referrals`)).body).not.toContain('Concern for welfare → mental health crisis team');
      expect((await officerAgent.get(`/cases/${caseId}/referrals/new?pathway=concern_for_welfare_mental_health`)).statusCode).toBe(404);
      const audit = await db().selectFrom('audit_events').select('action').where('record_id', '=', pathway.id).execute();
      expect(audit.map((row) => row.action)).toEqual(['REFERRAL_PATHWAY_UPDATED', 'REFERRAL_PATHWAY_RETIRED']);
      // Its catalogue questions kept their keys, so they are still translated and still drive the handover clock.
      const kept = await db().selectFrom('referral_pathways').select('questions').where('id', '=', pathway.id).executeTakeFirstOrThrow();
      expect(kept.questions).toEqual([
        { key: 'riskToLife', kind: 'yes_no', required: true, immediateIfYes: true },
        { key: 'policeAttended', kind: 'yes_no', required: true },
      ]);
      // Put it back for the other tests in this file.
      await db().updateTable('referral_pathways').set({ active: true, to_organisation_id: null }).where('id', '=', pathway.id).execute();
    });
  });

  describe('pathways configured by the partnership', () => {
    /** A pathway form as an administrator fills it in: police refer to the trust, with one question. */
    const pathwayForm = (name: string, toOrganisationId: string, extra: Record<string, string | string[]> = {}) => ({
      name,
      description: 'Police ask the street triage team to see someone in the community',
      fromOrganisationTypes: ['police'],
      toOrganisationId,
      defaultUrgency: 'hours_24',
      acknowledgeWithinMinutes: '30',
      decideWithinMinutes: '90',
      deadlineClock: 'elapsed',
      'question-0-text': 'Is the person known to street triage?',
      'question-0-kind': 'yes_no',
      'question-0-required': 'yes',
      ...extra,
    });

    async function adminAgent() {
      const admin = await createUser(testApp, { role: 'partnership_admin' });
      return signedInAgent(testApp, admin.user);
    }

    it('creates a pathway with its own question and deadlines, offered only to the organisation types allowed; editing it later leaves sent referrals as they were', async () => {
      const { trust, officerAgent, caseId, managerAgent } = await policeAndTrust();
      const admin = await adminAgent();
      const blank = await admin.get('/admin/referral-pathways/new');
      expect(blank.statusCode).toBe(200);
      expect(blank.body).toContain('Create a referral pathway');
      expect(blank.body).toContain('name="question-0-text"');
      expect(blank.body).toContain('A yes means the referral must be immediate');
      const name = `Street triage ${unique()}`;
      const created = await admin.post('/admin/referral-pathways/new', pathwayForm(name, trust.id));
      expect(created.statusCode).toBe(302);
      const pathway = await db().selectFrom('referral_pathways').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
      expect(pathway).toMatchObject({ active: true, from_organisation_types: ['police'], to_organisation_id: trust.id, to_organisation_type: 'nhs_trust', acknowledge_within_minutes: 30, decide_within_minutes: 90, deadline_clock: 'elapsed' });
      expect(pathway.questions).toEqual([{ key: expect.stringMatching(/^q[0-9a-f]{10}$/), kind: 'yes_no', required: true, text: 'Is the person known to street triage?' }]);
      const questionKey = pathway.questions[0]!.key;
      expect((await db().selectFrom('audit_events').select('action').where('record_id', '=', pathway.id).execute()).map((row) => row.action)).toEqual(['REFERRAL_PATHWAY_CREATED']);

      // Offered to the police officer, who is of an allowed type...
      expect((await officerAgent.get(`/cases/${caseId}/referrals`)).body).toContain(name);
      const form = await officerAgent.get(`/cases/${caseId}/referrals/new?pathway=${pathway.code}`);
      expect(form.statusCode).toBe(200);
      expect(form.body).toContain('Is the person known to street triage?');
      // ...but not to a housing provider on its own case.
      const housing = await createOrganisation(testApp, { name: `Homes ${unique()}`, type: 'housing_provider' });
      const housingOfficer = await createUser(testApp, { role: 'case_worker', organisationId: housing.id });
      const housingAgent = await signedInAgent(testApp, housingOfficer.user);
      const housingCase = await housingAgent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'medium', summary: 'Noise at Elm Court', area: 'Byker' });
      const housingCaseId = String(housingCase.headers.location).split('/').pop()!;
      const housingTab = await housingAgent.get(`/cases/${housingCaseId}/referrals`);
      expect(housingTab.statusCode).toBe(200);
      expect(housingTab.body).not.toContain(name);
      expect((await housingAgent.get(`/cases/${housingCaseId}/referrals/new?pathway=${pathway.code}`)).statusCode).toBe(404);

      // The question is required, and the answer is stored with the question as asked.
      const unanswered = await refer(officerAgent, caseId, { pathway: pathway.code, toOrganisationId: trust.id, urgency: 'hours_24' });
      expect(unanswered.statusCode).toBe(400);
      expect(unanswered.body).toContain(`href="#answer-${questionKey}"`);
      const sent = await refer(officerAgent, caseId, { pathway: pathway.code, toOrganisationId: trust.id, urgency: 'hours_24', [`answer-${questionKey}`]: 'yes' });
      expect(sent.statusCode).toBe(302);
      const referral = await referralOf(caseId);
      expect(referral.answers).toEqual({ [questionKey]: 'yes' });
      expect(referral.questions).toEqual(pathway.questions);
      // The pathway's own deadlines, not the 24-hour urgency's working hours.
      expect((referral.acknowledge_due_at.getTime() - referral.created_at.getTime()) / 60_000).toBe(30);
      expect((referral.decide_due_at.getTime() - referral.created_at.getTime()) / 60_000).toBe(90);

      // The partnership rewords the question and adds another; the sent referral still shows what was asked.
      const edited = await admin.post(`/admin/referral-pathways/${pathway.id}`, pathwayForm(name, trust.id, {
        active: 'yes',
        'question-0-key': questionKey,
        'question-0-text': 'Has street triage seen the person this year?',
        'question-1-text': 'Which GP surgery?',
        'question-1-kind': 'text',
      }));
      expect(edited.statusCode).toBe(302);
      const after = await db().selectFrom('referral_pathways').select('questions').where('id', '=', pathway.id).executeTakeFirstOrThrow();
      expect(after.questions.map((question) => question.text)).toEqual(['Has street triage seen the person this year?', 'Which GP surgery?']);
      expect(after.questions[0]!.key).toBe(questionKey);
      // Ticking "Remove this question" takes it off the pathway.
      const removed = await admin.post(`/admin/referral-pathways/${pathway.id}`, pathwayForm(name, trust.id, {
        active: 'yes',
        'question-0-key': questionKey,
        'question-0-text': 'Has street triage seen the person this year?',
        'question-1-key': after.questions[1]!.key,
        'question-1-text': 'Which GP surgery?',
        'question-1-kind': 'text',
        'question-1-remove': 'yes',
      }));
      expect(removed.statusCode).toBe(302);
      expect((await db().selectFrom('referral_pathways').select('questions').where('id', '=', pathway.id).executeTakeFirstOrThrow()).questions.map((question) => question.key)).toEqual([questionKey]);
      const stored = await db().selectFrom('referrals').select(['questions', 'answers']).where('id', '=', referral.id).executeTakeFirstOrThrow();
      expect(stored).toEqual({ questions: pathway.questions, answers: { [questionKey]: 'yes' } });
      const page = await managerAgent.get(`/referrals/${referral.id}`);
      expect(page.body).toContain('Is the person known to street triage?');
      expect(page.body).not.toContain('Has street triage seen the person this year?');
    });

    it('a yes to an "immediate" question needs an immediate referral', async () => {
      const { trust, officerAgent, caseId } = await policeAndTrust();
      const response = await refer(officerAgent, caseId, { pathway: 'concern_for_welfare_mental_health', toOrganisationId: trust.id, urgency: 'hours_24', 'answer-riskToLife': 'yes', 'answer-policeAttended': 'no' });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('Your answers mean this referral must be immediate');
    });

    it('lists every bad input in the error summary and keeps what was typed', async () => {
      const { trust } = await policeAndTrust();
      const admin = await adminAgent();
      const closed = await createOrganisation(testApp, { name: `Closed Trust ${unique()}`, type: 'nhs_trust', active: false });
      const noName = await admin.post('/admin/referral-pathways/new', pathwayForm('', closed.id, { 'question-0-text': '', description: 'Kept description', decideWithinMinutes: '10' }));
      expect(noName.statusCode).toBe(400);
      expect(noName.body).toContain('govuk-error-summary');
      expect(noName.body).toContain('Enter a name for the pathway');
      expect(noName.body).toContain('Enter the question, or tick “Remove this question”');
      expect(noName.body).toContain('The time to decide must be at least the time to acknowledge');
      expect(noName.body).toContain('Kept description');

      const inactive = await admin.post('/admin/referral-pathways/new', pathwayForm(`Kept name ${unique()}`, closed.id));
      expect(inactive.statusCode).toBe(400);
      expect(inactive.body).toContain('That organisation is no longer active in the partnership');
      expect(inactive.body).toContain('Kept name');
      expect(inactive.body).toContain('Is the person known to street triage?');

      const duplicate = await admin.post('/admin/referral-pathways/new', pathwayForm('ASB VICTIM → victim support', trust.id));
      expect(duplicate.statusCode).toBe(400);
      expect(duplicate.body).toContain('There is already a pathway with that name');

      // Two administrators saving the same new name at the same moment: one pathway, and the other is told why.
      const sameName = `Same moment ${unique()}`;
      const [first, second] = await Promise.all([admin.post('/admin/referral-pathways/new', pathwayForm(sameName, trust.id)), (await adminAgent()).post('/admin/referral-pathways/new', pathwayForm(sameName, trust.id))]);
      expect([first.statusCode, second.statusCode].sort()).toEqual([302, 400]);
      expect([first, second].find((response) => response.statusCode === 400)!.body).toContain('There is already a pathway with that name');
      expect(await db().selectFrom('referral_pathways').select('id').where('name', '=', sameName).execute()).toHaveLength(1);

      const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, row) => [[`question-${row}-text`, `Question ${row + 1}`], [`question-${row}-kind`, 'text']]).flat());
      const tooMany = await admin.post('/admin/referral-pathways/new', pathwayForm(`Many questions ${unique()}`, trust.id, eleven));
      expect(tooMany.statusCode).toBe(400);
      expect(tooMany.body).toContain('A pathway can have up to 10 questions');
      expect(tooMany.body).toContain('value="Question 11"');
      expect(await db().selectFrom('referral_pathways').select('id').where('name', 'like', 'Many questions%').execute()).toHaveLength(0);
      expect(await db().selectFrom('referral_pathways').select('id').where('name', 'like', 'Kept name%').execute()).toHaveLength(0);
    });

    it('retires a pathway with referrals: it leaves the refer page, its referrals keep it', async () => {
      const { trust, officerAgent, caseId } = await policeAndTrust();
      const admin = await adminAgent();
      const name = `Retiring ${unique()}`;
      await admin.post('/admin/referral-pathways/new', pathwayForm(name, trust.id));
      const pathway = await db().selectFrom('referral_pathways').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
      const questionKey = pathway.questions[0]!.key;
      expect((await refer(officerAgent, caseId, { pathway: pathway.code, toOrganisationId: trust.id, [`answer-${questionKey}`]: 'no' })).statusCode).toBe(302);
      const referral = await referralOf(caseId);

      const retired = await admin.post(`/admin/referral-pathways/${pathway.id}`, pathwayForm(name, trust.id, { active: 'no', 'question-0-key': questionKey }));
      expect(retired.statusCode).toBe(302);
      expect((await officerAgent.get(`/cases/${caseId}/referrals`)).body).not.toContain(`pathway=${pathway.code}`);
      expect((await officerAgent.get(`/cases/${caseId}/referrals/new?pathway=${pathway.code}`)).statusCode).toBe(404);
      expect(await db().selectFrom('referral_pathways').select('active').where('id', '=', pathway.id).executeTakeFirstOrThrow()).toEqual({ active: false });
      expect((await officerAgent.get(`/referrals/${referral.id}`)).body).toContain(name);
      expect((await admin.get('/admin/referral-pathways')).body).toContain('Retired');
      const audit = await db().selectFrom('audit_events').select('action').where('record_id', '=', pathway.id).orderBy('seq').execute();
      expect(audit.map((row) => row.action)).toEqual(['REFERRAL_PATHWAY_CREATED', 'REFERRAL_PATHWAY_RETIRED']);
    });
  });

  describe('one scan, both clocks', () => {
    it('escalates a late acknowledgement and reminds of the decision in the same scan, each once and nothing else', async () => {
      const { trust, officerAgent, caseId } = await policeAndTrust();
      expect((await refer(officerAgent, caseId, { toOrganisationId: trust.id, urgency: 'immediate' })).statusCode).toBe(302);
      const referral = await referralOf(caseId);
      // 185 minutes on: an hour past the acknowledgement deadline, and past three quarters of the four hours to decide.
      const result = await testApp.services.referrals.scanDeadlines(new Date(referral.created_at.getTime() + 185 * 60_000));
      expect(result.acknowledgeBreaches).toBeGreaterThanOrEqual(1);
      expect(result.decideReminders).toBeGreaterThanOrEqual(1);
      const history = await db().selectFrom('referral_events').select('kind').where('referral_id', '=', referral.id).orderBy('id').execute();
      expect(history.map((row) => row.kind).sort()).toEqual(['referral_acknowledge_breached', 'referral_decide_reminder', 'sent']);
      const kinds = await db().selectFrom('notifications').select('kind').where('referral_id', '=', referral.id).where('kind', 'like', 'referral_%_%').execute();
      expect(kinds.map((row) => row.kind).sort()).toEqual(['referral_acknowledge_breached', 'referral_decide_reminder', 'referral_decide_reminder', 'referral_received', 'referral_received'].sort());
    });
  });

  describe('a backlog of late referrals', () => {
    it('summarises more than twenty at once in one notification per person, still marking and e-mailing each', async () => {
      const { police, trust, trustManager, trustWorker, caseId } = await policeAndTrust();
      const past = new Date(Date.now() - 3 * 60 * 60_000);
      await db()
        .insertInto('referrals')
        .values(
          Array.from({ length: 21 }, (_, index) => ({
            reference: `REF-2026-7${unique()}${index}`,
            case_id: caseId,
            from_organisation_id: police.id,
            to_organisation_id: trust.id,
            urgency: 'immediate',
            reason: 'Backlog',
            requested: 'Help',
            information_shared: 'Backlog',
            lawful_basis: 'public_task',
            consent: 'given',
            acknowledge_due_at: new Date(past.getTime() + 60 * 60_000),
            decide_due_at: new Date(Date.now() + 60 * 60_000),
            created_at: past,
          })),
        )
        .execute();
      await testApp.services.referrals.scanDeadlines(new Date());
      const breached = await db().selectFrom('referrals').select('id').where('to_organisation_id', '=', trust.id).where('acknowledge_breached_at', 'is not', null).execute();
      expect(breached).toHaveLength(21);
      const told = await db().selectFrom('notifications').select(['user_id', 'kind', 'referral_id', 'details']).where('user_id', 'in', [trustManager.user.id, trustWorker.user.id]).where('kind', 'like', 'referral_acknowledge_breached%').execute();
      expect(told).toEqual([{ user_id: trustManager.user.id, kind: 'referral_acknowledge_breached_digest', referral_id: null, details: { count: 21 } }]);
      const email = await db().selectFrom('email_outbox').select(['subject', 'body_text']).where('to_address', '=', trustManager.user.email).executeTakeFirstOrThrow();
      expect(email.subject).toBe('21 referrals missed their deadlines');
      const page = await (await signedInAgent(testApp, trustManager.user)).get('/notifications');
      expect(page.body).toContain('21 referrals were not acknowledged in time');
      expect(page.body).toContain('href="/referrals/inbox"');
    });
  });

  describe('receiving a referral', () => {
    it('shows the receiver only what was referred until it accepts; accepting joins the case and gives need-to-know access', async () => {
      const { trust, officer, caseReference, officerAgent, managerAgent, caseId } = await policeAndTrust();
      await refer(officerAgent, caseId, { toOrganisationId: trust.id });
      const referral = await referralOf(caseId);

      const inbox = await managerAgent.get('/referrals/inbox');
      expect(inbox.statusCode).toBe(200);
      expect(inbox.body).toContain(referral.reference);
      expect(inbox.body).not.toContain(caseReference);
      expect((await managerAgent.get(`/cases/${caseId}`)).statusCode).toBe(404);
      const page = await managerAgent.get(`/referrals/${referral.id}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Ms Partridge has called 999 four times this month');
      expect(page.body).not.toContain(caseReference);
      expect(page.body).not.toContain(`href="/cases/${caseId}"`);

      const acknowledged = await managerAgent.post(`/referrals/${referral.id}/acknowledge`, { version: String(referral.version) });
      expect(acknowledged.statusCode).toBe(302);
      const accepted = await managerAgent.post(`/referrals/${referral.id}/accept`, { version: String(referral.version + 1) });
      expect(accepted.statusCode).toBe(302);
      expect((await managerAgent.follow(accepted)).body).toContain('Referral accepted');

      expect((await managerAgent.get(`/cases/${caseId}`)).statusCode).toBe(200);
      const participants = await db().selectFrom('case_participants').select('organisation_id').where('case_id', '=', caseId).execute();
      expect(participants.map((row) => row.organisation_id)).toEqual([trust.id]);
      const stored = await db().selectFrom('referrals').selectAll().where('id', '=', referral.id).executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ status: 'accepted', accepted_case_id: caseId });
      const kinds = (await db().selectFrom('case_events').select('kind').where('case_id', '=', caseId).orderBy('id').execute()).map((row) => row.kind);
      expect(kinds).toEqual(expect.arrayContaining(['referral_sent', 'referral_acknowledged', 'referral_accepted', 'agency_added']));
      const audit = (await db().selectFrom('audit_events').select('action').where('record_id', '=', referral.id).execute()).map((row) => row.action);
      expect(audit).toEqual(expect.arrayContaining(['REFERRAL_SENT', 'REFERRAL_VIEWED', 'REFERRAL_ACKNOWLEDGED', 'REFERRAL_ACCEPTED']));
      const toldReferrer = await db().selectFrom('notifications').select('kind').where('user_id', '=', officer.user.id).where('referral_id', '=', referral.id).execute();
      expect(toldReferrer.map((row) => row.kind)).toEqual(['referral_accepted']);
    });

    it('lets exactly one of two people accepting at once win; the other is told', async () => {
      const { trust, officerAgent, managerAgent, workerAgent, caseId } = await policeAndTrust();
      await refer(officerAgent, caseId, { toOrganisationId: trust.id });
      const referral = await referralOf(caseId);
      await managerAgent.get(`/referrals/${referral.id}`);
      await workerAgent.get(`/referrals/${referral.id}`);
      const version = String(referral.version);
      const [first, second] = await Promise.all([
        managerAgent.post(`/referrals/${referral.id}/accept`, { version }),
        workerAgent.post(`/referrals/${referral.id}/accept`, { version }),
      ]);
      expect([first.statusCode, second.statusCode]).toEqual([302, 302]);
      const messages = [(await managerAgent.follow(first)).body, (await workerAgent.follow(second)).body];
      expect(messages.filter((body) => body.includes('Referral accepted. Your organisation now works on the case'))).toHaveLength(1);
      expect(messages.filter((body) => body.includes('Someone in your organisation has already accepted this referral'))).toHaveLength(1);
      expect(await db().selectFrom('referral_events').select('id').where('referral_id', '=', referral.id).where('kind', '=', 'accepted').execute()).toHaveLength(1);
      expect(await db().selectFrom('case_events').select('id').where('case_id', '=', caseId).where('kind', '=', 'referral_accepted').execute()).toHaveLength(1);
      expect(await db().selectFrom('audit_events').select('seq').where('record_id', '=', referral.id).where('action', '=', 'REFERRAL_ACCEPTED').execute()).toHaveLength(1);

      // The same race straight through the service: one resolves, one is refused with the reason.
      await refer(officerAgent, caseId, { toOrganisationId: trust.id, reason: 'Second referral' });
      const another = await referralOf(caseId);
      const manager = await db().selectFrom('users').selectAll().where('organisation_id', '=', trust.id).where('role', '=', 'case_manager').executeTakeFirstOrThrow();
      const user = currentUser({ user: manager, password: '', totpSecret: undefined });
      const outcomes = await Promise.allSettled([
        testApp.services.referrals.accept(user, another.id, { version: another.version, caseType: null }, systemActor('a')),
        testApp.services.referrals.accept(user, another.id, { version: another.version, caseType: null }, systemActor('b')),
      ]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(ReferralStepRefused);
      expect((refused.reason as ReferralStepRefused).messageKey).toBe('referrals.conflicts.alreadyAccepted');
    });

    it('declining tells the referrer in-app and by e-mail, who can redirect to another organisation', async () => {
      const { trust, officer, officerAgent, managerAgent, caseId } = await policeAndTrust();
      await refer(officerAgent, caseId, { toOrganisationId: trust.id });
      const referral = await referralOf(caseId);
      const missingReason = await managerAgent.post(`/referrals/${referral.id}/decline`, { version: String(referral.version), declineCode: 'wrong_service' });
      expect(missingReason.statusCode).toBe(400);
      expect(missingReason.body).toContain('Explain to the referrer why you are declining');
      const declined = await managerAgent.post(`/referrals/${referral.id}/decline`, { version: String(referral.version), declineCode: 'wrong_service', declineReason: 'The community team is better placed' });
      expect(declined.statusCode).toBe(302);

      const notification = await db().selectFrom('notifications').selectAll().where('user_id', '=', officer.user.id).where('referral_id', '=', referral.id).executeTakeFirstOrThrow();
      expect(notification).toMatchObject({ kind: 'referral_declined', details: { reference: referral.reference, reason: 'The community team is better placed' } });
      const email = await db().selectFrom('email_outbox').selectAll().where('to_address', '=', officer.user.email).executeTakeFirstOrThrow();
      expect(email.subject).toBe(`Referral ${referral.reference} was declined`);
      expect(email.body_text).toContain('The community team is better placed');
      const page = await officerAgent.get(`/referrals/${referral.id}`);
      expect(page.body).toContain('Declined');
      expect(page.body).toContain('Refer to another organisation');

      const elsewhere = await createOrganisation(testApp, { name: `Community Team ${unique()}`, type: 'voluntary_sector' });
      await createSharingAgreement(testApp, [elsewhere.id, (await db().selectFrom('cases').select('lead_organisation_id').where('id', '=', caseId).executeTakeFirstOrThrow()).lead_organisation_id]);
      const form = await officerAgent.get(`/referrals/${referral.id}/redirect`);
      expect(form.statusCode).toBe(200);
      const redirected = await officerAgent.post(`/referrals/${referral.id}/redirect`, { ...BASE_FORM, toOrganisationId: elsewhere.id });
      expect(redirected.statusCode).toBe(302);
      const newer = await referralOf(caseId);
      expect(newer).toMatchObject({ to_organisation_id: elsewhere.id, redirected_from_id: referral.id, case_id: caseId, status: 'received' });
    });

    it('refuses to accept a withdrawn referral with a clear message, changing nothing', async () => {
      const { trust, officerAgent, managerAgent, caseId } = await policeAndTrust();
      await refer(officerAgent, caseId, { toOrganisationId: trust.id });
      const referral = await referralOf(caseId);
      await managerAgent.get(`/referrals/${referral.id}`);
      const withdrawn = await officerAgent.post(`/referrals/${referral.id}/withdraw`, { version: String(referral.version), withdrawalReason: 'She has been admitted to hospital' });
      expect(withdrawn.statusCode).toBe(302);
      const accept = await managerAgent.post(`/referrals/${referral.id}/accept`, { version: String(referral.version) });
      expect(accept.statusCode).toBe(302);
      expect((await managerAgent.follow(accept)).body).toContain('The referrer withdrew this referral, so it can no longer be accepted or declined.');
      const stored = await db().selectFrom('referrals').select(['status', 'accepted_case_id']).where('id', '=', referral.id).executeTakeFirstOrThrow();
      expect(stored).toEqual({ status: 'withdrawn', accepted_case_id: null });
      expect(await db().selectFrom('case_participants').select('organisation_id').where('case_id', '=', caseId).execute()).toHaveLength(0);
      expect((await managerAgent.get(`/cases/${caseId}`)).statusCode).toBe(404);
    });

    it('is not found for an organisation at neither end, and a stale form is refused', async () => {
      const { trust, officerAgent, managerAgent, caseId } = await policeAndTrust();
      await refer(officerAgent, caseId, { toOrganisationId: trust.id });
      const referral = await referralOf(caseId);
      const stranger = await createUser(testApp, { role: 'case_manager' });
      const strangerAgent = await signedInAgent(testApp, stranger.user);
      expect((await strangerAgent.get(`/referrals/${referral.id}`)).statusCode).toBe(404);
      expect((await strangerAgent.post(`/referrals/${referral.id}/accept`, { version: String(referral.version) })).statusCode).toBe(404);
      expect((await strangerAgent.get('/referrals/inbox')).body).not.toContain(referral.reference);
      // The referrer cannot accept its own referral: to it, that step does not exist.
      expect((await officerAgent.post(`/referrals/${referral.id}/accept`, { version: String(referral.version) })).statusCode).toBe(404);
      const stale = await managerAgent.post(`/referrals/${referral.id}/acknowledge`, { version: String(referral.version + 5) });
      expect((await managerAgent.follow(stale)).body).toContain('Someone else changed this referral since you opened it');
      expect((await db().selectFrom('referrals').select('status').where('id', '=', referral.id).executeTakeFirstOrThrow()).status).toBe('received');
    });

    it('accepting a referral about a person without a case opens a case led by the receiver with the person on it', async () => {
      const { police, trust, officerAgent, managerAgent } = await policeAndTrust();
      const person = await db().insertInto('people').values({ given_name: 'Rhian', family_name: `Pritchard${unique()}`, created_by_organisation_id: police.id }).returning(['id', 'family_name']).executeTakeFirstOrThrow();
      const sent = await officerAgent.post(`/people/${person.id}/referrals/new`, { ...BASE_FORM, toOrganisationId: trust.id });
      expect(sent.statusCode).toBe(302);
      const referral = await db().selectFrom('referrals').selectAll().where('person_id', '=', person.id).executeTakeFirstOrThrow();
      const page = await managerAgent.get(`/referrals/${referral.id}`);
      expect(page.body).toContain(`Rhian ${person.family_name}`);
      const noType = await managerAgent.post(`/referrals/${referral.id}/accept`, { version: String(referral.version) });
      expect(noType.statusCode).toBe(400);
      expect(noType.body).toContain('Select the type of case to open');
      expect((await managerAgent.post(`/referrals/${referral.id}/accept`, { version: String(referral.version), caseType: 'anti_social_behaviour' })).statusCode).toBe(302);
      const stored = await db().selectFrom('referrals').select(['status', 'accepted_case_id']).where('id', '=', referral.id).executeTakeFirstOrThrow();
      expect(stored.status).toBe('accepted');
      const kase = await db().selectFrom('cases').selectAll().where('id', '=', stored.accepted_case_id!).executeTakeFirstOrThrow();
      expect(kase.lead_organisation_id).toBe(trust.id);
      expect((await managerAgent.get(`/cases/${kase.id}/people`)).body).toContain(person.family_name);
    });
  });
});
