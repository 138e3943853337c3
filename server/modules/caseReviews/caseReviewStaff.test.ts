import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { TestAgent } from '../../../test/support/agent.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { createTestApp, TEST_BASE_URL, type TestApp } from '../../../test/support/testApp.ts';
import { addDays, londonToday } from '../../shared/dates.ts';
import type { CurrentUser } from '../../types.ts';
import type { CompleteApplication } from './caseReviewJourney.ts';
import { CaseReviewService, deadlinesOf } from './caseReviewService.ts';

let testApp: TestApp;

const db = () => testApp.database.db;
const from = { ip: '192.0.2.10', requestId: 'test-request', locale: 'en' as const };

function dateBoxes(field: string, isoDate: string) {
  const [year, month, day] = isoDate.split('-');
  return { [`${field}-day`]: String(Number(day)), [`${field}-month`]: String(Number(month)), [`${field}-year`]: year! };
}

function application(overrides: Partial<CompleteApplication> = {}, today = londonToday()): CompleteApplication {
  return {
    applyingFor: 'self',
    applicantName: 'Nia Jones',
    victimName: null,
    relationship: null,
    email: `applicant-${Math.random().toString(36).slice(2, 8)}@example.org`,
    phone: null,
    problemDescription: 'Loud music every night',
    problemLocation: 'Elm Court',
    incidents: [10, 40, 70].map((days) => ({ occurredOn: addDays(today, -days), reportedTo: ['council'], agencyReferences: null, description: `Music (${days} days ago)` })),
    impact: 'No sleep',
    vulnerable: false,
    vulnerabilityDetails: null,
    hateMotivated: 'no',
    ...overrides,
  };
}

async function caseManager() {
  const council = await createOrganisation(testApp, { name: `Council ${Math.random().toString(36).slice(2, 6)}` });
  const fixture = await createUser(testApp, { role: 'case_manager', organisationId: council.id, name: 'Cara Manager' });
  return { council, user: fixture.user, agent: await signedInAgent(testApp, fixture.user) };
}

const tokenFromEmail = async (to: string) => {
  const email = await db().selectFrom('email_outbox').select('body_text').where('to_address', '=', to).orderBy('created_at').executeTakeFirstOrThrow();
  return new RegExp(`${TEST_BASE_URL}/asb-case-review/track/([A-Za-z0-9_-]+)`).exec(email.body_text)![1]!;
};

describe.each(availableBackends())('ASB Case Reviews on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
  });
  afterAll(async () => testApp?.close());

  describe('ASB Case Review deadlines', () => {
    it('counts acknowledgement and threshold decision in working days, across Christmas and New Year bank holidays', async () => {
      // Thursday 24 December 2026, 10:00: 25 and 28 December and 1 January are bank holidays.
      const service = new CaseReviewService(db(), testApp.services.audit, { baseUrl: TEST_BASE_URL, now: () => new Date('2026-12-24T10:00:00Z') });
      const sent = await service.apply(application({}, '2026-12-24'), from);
      const row = await db().selectFrom('case_review_applications').selectAll().where('reference', '=', sent.reference).executeTakeFirstOrThrow();
      expect(row.acknowledge_due_at.toISOString()).toBe('2026-12-30T17:00:00.000Z');
      expect(row.decision_due_at.toISOString()).toBe('2027-01-12T17:00:00.000Z');
      expect(sent.reference).toMatch(/^CR-2026-\d{6}$/);

      expect(deadlinesOf(row, new Date('2026-12-30T16:59:00Z'))).toEqual({ acknowledgeOverdue: false, decisionOverdue: false });
      expect(deadlinesOf(row, new Date('2026-12-30T17:01:00Z'))).toEqual({ acknowledgeOverdue: true, decisionOverdue: false });
      expect(deadlinesOf({ ...row, acknowledged_at: new Date('2026-12-29T09:00:00Z') }, new Date('2027-01-13T09:00:00Z'))).toEqual({ acknowledgeOverdue: false, decisionOverdue: true });
    });

    it('flags overdue applications in the queue', async () => {
      const longAgo = new CaseReviewService(db(), testApp.services.audit, { baseUrl: TEST_BASE_URL, now: () => new Date('2026-01-05T10:00:00Z') });
      const old = await longAgo.apply(application({}, '2026-01-05'), from);
      const { agent } = await caseManager();
      const queue = await agent.get('/case-reviews');
      expect(queue.statusCode).toBe(200);
      const row = queue.body.split('data-testid="queue-row"').find((part) => part.includes(old.reference))!;
      expect(row).toContain('Overdue');
    });
  });

  describe('the ASB Case Review staff workflow', () => {
    it('takes an application from the queue to a sent outcome letter, e-mailing the applicant and auditing every step', async () => {
      const { council, user, agent } = await caseManager();
      const police = await createOrganisation(testApp, { name: 'Northumbria Police (test)', type: 'police' });
      const applied = application({ applicantName: 'Dafydd Price' });
      const sent = await testApp.services.caseReviews.apply(applied, from);
      const { id } = await db().selectFrom('case_review_applications').select('id').where('reference', '=', sent.reference).executeTakeFirstOrThrow();

      const queue = await agent.get('/case-reviews');
      expect(queue.body).toContain(sent.reference);
      const show = await agent.get(`/case-reviews/${id}`);
      expect(show.statusCode).toBe(200);
      expect(show.body).toContain('Dafydd Price');
      expect(show.body).toContain('Appears to meet the threshold: 3 qualifying complaints.');

      expect((await agent.post(`/case-reviews/${id}/acknowledge`, {})).headers.location).toBe(`/case-reviews/${id}`);
      // Acknowledging twice is refused with a message, not an error.
      const again = await agent.post(`/case-reviews/${id}/acknowledge`, {});
      expect(again.statusCode).toBe(302);
      expect((await agent.follow(again)).body).toContain('That step cannot be taken at this stage of the application.');

      const noReason = await agent.post(`/case-reviews/${id}/threshold-decision`, { decision: 'not_met', reason: '' });
      expect(noReason.statusCode).toBe(400);
      expect(noReason.body).toContain('Enter the reason the threshold is not met');
      expect((await agent.post(`/case-reviews/${id}/threshold-decision`, { decision: 'met', reason: '' })).statusCode).toBe(302);

      const pastMeeting = await agent.post(`/case-reviews/${id}/meeting`, { ...dateBoxes('meetingDate', addDays(londonToday(), -1)), meetingTime: '14:30', location: 'Civic Centre', organisationIds: [council.id, police.id] });
      expect(pastMeeting.statusCode).toBe(400);
      expect(pastMeeting.body).toContain('The date must be today or in the future');
      const meetingDay = addDays(londonToday(), 7);
      expect((await agent.post(`/case-reviews/${id}/meeting`, { ...dateBoxes('meetingDate', meetingDay), meetingTime: '14:30', location: 'Civic Centre', organisationIds: [council.id, police.id], otherParticipants: 'Applicant\nVictim Support advocate' })).statusCode).toBe(302);

      const noOwner = await agent.post(`/case-reviews/${id}/recommendations/new`, { recommendation: 'Install CCTV on the stairwell', ownerOrganisationId: '', ...dateBoxes('dueOn', addDays(londonToday(), 30)) });
      expect(noOwner.statusCode).toBe(400);
      expect(noOwner.body).toContain('Select the agency responsible');
      expect((await agent.post(`/case-reviews/${id}/recommendations/new`, { recommendation: 'Install CCTV on the stairwell', ownerOrganisationId: council.id, ...dateBoxes('dueOn', addDays(londonToday(), 30)) })).statusCode).toBe(302);
      const recommendation = await db().selectFrom('case_review_recommendations').selectAll().where('application_id', '=', id).executeTakeFirstOrThrow();
      expect(recommendation).toMatchObject({ owner_organisation_id: council.id, due_on: addDays(londonToday(), 30), status: 'agreed' });
      expect((await agent.post(`/case-reviews/${id}/recommendations/${recommendation.id}/status`, { status: 'in_progress' })).statusCode).toBe(302);

      // The letter cannot go before the outcome is recorded.
      const early = await agent.follow(await agent.post(`/case-reviews/${id}/letter/send`, {}));
      expect(early.body).toContain('Record the outcome before sending the letter.');
      expect((await agent.post(`/case-reviews/${id}/outcome`, { outcomeSummary: 'The agencies did not share information; a joint plan is now in place.' })).statusCode).toBe(302);

      const preview = await agent.get(`/case-reviews/${id}/letter`);
      expect(preview.statusCode).toBe(200);
      const letterText = /data-testid="letter">([\s\S]*?)<\/article>/.exec(preview.body)![1]!;
      for (const expected of ['Dear Dafydd Price', sent.reference, 'a joint plan is now in place', 'Install CCTV on the stairwell', council.name, 'threshold for a case review was met']) expect(letterText).toContain(expected);
      expect(letterText).not.toContain('((');
      expect(preview.body).toContain('Send the letter to the applicant');

      expect((await agent.post(`/case-reviews/${id}/letter/send`, {})).statusCode).toBe(302);
      const done = await db().selectFrom('case_review_applications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(done.status).toBe('outcome_sent');
      expect(done.acknowledged_by).toBe(user.id);
      expect(done.decided_by).toBe(user.id);
      expect(done.threshold_decision).toBe('met');
      expect(done.outcome_letter).toContain('Install CCTV on the stairwell');
      const meeting = await db().selectFrom('case_review_meetings').selectAll().where('application_id', '=', id).executeTakeFirstOrThrow();
      expect(meeting.location).toBe('Civic Centre');
      const participants = await db().selectFrom('case_review_meeting_organisations').select('organisation_id').where('meeting_id', '=', meeting.id).execute();
      expect(participants.map((row) => row.organisation_id).sort()).toEqual([council.id, police.id].sort());

      const emails = await db().selectFrom('email_outbox').select(['subject', 'body_text']).where('to_address', '=', applied.email).orderBy('created_at').execute();
      expect(emails.map((email) => email.subject)).toEqual([
        `ASB Case Review application ${sent.reference} received`,
        `ASB Case Review ${sent.reference}: acknowledged`,
        `ASB Case Review ${sent.reference}: a review will take place`,
        `ASB Case Review ${sent.reference}: review meeting arranged`,
        `ASB Case Review ${sent.reference}: outcome`,
      ]);
      expect(emails.at(-1)!.body_text).toContain('Install CCTV on the stairwell');

      const actions = await db().selectFrom('audit_events').select(['action', 'actor_user_id']).where('record_type', '=', 'case_review').where('record_id', '=', id).orderBy('seq').execute();
      const staffSteps = actions.filter((row) => row.actor_user_id === user.id).map((row) => row.action);
      for (const action of ['CASE_REVIEW_VIEWED', 'CASE_REVIEW_ACKNOWLEDGED', 'CASE_REVIEW_THRESHOLD_DECIDED', 'CASE_REVIEW_MEETING_SCHEDULED', 'CASE_REVIEW_RECOMMENDATION_ADDED', 'CASE_REVIEW_RECOMMENDATION_UPDATED', 'CASE_REVIEW_OUTCOME_RECORDED', 'CASE_REVIEW_OUTCOME_SENT'] as const) {
        expect(staffSteps, action).toContain(action);
      }
      const events = await db().selectFrom('case_review_events').select('kind').where('application_id', '=', id).orderBy('occurred_at').execute();
      expect(events.map((event) => event.kind)).toEqual(['applied', 'acknowledged', 'threshold_decided', 'meeting_scheduled', 'recommendation_added', 'recommendation_updated', 'outcome_recorded', 'outcome_sent']);

      // The applicant sees the status, never the staff's notes; and can ask once for another look.
      const token = await tokenFromEmail(applied.email);
      const applicant = new TestAgent(testApp.app);
      const tracking = await applicant.get(`/asb-case-review/track/${token}`);
      expect(tracking.body).toContain('Outcome sent');
      expect(tracking.body).not.toContain('joint plan');
      expect(tracking.body).not.toContain('Civic Centre');
      const noReason2 = await applicant.post(`/asb-case-review/track/${token}/appeal`, { reason: '' });
      expect(noReason2.statusCode).toBe(400);
      expect(noReason2.body).toContain('Tell us why the decision should be looked at again');
      expect((await applicant.post(`/asb-case-review/track/${token}/appeal`, { reason: 'Nothing has changed on the stairs.' })).statusCode).toBe(302);
      const twice = await applicant.follow(await applicant.post(`/asb-case-review/track/${token}/appeal`, { reason: 'Again' }));
      expect(twice.body).toContain('You have already asked for another look at this application.');
      expect(await db().selectFrom('case_review_appeals').select('reason').where('application_id', '=', id).execute()).toEqual([{ reason: 'Nothing has changed on the stairs.' }]);
      const appealAudit = await db().selectFrom('audit_events').select('actor_label').where('action', '=', 'CASE_REVIEW_APPEAL_REQUESTED').where('record_id', '=', id).executeTakeFirstOrThrow();
      expect(appealAudit.actor_label).toBe(`applicant:${sent.reference}`);

      expect((await agent.get(`/case-reviews/${id}`)).body).toContain('Decide on appeal');
      expect((await agent.post(`/case-reviews/${id}/appeal`, { appealDecision: 'not_upheld', response: '' })).statusCode).toBe(400);
      expect((await agent.post(`/case-reviews/${id}/appeal`, { appealDecision: 'not_upheld', response: 'The review was carried out properly; the plan continues.' })).statusCode).toBe(302);
      const closed = await db().selectFrom('case_review_applications').select('status').where('id', '=', id).executeTakeFirstOrThrow();
      expect(closed.status).toBe('closed');
      const last = await db().selectFrom('email_outbox').select(['subject', 'body_text']).where('to_address', '=', applied.email).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
      expect(last.subject).toContain('was not upheld');
      expect(last.body_text).toContain('The review was carried out properly');
      expect((await applicant.get(`/asb-case-review/track/${token}`)).body).toContain('Not upheld');
    });

    it('records a threshold not met with its reason, which the tracking page does not show', async () => {
      const { agent } = await caseManager();
      const applied = application({ incidents: [] as never, email: 'notmet@example.org' });
      applied.incidents = [{ occurredOn: addDays(londonToday(), -5), reportedTo: ['police'], agencyReferences: null, description: 'One incident' }];
      const sent = await testApp.services.caseReviews.apply(applied, from);
      expect(sent.threshold.met).toBe(false);
      const { id } = await db().selectFrom('case_review_applications').select('id').where('reference', '=', sent.reference).executeTakeFirstOrThrow();
      expect((await agent.post(`/case-reviews/${id}/threshold-decision`, { decision: 'not_met', reason: 'Only one incident was reported in the period.' })).statusCode).toBe(302);
      const row = await db().selectFrom('case_review_applications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'threshold_not_met', threshold_decision: 'not_met', decision_reason: 'Only one incident was reported in the period.' });
      expect(row.acknowledged_at).not.toBeNull();
      const tracking = await new TestAgent(testApp.app).get(`/asb-case-review/track/${await tokenFromEmail('notmet@example.org')}`);
      expect(tracking.body).toContain('Threshold not met');
      expect(tracking.body).not.toContain('Only one incident was reported');
      expect(tracking.body).toContain('If you disagree');
    });

    it('lets the partnership administrator change the threshold: a lower number for a vulnerable person then applies', async () => {
      const admin = await createUser(testApp, { role: 'partnership_admin' });
      const agent = await signedInAgent(testApp, admin.user);
      const bad = await agent.post('/case-reviews/settings', { thresholdComplaints: '0', thresholdPeriodMonths: '6', vulnerableThresholdComplaints: 'two', singleHateIncident: 'no', acknowledgeWorkingDays: '2', decisionWorkingDays: '10', outcomeLetterTemplate: 'Dear ((applicantName))' });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('Enter a whole number from 1 to 20');
      expect(bad.body).toContain('value="two"');
      const page = await agent.get('/case-reviews/settings');
      const template = (await testApp.services.caseReviews.settings()).outcome_letter_template;
      expect(page.body).toContain('((applicantName))');
      const saved = await agent.post('/case-reviews/settings', { thresholdComplaints: '3', thresholdPeriodMonths: '6', vulnerableThresholdComplaints: '2', singleHateIncident: 'yes', acknowledgeWorkingDays: '2', decisionWorkingDays: '10', outcomeLetterTemplate: template });
      expect(saved.statusCode).toBe(302);
      const two = application({ vulnerable: true });
      two.incidents = two.incidents.slice(0, 2);
      const sent = await testApp.services.caseReviews.apply(two, from);
      expect(sent.threshold).toMatchObject({ met: true, rule: 'vulnerable' });
      const audit = await db().selectFrom('audit_events').select('details').where('action', '=', 'CASE_REVIEW_SETTINGS_UPDATED').executeTakeFirstOrThrow();
      expect(audit.details).toMatchObject({ vulnerableThresholdComplaints: 2, singleHateIncident: true });
      // Put the defaults back for the other tests in this file.
      await agent.post('/case-reviews/settings', { thresholdComplaints: '3', thresholdPeriodMonths: '6', vulnerableThresholdComplaints: '', singleHateIncident: 'no', acknowledgeWorkingDays: '2', decisionWorkingDays: '10', outcomeLetterTemplate: template });
    });

    it('counts the year for publication: applications, threshold met and not met, reviews held, recommendations made', async () => {
      const year = Number(londonToday().slice(0, 4));
      const before = await testApp.services.caseReviews.annualStatistics(year);
      const sent = await testApp.services.caseReviews.apply(application(), from);
      const { id } = await db().selectFrom('case_review_applications').select('id').where('reference', '=', sent.reference).executeTakeFirstOrThrow();
      const { user, council } = await caseManager();
      const role = user.role as CurrentUser['role'];
      const actor = { userId: user.id, label: user.email, organisationId: council.id, role, ip: null, requestId: null };
      const me: CurrentUser = { id: user.id, email: user.email, name: user.name, role, organisationId: council.id, organisationName: council.name, locale: null, mfaEnabled: true };
      await testApp.services.caseReviews.decideThreshold(me, id, { decision: 'met', reason: null }, actor);
      await testApp.services.caseReviews.scheduleMeeting(me, id, { meetingDate: londonToday(), meetingTime: '23:59', location: 'Online', organisationIds: [council.id], otherParticipants: null }, actor);
      await testApp.services.caseReviews.addRecommendation(me, id, { recommendation: 'Mediation', ownerOrganisationId: council.id, dueOn: addDays(londonToday(), 10) }, actor);
      await testApp.services.caseReviews.recordOutcome(me, id, 'Mediation agreed', actor);
      await testApp.services.caseReviews.sendLetter(me, id, actor);
      const after = await testApp.services.caseReviews.annualStatistics(year);
      expect(after).toEqual({ ...before, applications: before.applications + 1, thresholdMet: before.thresholdMet + 1, reviewsHeld: before.reviewsHeld + 1, recommendationsMade: before.recommendationsMade + 1 });
      expect(await testApp.services.caseReviews.annualStatistics(1999)).toEqual({ year: 1999, applications: 0, thresholdMet: 0, thresholdNotMet: 0, reviewsHeld: 0, recommendationsMade: 0 });

      const analyst = await createUser(testApp, { role: 'analyst' });
      const page = await (await signedInAgent(testApp, analyst.user)).get(`/case-reviews/statistics?year=${year}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`Applications received in ${year}`);
    });
  });

  describe('who may work on ASB Case Reviews', () => {
    it('lets case managers and partnership administrators in, and nobody else', async () => {
      const sent = await testApp.services.caseReviews.apply(application(), from);
      const { id } = await db().selectFrom('case_review_applications').select('id').where('reference', '=', sent.reference).executeTakeFirstOrThrow();
      const outcomes: Record<string, number[]> = {};
      for (const role of ['partnership_admin', 'case_manager', 'case_worker', 'organisation_admin', 'analyst', 'read_only_partner'] as const) {
        const agent = await signedInAgent(testApp, (await createUser(testApp, { role })).user);
        outcomes[role] = [(await agent.get('/case-reviews')).statusCode, (await agent.get(`/case-reviews/${id}`)).statusCode, (await agent.get('/case-reviews/settings')).statusCode];
      }
      expect(outcomes).toEqual({
        partnership_admin: [200, 200, 200],
        case_manager: [200, 200, 403],
        case_worker: [403, 403, 403],
        organisation_admin: [403, 403, 403],
        analyst: [403, 403, 403],
        read_only_partner: [403, 403, 403],
      });
      const anonymous = await new TestAgent(testApp.app).get(`/case-reviews/${id}`);
      expect(anonymous.statusCode).toBe(302);
      expect(String(anonymous.headers.location)).toMatch(/^\/sign-in/);
      const { agent } = await caseManager();
      expect((await agent.get('/case-reviews/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
      expect((await agent.get('/case-reviews/not-a-uuid')).statusCode).toBe(404);
    });
  });
});
