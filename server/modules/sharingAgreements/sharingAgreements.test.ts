import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { createSharingAgreement } from '../../../test/factories/sharingAgreements.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { addDays, londonToday } from '../../shared/dates.ts';
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
