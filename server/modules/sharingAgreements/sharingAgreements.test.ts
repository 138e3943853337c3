import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncident, createPerson } from '../../../test/factories/alertIncidents.ts';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { createSharingAgreement } from '../../../test/factories/sharingAgreements.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { addDays, londonToday } from '../../shared/dates.ts';
import { translatorFor } from '../../shared/i18n/index.ts';
import { formatDate } from '../../shared/time.ts';
import { organisationsSharingWith } from './sharingAgreementsService.ts';

let testApp: TestApp;
const db = () => testApp.database.db;
const unique = () => Math.random().toString(36).slice(2, 8);

const REFERRAL_FORM = {
  urgency: 'working_days_5',
  reason: 'Repeated domestic abuse reported',
  requested: 'Specialist domestic abuse support',
  informationShared: 'Three call-outs this month; children in the house.',
  lawfulBasis: 'public_task',
  consent: 'given',
};

/** Police lead a domestic abuse case; a council is the other organisation; a third stands by. */
async function scenario() {
  const police = await createOrganisation(testApp, { name: `Police ${unique()}`, type: 'police' });
  const council = await createOrganisation(testApp, { name: `Council ${unique()}`, type: 'district_borough_council' });
  const third = await createOrganisation(testApp, { name: `Third ${unique()}`, type: 'voluntary_sector' });
  const manager = await createUser(testApp, { role: 'case_manager', organisationId: police.id });
  const agent = await signedInAgent(testApp, manager.user);
  const opened = await agent.post('/cases/new', { caseType: 'domestic_abuse', priority: 'high', summary: 'Domestic abuse at Elm Court', area: 'Byker' });
  expect(opened.statusCode).toBe(302);
  const caseId = String(opened.headers.location).split('/').pop()!;
  return { police, council, third, manager, agent, caseId };
}

type Scenario = Awaited<ReturnType<typeof scenario>>;

/** The two ways of sharing a case with another organisation, each with how to see it happened. */
const sharings = {
  referral: {
    field: 'toOrganisationId',
    act: (s: Scenario, to: string) => s.agent.post(`/cases/${s.caseId}/referrals/new`, { ...REFERRAL_FORM, toOrganisationId: to }),
    shared: async (s: Scenario, to: string) => (await db().selectFrom('referrals').select('id').where('case_id', '=', s.caseId).where('to_organisation_id', '=', to).execute()).length > 0,
    auditAction: 'REFERRAL_SENT',
  },
  'case participation': {
    field: 'organisationId',
    act: (s: Scenario, to: string) => s.agent.post(`/cases/${s.caseId}/agencies`, { organisationId: to }),
    shared: async (s: Scenario, to: string) => (await db().selectFrom('case_participants').select('case_id').where('case_id', '=', s.caseId).where('organisation_id', '=', to).execute()).length > 0,
    auditAction: 'CASE_AGENCY_ADDED',
  },
} as const;

async function refusals(caseId: string) {
  return db().selectFrom('audit_events').select(['action', 'details', 'actor_user_id']).where('action', '=', 'SHARING_REFUSED').where('record_id', '=', caseId).execute();
}

describe.each(availableBackends())('information-sharing agreements on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
  });
  afterAll(async () => testApp?.close());

  describe.each(Object.entries(sharings))('enforcement on %s', (name, sharing) => {
    const refusedWith = async (s: Scenario, to: string, message: string, reason: string) => {
      const response = await sharing.act(s, to);
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain(message);
      expect(response.body).toContain(`href="#${sharing.field}"`);
      expect(await sharing.shared(s, to)).toBe(false);
      const audited = await refusals(s.caseId);
      expect(audited).toHaveLength(1);
      expect(audited[0]!.actor_user_id).toBe(s.manager.user.id);
      expect(audited[0]!.details).toMatchObject({ reason, fromOrganisationId: s.police.id, toOrganisationId: to, purpose: 'domestic_abuse_marac', sharing: name === 'referral' ? 'referral' : 'case_participation' });
    };

    it('allows sharing covered by an active agreement signed by both, and records which agreement', async () => {
      const s = await scenario();
      const agreement = await createSharingAgreement(testApp, [s.police.id, s.council.id], { purposes: ['domestic_abuse_marac'] });
      const response = await sharing.act(s, s.council.id);
      expect(response.statusCode).toBe(302);
      expect(await sharing.shared(s, s.council.id)).toBe(true);
      const audit = await db().selectFrom('audit_events').select('details').where('action', '=', sharing.auditAction).where('actor_user_id', '=', s.manager.user.id).executeTakeFirstOrThrow();
      expect(audit.details).toMatchObject({ purpose: 'domestic_abuse_marac', sharingAgreement: agreement.reference });
      expect(await refusals(s.caseId)).toHaveLength(0);
    });

    it('refuses under an expired agreement, naming it and the day it ended, and audits the refusal', async () => {
      const s = await scenario();
      const endsOn = addDays(londonToday(), -1);
      const agreement = await createSharingAgreement(testApp, [s.police.id, s.council.id], { endsOn, reviewOn: addDays(londonToday(), -30) });
      await refusedWith(s, s.council.id, `The agreement ${agreement.reference} expired on ${formatDate(endsOn, 'en')}.`, 'expired');
    });

    it('refuses when the agreement is for another purpose', async () => {
      const s = await scenario();
      await createSharingAgreement(testApp, [s.police.id, s.council.id], { purposes: ['asb_case_management', 'problem_solving'] });
      await refusedWith(s, s.council.id, `No active information-sharing agreement between ${s.police.name} and ${s.council.name} for domestic abuse (MARAC).`, 'noAgreement');
    });

    it('refuses when there is no agreement at all', async () => {
      const s = await scenario();
      await refusedWith(s, s.council.id, `No active information-sharing agreement between ${s.police.name} and ${s.council.name} for domestic abuse (MARAC).`, 'noAgreement');
    });

    it('refuses when the receiving organisation is not a party', async () => {
      const s = await scenario();
      await createSharingAgreement(testApp, [s.police.id, s.third.id]);
      await refusedWith(s, s.council.id, `No active information-sharing agreement between ${s.police.name} and ${s.council.name} for domestic abuse (MARAC).`, 'noAgreement');
    });

    it('refuses while a party has not signed', async () => {
      const s = await scenario();
      const agreement = await createSharingAgreement(testApp, [s.police.id, s.council.id], { status: 'draft', signedBy: [s.police.id] });
      await refusedWith(s, s.council.id, `The agreement ${agreement.reference} has not been signed by ${s.council.name} yet.`, 'notSigned');
    });

    it('refuses when the agreement does not cover special category data', async () => {
      const s = await scenario();
      const agreement = await createSharingAgreement(testApp, [s.police.id, s.council.id], { dataCategories: ['personal', 'criminal_offence'] });
      await refusedWith(s, s.council.id, `The agreement ${agreement.reference} does not cover special category data`, 'categoriesMissing');
    });

    it('refuses under a withdrawn agreement', async () => {
      const s = await scenario();
      const agreement = await createSharingAgreement(testApp, [s.police.id, s.council.id], { status: 'withdrawn' });
      await refusedWith(s, s.council.id, `The agreement ${agreement.reference} has been withdrawn.`, 'withdrawn');
    });
  });

  it('an expired agreement stops new sharing but leaves what was shared', async () => {
    const s = await scenario();
    const agreement = await createSharingAgreement(testApp, [s.police.id, s.council.id]);
    expect((await sharings['case participation'].act(s, s.council.id)).statusCode).toBe(302);
    await db().updateTable('sharing_agreements').set({ ends_on: addDays(londonToday(), -1), review_on: addDays(londonToday(), -2) }).where('id', '=', agreement.id).execute();
    const { expired } = await testApp.services.sharingAgreements.remindAndExpire();
    expect(expired).toBeGreaterThanOrEqual(1);
    expect(await sharings['case participation'].shared(s, s.council.id)).toBe(true);
    const councilWorker = await createUser(testApp, { role: 'case_worker', organisationId: s.council.id });
    expect((await (await signedInAgent(testApp, councilWorker.user)).get(`/cases/${s.caseId}`)).statusCode).toBe(200);
    expect((await sharings.referral.act(s, s.council.id)).statusCode).toBe(400);
  });

  it('lets the partnership switch enforcement off and on, audited', async () => {
    const s = await scenario();
    const admin = await createUser(testApp, { role: 'partnership_admin', organisationId: s.police.id });
    const adminAgent = await signedInAgent(testApp, admin.user);
    expect((await adminAgent.post('/sharing-agreements/settings', { enforcementEnabled: 'no', reviewReminderDays: '30' })).statusCode).toBe(302);
    try {
      expect((await sharings['case participation'].act(s, s.council.id)).statusCode).toBe(302);
      expect(await sharings['case participation'].shared(s, s.council.id)).toBe(true);
    } finally {
      expect((await adminAgent.post('/sharing-agreements/settings', { enforcementEnabled: 'yes', reviewReminderDays: '30' })).statusCode).toBe(302);
    }
    expect((await sharings.referral.act(s, s.council.id)).statusCode).toBe(400);
    const changes = await db().selectFrom('audit_events').select('details').where('action', '=', 'SHARING_SETTINGS_UPDATED').where('actor_user_id', '=', admin.user.id).orderBy('seq').execute();
    expect(changes.map((row) => (row.details as { enforcementEnabled: { to: boolean } }).enforcementEnabled.to)).toEqual([false, true]);
    const form = await adminAgent.post('/sharing-agreements/settings', { enforcementEnabled: 'maybe', reviewReminderDays: '0' });
    expect(form.statusCode).toBe(400);
    expect(form.body).toContain('Select whether to enforce agreements');
  });

  /**
   * The third leg: alerts. A person known to health only is a repeat victim (three incidents in
   * a week); the council sees the alert only while health shares hidden-harm signals with it.
   */
  describe('enforcement on alerts', () => {
    async function healthOnlyAlert() {
      const health = await createOrganisation(testApp, { name: `Health ${unique()}`, type: 'nhs_trust' });
      const council = await createOrganisation(testApp, { name: `Council ${unique()}` });
      const healthWorker = await createUser(testApp, { role: 'case_worker', organisationId: health.id });
      const councilWorker = await createUser(testApp, { role: 'case_worker', organisationId: council.id });
      const councilManager = await createUser(testApp, { role: 'case_manager', organisationId: council.id });
      const family = `Hidden${unique()}`;
      const person = await createPerson(db(), { given: 'Sam', family });
      const asOf = new Date();
      for (const daysAgo of [1, 2, 3]) {
        await createIncident(db(), { organisationId: health.id, asOf, daysAgo, people: [{ personId: person, role: 'complainant' }], category: 'concern_for_welfare', summary: `Health note ${family}`, address: `12 ${family} Row` });
      }
      await testApp.services.alerts.runRules(asOf);
      const alert = await db().selectFrom('alerts').select('id').where('person_id', '=', person).where('rule_code', '=', 'repeat_victim').executeTakeFirstOrThrow();
      return {
        health, council, family, alertId: alert.id, councilManager,
        healthAgent: await signedInAgent(testApp, healthWorker.user),
        councilAgent: await signedInAgent(testApp, councilWorker.user),
      };
    }
    type AlertWorld = Awaited<ReturnType<typeof healthOnlyAlert>>;

    /** What the council sees of the alert on the list (and its count), its page, and triage. */
    async function councilSees(w: AlertWorld): Promise<boolean> {
      const list = await w.councilAgent.get('/alerts');
      expect(list.statusCode).toBe(200);
      const listed = list.body.includes(w.family);
      const count = /data-testid="alert-count">([^<]*)</.exec(list.body)?.[1]?.trim();
      const page = await w.councilAgent.get(`/alerts/${w.alertId}`);
      const assign = await w.councilAgent.post(`/alerts/${w.alertId}/assign`, { assigneeId: w.councilManager.user.id });
      if (listed) {
        expect(count).toBe('1 alert');
        expect(page.statusCode).toBe(200);
        // Shared in full: the health summary and address, not only category, date and agency.
        expect(page.body).toContain(`Health note ${w.family}`);
        expect(page.body).toContain(`12 ${w.family} Row`);
        expect(assign.statusCode).toBe(302);
        expect((await db().selectFrom('alerts').select('assigned_to').where('id', '=', w.alertId).executeTakeFirstOrThrow()).assigned_to).toBe(w.councilManager.user.id);
        await db().updateTable('alerts').set({ assigned_to: null }).where('id', '=', w.alertId).execute();
      } else {
        expect(count).toBe('0 alerts');
        expect(page.statusCode).toBe(404);
        expect(assign.statusCode).toBe(404);
        expect((await db().selectFrom('alerts').select('assigned_to').where('id', '=', w.alertId).executeTakeFirstOrThrow()).assigned_to).toBeNull();
      }
      return listed;
    }

    const yesterday = () => addDays(londonToday(), -1);
    const states: [string, (w: AlertWorld) => Promise<unknown>, boolean][] = [
      ['no agreement', async () => undefined, false],
      ['a live agreement for hidden-harm signals', (w) => createSharingAgreement(testApp, [w.health.id, w.council.id], { purposes: ['hidden_harm_signals'] }), true],
      ['an expired agreement', (w) => createSharingAgreement(testApp, [w.health.id, w.council.id], { purposes: ['hidden_harm_signals'], endsOn: yesterday(), reviewOn: addDays(londonToday(), -30) }), false],
      ['a withdrawn (suspended) agreement', (w) => createSharingAgreement(testApp, [w.health.id, w.council.id], { purposes: ['hidden_harm_signals'], status: 'withdrawn' }), false],
      ['an agreement for another purpose', (w) => createSharingAgreement(testApp, [w.health.id, w.council.id], { purposes: ['asb_case_management', 'domestic_abuse_marac'] }), false],
      ['an agreement the council is not a party to', async (w) => createSharingAgreement(testApp, [w.health.id, (await createOrganisation(testApp)).id], { purposes: ['hidden_harm_signals'] }), false],
      ['an agreement not yet signed by the council', (w) => createSharingAgreement(testApp, [w.health.id, w.council.id], { purposes: ['hidden_harm_signals'], status: 'draft', signedBy: [w.health.id] }), false],
      ['an agreement without special category data', (w) => createSharingAgreement(testApp, [w.health.id, w.council.id], { purposes: ['hidden_harm_signals'], dataCategories: ['personal'] }), false],
    ];

    it.each(states)('with %s', async (_state, arrange, visible) => {
      const w = await healthOnlyAlert();
      await arrange(w);
      expect(await councilSees(w)).toBe(visible);
      // Health, whose incidents they are, sees the alert whatever the agreements say.
      expect((await w.healthAgent.get(`/alerts/${w.alertId}`)).statusCode).toBe(200);
    });

    it('shows the alert to the council from signature until the agreement expires or is withdrawn', async () => {
      const w = await healthOnlyAlert();
      expect(await councilSees(w)).toBe(false);
      const agreement = await createSharingAgreement(testApp, [w.health.id, w.council.id], { purposes: ['hidden_harm_signals'], status: 'draft', signedBy: [w.health.id] });
      expect(await councilSees(w)).toBe(false);
      const councilAdmin = await createUser(testApp, { role: 'organisation_admin', organisationId: w.council.id });
      expect((await (await signedInAgent(testApp, councilAdmin.user)).post(`/sharing-agreements/${agreement.id}/sign`, { organisationId: w.council.id, confirm: 'yes' })).statusCode).toBe(302);
      expect(await councilSees(w)).toBe(true);

      await db().updateTable('sharing_agreements').set({ ends_on: yesterday(), review_on: addDays(londonToday(), -30) }).where('id', '=', agreement.id).execute();
      expect(await councilSees(w)).toBe(false);
      await db().updateTable('sharing_agreements').set({ ends_on: addDays(londonToday(), 365), review_on: addDays(londonToday(), 30) }).where('id', '=', agreement.id).execute();
      expect(await councilSees(w)).toBe(true);

      const admin = await createUser(testApp, { role: 'partnership_admin', organisationId: w.council.id });
      expect((await (await signedInAgent(testApp, admin.user)).post(`/sharing-agreements/${agreement.id}/withdraw`, { reason: 'Under review after a breach' })).statusCode).toBe(302);
      expect(await councilSees(w)).toBe(false);
    });
  });

  describe('accepting a referral', () => {
    /** A referral sent to the council under a live agreement, and the council manager who may accept it. */
    async function sentReferral() {
      const s = await scenario();
      const agreement = await createSharingAgreement(testApp, [s.police.id, s.council.id], { purposes: ['domestic_abuse_marac'] });
      expect((await sharings.referral.act(s, s.council.id)).statusCode).toBe(302);
      const referral = await db().selectFrom('referrals').select(['id', 'version']).where('case_id', '=', s.caseId).executeTakeFirstOrThrow();
      const receiver = await createUser(testApp, { role: 'case_manager', organisationId: s.council.id });
      return { ...s, agreement, referral, receiverAgent: await signedInAgent(testApp, receiver.user), receiver };
    }
    const stateOf = async (referralId: string) => (await db().selectFrom('referrals').select(['status', 'accepted_case_id']).where('id', '=', referralId).executeTakeFirstOrThrow());
    const councilOnCase = async (caseId: string, councilId: string) =>
      (await db().selectFrom('case_participants').select('case_id').where('case_id', '=', caseId).where('organisation_id', '=', councilId).execute()).length > 0;

    it('accepts while the agreement that allowed sending is still live, naming it in the audit', async () => {
      const r = await sentReferral();
      const accepted = await r.receiverAgent.post(`/referrals/${r.referral.id}/accept`, { version: String(r.referral.version) });
      expect(accepted.statusCode).toBe(302);
      expect((await stateOf(r.referral.id)).status).toBe('accepted');
      expect(await councilOnCase(r.caseId, r.council.id)).toBe(true);
      const audit = await db().selectFrom('audit_events').select('details').where('action', '=', 'REFERRAL_ACCEPTED').where('record_id', '=', r.referral.id).executeTakeFirstOrThrow();
      expect(audit.details).toMatchObject({ purpose: 'domestic_abuse_marac', sharingAgreement: r.agreement.reference });
    });

    it.each([
      ['withdrawn', { status: 'withdrawn' as const }, (reference: string) => `The agreement ${reference} has been withdrawn.`],
      ['expired', { ends_on: addDays(londonToday(), -1), review_on: addDays(londonToday(), -30) }, (reference: string) => `The agreement ${reference} expired on ${formatDate(addDays(londonToday(), -1), 'en')}.`],
    ])('refuses when the agreement was %s after sending, changes nothing and audits the refusal', async (reason, change, message) => {
      const r = await sentReferral();
      await db().updateTable('sharing_agreements').set(change).where('id', '=', r.agreement.id).execute();
      const refused = await r.receiverAgent.post(`/referrals/${r.referral.id}/accept`, { version: String(r.referral.version) });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain(message(r.agreement.reference));
      expect(refused.body).toContain('href="#sharing"');
      expect(refused.body).toContain('id="sharing"');
      expect(await stateOf(r.referral.id)).toEqual({ status: 'received', accepted_case_id: null });
      expect(await councilOnCase(r.caseId, r.council.id)).toBe(false);
      expect(await db().selectFrom('audit_events').select('seq').where('action', '=', 'REFERRAL_ACCEPTED').where('record_id', '=', r.referral.id).execute()).toHaveLength(0);
      const audited = await refusals(r.caseId);
      expect(audited).toHaveLength(1);
      expect(audited[0]!.actor_user_id).toBe(r.receiver.user.id);
      expect(audited[0]!.details).toMatchObject({ reason, sharing: 'referral_acceptance', referralId: r.referral.id, fromOrganisationId: r.police.id, toOrganisationId: r.council.id, purpose: 'domestic_abuse_marac' });
    });
  });

  describe('refusal messages in the reader’s language', () => {
    it('writes the date of an expired agreement in Welsh for a Welsh reader, and in Malay for a Malay reader', async () => {
      const s = await scenario();
      const endsOn = addDays(londonToday(), -1);
      const agreement = await createSharingAgreement(testApp, [s.police.id, s.council.id], { endsOn, reviewOn: addDays(londonToday(), -30) });
      await db().updateTable('users').set({ locale: 'cy' }).where('id', '=', s.manager.user.id).execute();
      const welsh = await sharings['case participation'].act(s, s.council.id);
      expect(welsh.statusCode).toBe(400);
      const welshDate = formatDate(endsOn, 'cy');
      expect(welshDate).not.toBe(formatDate(endsOn, 'en'));
      expect(welsh.body).toContain(`Daeth y cytundeb ${agreement.reference} i ben ar ${welshDate}.`);
      expect(welsh.body).not.toContain(formatDate(endsOn, 'en'));

      await db().updateTable('users').set({ locale: 'ms' }).where('id', '=', s.manager.user.id).execute();
      const malay = await sharings.referral.act(s, s.council.id);
      expect(malay.statusCode).toBe(400);
      expect(malay.body).toContain(`Perjanjian ${agreement.reference} tamat tempoh pada ${formatDate(endsOn, 'ms')}.`);
    });

    it('formats the dates of an overlapping agreement in the reader’s language', () => {
      const message = '$t(sharingAgreements.errors.overlap, {"reference":"ISA-009","organisations":"A, B","purpose":"hidden_harm_signals","start":"2026-01-01","end":"2026-12-31"})';
      expect(translatorFor('cy')(message)).toContain(`o ${formatDate('2026-01-01', 'cy')} i ${formatDate('2026-12-31', 'cy')}`);
      expect(translatorFor('en')(message)).toContain('from 1 January 2026 to 31 December 2026');
    });
  });

  describe('the register', () => {
    const validForm = (parties: string[], overrides: Record<string, string | string[]> = {}) => ({
      title: 'Domestic abuse information sharing',
      parties,
      purposes: ['domestic_abuse_marac'],
      dataCategories: ['personal', 'special_category'],
      lawfulBases: ['public_task', 'substantial_public_interest'],
      schedule1Condition: 'Paragraph 18',
      retention: 'Six years',
      securityRequirements: 'Secure e-mail only',
      'startsOn-day': '1', 'startsOn-month': '4', 'startsOn-year': '2026',
      'reviewOn-day': '1', 'reviewOn-month': '10', 'reviewOn-year': '2026',
      'endsOn-day': '31', 'endsOn-month': '3', 'endsOn-year': '2027',
      ...overrides,
    });

    it('records a draft, each party signs for itself, and the last signature makes it active', async () => {
      const police = await createOrganisation(testApp, { name: `Police ${unique()}`, type: 'police' });
      const council = await createOrganisation(testApp, { name: `Council ${unique()}` });
      const admin = await createUser(testApp, { role: 'partnership_admin', organisationId: council.id });
      const policeAdmin = await createUser(testApp, { role: 'organisation_admin', organisationId: police.id });
      const adminAgent = await signedInAgent(testApp, admin.user);
      const created = await adminAgent.post('/sharing-agreements/new', validForm([police.id, council.id]));
      expect(created.statusCode).toBe(302);
      const agreementPath = String(created.headers.location);
      const agreementId = agreementPath.split('/').pop()!;
      expect((await db().selectFrom('sharing_agreements').select('status').where('id', '=', agreementId).executeTakeFirstOrThrow()).status).toBe('draft');

      // A party's own administrator signs only for their own organisation.
      const policeAgent = await signedInAgent(testApp, policeAdmin.user);
      const wrong = await policeAgent.post(`${agreementPath}/sign`, { organisationId: council.id, confirm: 'yes' });
      expect(wrong.statusCode).toBe(400);
      expect((await policeAgent.post(`${agreementPath}/sign`, { organisationId: police.id })).statusCode).toBe(400);
      expect((await policeAgent.post(`${agreementPath}/sign`, { organisationId: police.id, confirm: 'yes' })).statusCode).toBe(302);
      expect((await policeAgent.post(`${agreementPath}/sign`, { organisationId: police.id, confirm: 'yes' })).statusCode).toBe(409);
      expect((await adminAgent.post(`${agreementPath}/sign`, { organisationId: council.id, confirm: 'yes' })).statusCode).toBe(302);
      expect((await db().selectFrom('sharing_agreements').select('status').where('id', '=', agreementId).executeTakeFirstOrThrow()).status).toBe('active');
      const page = await (await signedInAgent(testApp, (await createUser(testApp, { role: 'read_only_partner' })).user)).get(agreementPath);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Active');
      const actions = await db().selectFrom('audit_events').select('action').where('record_id', '=', agreementId).orderBy('seq').execute();
      expect(actions.map((row) => row.action)).toEqual(['SHARING_AGREEMENT_CREATED', 'SHARING_AGREEMENT_SIGNED', 'SHARING_AGREEMENT_SIGNED']);
    });

    it('refuses an agreement whose period overlaps another for the same parties and purpose, keeping what was typed', async () => {
      const police = await createOrganisation(testApp, { name: `Police ${unique()}`, type: 'police' });
      const council = await createOrganisation(testApp, { name: `Council ${unique()}` });
      const admin = await createUser(testApp, { role: 'partnership_admin', organisationId: council.id });
      const adminAgent = await signedInAgent(testApp, admin.user);
      const existing = await createSharingAgreement(testApp, [police.id, council.id], { purposes: ['domestic_abuse_marac'], startsOn: '2026-01-01', reviewOn: '2026-06-01', endsOn: '2026-12-31' });
      const response = await adminAgent.post('/sharing-agreements/new', validForm([police.id, council.id], { title: 'Overlapping agreement typed here' }));
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain(`These dates overlap ${existing.reference}, which already covers`);
      expect(response.body).toContain('domestic abuse (MARAC) from 1 January 2026 to 31 December 2026');
      expect(response.body).toContain('Overlapping agreement typed here');
      expect(response.body).toContain('href="#startsOn-day"');
      // Another purpose, or a period after the existing one ends, is fine.
      expect((await adminAgent.post('/sharing-agreements/new', validForm([police.id, council.id], { purposes: ['asb_case_management'] }))).statusCode).toBe(302);
      expect((await adminAgent.post('/sharing-agreements/new', validForm([police.id, council.id], { 'startsOn-year': '2027', 'startsOn-month': '1', 'reviewOn-year': '2027', 'reviewOn-month': '2', 'endsOn-year': '2027' }))).statusCode).toBe(302);
    });

    it('explains what is wrong with a form and refuses special category data without a Schedule 1 condition', async () => {
      const admin = await createUser(testApp, { role: 'partnership_admin' });
      const adminAgent = await signedInAgent(testApp, admin.user);
      const response = await adminAgent.post('/sharing-agreements/new', { ...validForm([admin.user.organisation_id]), schedule1Condition: '', 'endsOn-day': '31', 'endsOn-month': '2' });
      expect(response.statusCode).toBe(400);
      for (const message of ['Select at least two organisations', 'End date must be a real date']) expect(response.body).toContain(message);
      const other = await createOrganisation(testApp);
      const noCondition = await adminAgent.post('/sharing-agreements/new', { ...validForm([admin.user.organisation_id, other.id]), schedule1Condition: '' });
      expect(noCondition.statusCode).toBe(400);
      expect(noCondition.body).toContain('Enter the Schedule 1 condition that Article 9(2)(g) relies on');
      const caseWorker = await createUser(testApp, { role: 'case_worker' });
      expect((await (await signedInAgent(testApp, caseWorker.user)).post('/sharing-agreements/new', validForm([]))).statusCode).toBe(403);
    });

    it('reminds the parties before the review date, once', async () => {
      const police = await createOrganisation(testApp, { name: `Police ${unique()}`, type: 'police' });
      const council = await createOrganisation(testApp, { name: `Council ${unique()}` });
      const policeAdmin = await createUser(testApp, { role: 'organisation_admin', organisationId: police.id });
      const outsiderAdmin = await createUser(testApp, { role: 'organisation_admin' });
      const agreement = await createSharingAgreement(testApp, [police.id, council.id], { reviewOn: addDays(londonToday(), 10) });
      await testApp.services.sharingAgreements.remindAndExpire();
      await testApp.services.sharingAgreements.remindAndExpire();
      const reminders = await db().selectFrom('notifications').select(['user_id', 'details']).where('kind', '=', 'sharing_agreement_review_due').where(sql<boolean>`details->>'reference' = ${agreement.reference}`).execute();
      expect(reminders.filter((row) => row.user_id === policeAdmin.user.id)).toHaveLength(1);
      expect(reminders.some((row) => row.user_id === outsiderAdmin.user.id)).toBe(false);
    });

    it('tells other modules which organisations share with one for a purpose', async () => {
      const police = await createOrganisation(testApp, { name: `Police ${unique()}`, type: 'police' });
      const council = await createOrganisation(testApp, { name: `Council ${unique()}` });
      const housing = await createOrganisation(testApp, { name: `Housing ${unique()}` });
      const unsigned = await createOrganisation(testApp, { name: `Unsigned ${unique()}` });
      await createSharingAgreement(testApp, [police.id, council.id], { purposes: ['hidden_harm_signals'] });
      await createSharingAgreement(testApp, [police.id, housing.id], { purposes: ['asb_case_management'] });
      await createSharingAgreement(testApp, [police.id, unsigned.id], { purposes: ['hidden_harm_signals'], status: 'draft', signedBy: [police.id] });
      expect([...(await organisationsSharingWith(db(), police.id, 'hidden_harm_signals'))]).toEqual([council.id]);
      expect([...(await organisationsSharingWith(db(), council.id, 'hidden_harm_signals'))]).toEqual([police.id]);
    });
  });
});
