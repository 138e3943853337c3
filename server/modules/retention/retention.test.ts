import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent, type UserFixture } from '../../../test/factories/index.ts';
import { runOneroof } from '../../../test/support/cli.ts';
import { createTestApp, TEST_BASE_URL, TEST_SECRETS, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import type { RetentionRecordType } from '../../db/schema.ts';
import { systemActor } from '../../shared/actor.ts';
import { verifyAuditChain } from '../audit/auditVerifier.ts';
import type { Quarter } from '../governance/quarters.ts';
import { retentionCutoff } from './retentionRules.ts';
import { IntervalRetentionScheduler, retentionScheduler } from './retentionScheduler.ts';

const DAY = 86_400_000;
const actor = systemActor('retention-test');
const unique = () => Math.random().toString(36).slice(2, 8).toUpperCase();

describe('retentionCutoff', () => {
  it('goes back whole calendar months, clamping to the last day of a shorter month', () => {
    expect(retentionCutoff(new Date('2026-11-30T12:00:00Z'), 72).toISOString()).toBe('2020-11-30T12:00:00.000Z');
    expect(retentionCutoff(new Date('2026-03-31T08:15:00Z'), 1).toISOString()).toBe('2026-02-28T08:15:00.000Z');
    expect(retentionCutoff(new Date('2024-03-31T00:00:00Z'), 1).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(retentionCutoff(new Date('2026-01-15T00:00:00Z'), 24).toISOString()).toBe('2024-01-15T00:00:00.000Z');
  });
});

describe.each(availableBackends())('retention on %s', (kind) => {
  let testApp: TestApp;
  let police: { id: string };
  let council: { id: string };
  let dpo: UserFixture;
  let admin: UserFixture;
  const db = () => testApp.database.db;

  beforeAll(async () => {
    testApp = await createTestApp({ kind });
    police = await createOrganisation(testApp, { name: `Police ${unique()}`, type: 'police' });
    council = await createOrganisation(testApp, { name: `Council ${unique()}`, type: 'district_borough_council' });
    dpo = await createUser(testApp, { role: 'data_protection_officer', organisationId: council.id });
    admin = await createUser(testApp, { role: 'partnership_admin', organisationId: council.id });
  });
  afterAll(async () => testApp?.close());

  /** Only the given schedules switched on, so each test's run is about its own record type. */
  async function onlySchedules(schedules: Record<string, { months: number; action: 'delete' | 'anonymise' }>) {
    await db().updateTable('retention_schedules').set({ enabled: false }).execute();
    for (const [recordType, schedule] of Object.entries(schedules)) {
      await testApp.services.retention.saveSchedule(
        { id: admin.user.id, role: 'partnership_admin' },
        recordType as 'closed_cases',
        { periodMonths: schedule.months, action: schedule.action, lawfulBasis: 'public_task', legalReason: 'Test schedule', enabled: true },
        actor,
      );
    }
  }

  async function closedCase(closedAt: Date, options: { status?: 'closed' | 'open'; personId?: string } = {}) {
    const status = options.status ?? 'closed';
    const kase = await db()
      .insertInto('cases')
      .values({
        reference: `ASB-2019-${unique()}`,
        case_type: 'anti_social_behaviour',
        summary: 'Noise and threats from Flat 3, Mrs Jane Example',
        closure_reason: status === 'closed' ? 'Resolved after mediation with Mr Example' : null,
        status,
        closed_at: status === 'closed' ? closedAt : null,
        opened_at: new Date(closedAt.getTime() - 100 * DAY),
        lead_organisation_id: police.id,
        risk_level: 'medium',
        area: 'Byker',
      })
      .returning(['id', 'reference'])
      .executeTakeFirstOrThrow();
    const personId =
      options.personId ??
      (
        await db()
          .insertInto('people')
          .values({ given_name: 'Jane', family_name: `Example${unique()}`, date_of_birth: '1980-02-03', phone: '07700 900123', email: 'jane@example.org', ethnicity: 'white_british', created_by_organisation_id: police.id })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    await db().insertInto('case_people').values({ case_id: kase.id, person_id: personId, role: 'victim' }).execute();
    await db().insertInto('person_names').values({ person_id: personId, given_name: 'Janet', family_name: 'Sample', kind: 'alias' }).execute();
    await db().insertInto('case_notes').values({ case_id: kase.id, body: 'Spoke to Jane at home; her son Tom was present.', author_organisation_id: police.id }).execute();
    return { caseId: kase.id, reference: kase.reference, personId };
  }

  async function approveAs(user: UserFixture, runId: string, body: Record<string, string> = { confirm: 'yes' }) {
    const agent = await signedInAgent(testApp, user.user);
    return agent.post(`/admin/retention/runs/${runId}/approve`, body);
  }

  const cliEnv = () => ({
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    BASE_URL: TEST_BASE_URL,
    DATA_DIR: os.tmpdir(),
    SESSION_SECRET: TEST_SECRETS.sessionSecret,
    ENCRYPTION_KEY: TEST_SECRETS.encryptionKey,
    DATABASE_URL: testApp.database.url!,
  });

  async function item(runId: string, recordType: RetentionRecordType) {
    return db().selectFrom('retention_run_items').selectAll().where('run_id', '=', runId).where('record_type', '=', recordType).executeTakeFirstOrThrow();
  }

  async function planned(runId: string, recordType: RetentionRecordType) {
    return (await db().selectFrom('retention_run_records').select('record_id').where('run_id', '=', runId).where('record_type', '=', recordType).execute()).map((row) => row.record_id);
  }

  describe('schedules', () => {
    it('shows what was typed with a GOV.UK error summary when the form is wrong, and refuses anonymising the audit log', async () => {
      const agent = await signedInAgent(testApp, admin.user);
      const bad = await agent.post('/admin/retention/schedules/closed_cases', { periodNumber: 'six', periodUnit: 'years', action: 'anonymise', lawfulBasis: '', legalReason: '', enabled: 'yes' });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('govuk-error-summary');
      expect(bad.body).toContain('How long the record is kept must be a whole number');
      expect(bad.body).toContain('Select the lawful basis');
      expect(bad.body).toContain('Enter the legal reason');
      expect(bad.body).toContain('value="six"');

      const tooLong = await agent.post('/admin/retention/schedules/incidents', { periodNumber: '101', periodUnit: 'years', action: 'delete', lawfulBasis: 'public_task', legalReason: 'Because', enabled: 'yes' });
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.body).toContain('between 1 month and 100 years');

      const audit = await agent.post('/admin/retention/schedules/audit_log', { periodNumber: '7', periodUnit: 'years', action: 'anonymise', lawfulBasis: 'legal_obligation', legalReason: 'Seven years', enabled: 'yes' });
      expect(audit.statusCode).toBe(400);
      expect(audit.body).toContain('Audit events and files can only be deleted');
      expect(await db().selectFrom('retention_schedules').select('record_type').where('record_type', '=', 'audit_log').executeTakeFirst()).toBeUndefined();

      expect((await agent.get('/admin/retention/schedules/not_a_type')).statusCode).toBe(404);
    });

    it('saves a schedule, keeps its history and audits the change with before and after', async () => {
      const agent = await signedInAgent(testApp, dpo.user);
      const first = await agent.post('/admin/retention/schedules/referrals', { periodNumber: '6', periodUnit: 'years', action: 'anonymise', lawfulBasis: 'limitation_act', legalReason: 'Six years for claims', enabled: 'yes' });
      expect(first.statusCode).toBe(302);
      const second = await agent.post('/admin/retention/schedules/referrals', { periodNumber: '18', periodUnit: 'months', action: 'delete', lawfulBasis: 'public_task', legalReason: 'Shorter', enabled: 'no' });
      expect(second.statusCode).toBe(302);
      const schedule = await db().selectFrom('retention_schedules').selectAll().where('record_type', '=', 'referrals').executeTakeFirstOrThrow();
      expect(schedule).toMatchObject({ period_months: 18, action: 'delete', lawful_basis: 'public_task', enabled: false, updated_by: dpo.user.id, version: 2 });
      const history = await db().selectFrom('retention_schedule_changes').selectAll().where('record_type', '=', 'referrals').orderBy('id').execute();
      expect(history.map((row) => [row.before?.periodMonths ?? null, row.after.periodMonths])).toEqual([[null, 72], [72, 18]]);
      const events = await db().selectFrom('audit_events').select(['details', 'actor_user_id']).where('action', '=', 'RETENTION_SCHEDULE_UPDATED').where('record_id', '=', 'referrals').orderBy('seq').execute();
      expect(events).toHaveLength(2);
      expect(events[1]!.details).toMatchObject({ before: { periodMonths: 72, action: 'anonymise' }, after: { periodMonths: 18, action: 'delete', enabled: false } });
      const page = await agent.get('/admin/retention');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Closed referrals');
      expect(page.body).toContain('18 months');
    });
  });

  describe('runs', () => {
    it('lists a case closed exactly at the cut-off, not one closed a second later, never an open case, and not a held one', async () => {
      await onlySchedules({ closed_cases: { months: 72, action: 'anonymise' } });
      const asOf = new Date('2031-06-15T10:00:00Z');
      const cutoff = retentionCutoff(asOf, 72);
      const atCutoff = await closedCase(cutoff);
      const justAfter = await closedCase(new Date(cutoff.getTime() + 1_000));
      const open = await closedCase(new Date(cutoff.getTime() - 400 * DAY), { status: 'open' });
      const held = await closedCase(new Date(cutoff.getTime() - 400 * DAY));
      await testApp.services.retention.placeHold({ id: dpo.user.id, role: 'data_protection_officer' }, { subjectKind: 'case', subject: held.reference, reason: 'Civil claim pending', until: null }, actor);

      const runId = await testApp.services.retention.plan({ id: dpo.user.id, label: dpo.user.email }, actor, asOf);
      const ids = await planned(runId, 'closed_cases');
      expect(ids).toContain(atCutoff.caseId);
      expect(ids).not.toContain(justAfter.caseId);
      expect(ids).not.toContain(open.caseId);
      expect(ids).not.toContain(held.caseId);
      const counts = await item(runId, 'closed_cases');
      expect(counts.proposed).toBe(ids.length);
      expect(counts.held).toBeGreaterThanOrEqual(1);
      expect(counts.cutoff.toISOString()).toBe(cutoff.toISOString());
      await testApp.services.retention.reject({ id: dpo.user.id, role: 'data_protection_officer' }, runId, 'Boundary test only', actor);
    });

    it('approval needs retention:approve: a partnership administrator is refused, the officer approves', async () => {
      await onlySchedules({ closed_cases: { months: 72, action: 'anonymise' } });
      const due = await closedCase(new Date(Date.now() - 80 * 30 * DAY));
      const adminAgent = await signedInAgent(testApp, admin.user);
      const proposed = await adminAgent.post('/admin/retention/runs/plan', {});
      expect(proposed.statusCode).toBe(302);
      const runId = String(proposed.headers.location).split('/').pop()!;
      const page = await adminAgent.get(`/admin/retention/runs/${runId}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Only the data-protection officer can approve');
      expect(page.body).not.toContain('Approve and carry out');

      expect((await approveAs(admin, runId)).statusCode).toBe(403);
      expect((await adminAgent.post(`/admin/retention/runs/${runId}/reject`, { note: 'No' })).statusCode).toBe(403);
      expect((await db().selectFrom('retention_runs').select(['status', 'decided_at']).where('id', '=', runId).executeTakeFirstOrThrow())).toEqual({ status: 'proposed', decided_at: null });
      expect((await db().selectFrom('cases').select('anonymised_at').where('id', '=', due.caseId).executeTakeFirstOrThrow()).anonymised_at).toBeNull();

      const twice = await adminAgent.post('/admin/retention/runs/plan', {});
      expect(twice.statusCode).toBe(409);
      expect(twice.body).toContain('already waiting for a decision');

      const unconfirmed = await approveAs(dpo, runId, {});
      expect(unconfirmed.statusCode).toBe(400);
      expect(unconfirmed.body).toContain('Confirm that you have checked what is due');

      const approved = await approveAs(dpo, runId);
      expect(approved.statusCode).toBe(302);
      const run = await db().selectFrom('retention_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
      expect(run).toMatchObject({ status: 'completed', decided_by: dpo.user.id });
      expect((await item(runId, 'closed_cases')).anonymised).toBeGreaterThanOrEqual(1);
      expect((await approveAs(dpo, runId)).statusCode).toBe(409);
      const actions = (await db().selectFrom('audit_events').select('action').where('record_id', '=', runId).orderBy('seq').execute()).map((row) => row.action);
      expect(actions).toEqual(expect.arrayContaining(['RETENTION_RUN_PROPOSED', 'RETENTION_RUN_APPROVED', 'RETENTION_APPLIED', 'RETENTION_RUN_COMPLETED']));
      const history = await adminAgent.get('/admin/retention/runs');
      expect(history.body).toContain('Completed');
    });

    it('anonymises a closed case for good: personal fields are gone from the rows, structure stays; a hold placed after the proposal still stops it', async () => {
      await onlySchedules({ closed_cases: { months: 72, action: 'anonymise' } });
      const old = new Date(Date.now() - 7 * 365 * DAY);
      const due = await closedCase(old);
      const heldLater = await closedCase(old);
      const sharedPerson = await closedCase(old);
      // The same person is also on an open case: their record must stay as it is.
      const openCase = await closedCase(new Date(), { status: 'open', personId: sharedPerson.personId });
      const storageKey = randomUUID();
      const directory = path.join(testApp.config.dataDir, 'attachments');
      mkdirSync(directory, { recursive: true });
      writeFileSync(path.join(directory, storageKey), 'a photo of the door');
      await db().insertInto('case_attachments').values({ case_id: due.caseId, file_name: 'door.jpg', content_type: 'image/jpeg', size_bytes: 19, sha256: 'x', storage_key: storageKey }).execute();

      const runId = await testApp.services.retention.plan({ id: dpo.user.id, label: dpo.user.email }, actor);
      expect(await planned(runId, 'closed_cases')).toEqual(expect.arrayContaining([due.caseId, heldLater.caseId, sharedPerson.caseId]));
      // A person hold placed after the proposal protects every case the person is on.
      await testApp.services.retention.placeHold({ id: dpo.user.id, role: 'data_protection_officer' }, { subjectKind: 'person', subject: heldLater.personId, reason: 'Domestic homicide review', until: null }, actor);
      expect((await approveAs(dpo, runId)).statusCode).toBe(302);

      const kase = await db().selectFrom('cases').selectAll().where('id', '=', due.caseId).executeTakeFirstOrThrow();
      expect(kase.summary).toBe('');
      expect(kase.closure_reason).toBeNull();
      expect(kase.anonymised_at).not.toBeNull();
      expect(kase).toMatchObject({ case_type: 'anti_social_behaviour', status: 'closed', risk_level: 'medium', area: 'Byker', lead_organisation_id: police.id, reference: due.reference });
      const notes = await db().selectFrom('case_notes').select('body').where('case_id', '=', due.caseId).execute();
      expect(notes).toEqual([{ body: '' }]);
      const person = await db().selectFrom('people').selectAll().where('id', '=', due.personId).executeTakeFirstOrThrow();
      expect(person).toMatchObject({ given_name: 'Anonymised', family_name: 'person', date_of_birth: null, phone: null, email: null, ethnicity: null });
      expect(person.anonymised_at).not.toBeNull();
      expect(await db().selectFrom('person_names').select('id').where('person_id', '=', due.personId).execute()).toEqual([]);
      const anywhere = await sql<{ n: number }>`select count(*)::int as n from people where given_name = 'Jane' and id = ${due.personId}`.execute(db());
      expect(anywhere.rows[0]!.n).toBe(0);
      expect(await db().selectFrom('case_attachments').select('id').where('case_id', '=', due.caseId).execute()).toEqual([]);
      expect(existsSync(path.join(directory, storageKey))).toBe(false);

      const untouched = await db().selectFrom('cases').select(['summary', 'anonymised_at']).where('id', '=', heldLater.caseId).executeTakeFirstOrThrow();
      expect(untouched).toEqual({ summary: 'Noise and threats from Flat 3, Mrs Jane Example', anonymised_at: null });
      expect((await db().selectFrom('people').select('given_name').where('id', '=', heldLater.personId).executeTakeFirstOrThrow()).given_name).toBe('Jane');
      // The case is anonymised, but its person is still on an open case and keeps their name.
      expect((await db().selectFrom('cases').select('summary').where('id', '=', sharedPerson.caseId).executeTakeFirstOrThrow()).summary).toBe('');
      expect((await db().selectFrom('people').select('given_name').where('id', '=', sharedPerson.personId).executeTakeFirstOrThrow()).given_name).toBe('Jane');
      expect((await db().selectFrom('cases').select('summary').where('id', '=', openCase.caseId).executeTakeFirstOrThrow()).summary).not.toBe('');

      const counts = await item(runId, 'closed_cases');
      expect(counts.skipped_hold).toBe(1);
      expect(counts.anonymised).toBe(counts.proposed - 1);
      expect((await db().selectFrom('retention_run_records').select('outcome').where('run_id', '=', runId).where('record_id', '=', heldLater.caseId).executeTakeFirstOrThrow()).outcome).toBe('held');
    });

    it('an open subject access request holds the person and their cases like a legal hold; an answered one does not, and the request itself is kept', async () => {
      await onlySchedules({ closed_cases: { months: 72, action: 'delete' } });
      const old = new Date(Date.now() - 7 * 365 * DAY);
      const asking = await closedCase(old);
      const answered = await closedCase(old);
      const request = async (personId: string, status: 'open' | 'approved') =>
        db()
          .insertInto('subject_access_requests')
          .values({
            reference: `SAR-${unique()}`,
            person_id: personId,
            requester_name: 'Jane Example',
            requester_relationship: 'self',
            identity_verified: true,
            received_on: '2026-11-02',
            due_on: '2026-12-02',
            status,
            ...(status === 'approved' ? { approved_at: new Date('2026-11-20T10:00:00Z'), approved_by: dpo.user.id, approved_export: JSON.stringify({ released: true }) } : {}),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
      const openRequest = await request(asking.personId, 'open');
      const answeredRequest = await request(answered.personId, 'approved');

      const runId = await testApp.services.retention.plan({ id: dpo.user.id, label: dpo.user.email }, actor);
      const proposedHeld = await db().selectFrom('retention_run_records').select(['record_id']).where('run_id', '=', runId).where('record_type', '=', 'closed_cases').execute();
      expect(proposedHeld.map((row) => row.record_id)).toEqual(expect.arrayContaining([answered.caseId]));
      expect((await approveAs(dpo, runId)).statusCode).toBe(302);
      expect((await db().selectFrom('retention_runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow()).status).toBe('completed');

      // Open: the person, their case and its notes stay exactly as the request found them.
      expect((await db().selectFrom('people').select(['given_name', 'anonymised_at']).where('id', '=', asking.personId).executeTakeFirstOrThrow())).toEqual({ given_name: 'Jane', anonymised_at: null });
      expect((await db().selectFrom('cases').select('summary').where('id', '=', asking.caseId).executeTakeFirstOrThrow()).summary).toBe('Noise and threats from Flat 3, Mrs Jane Example');
      expect(await db().selectFrom('case_notes').select('body').where('case_id', '=', asking.caseId).execute()).toEqual([{ body: 'Spoke to Jane at home; her son Tom was present.' }]);
      const askingOutcome = await db().selectFrom('retention_run_records').select('outcome').where('run_id', '=', runId).where('record_id', '=', asking.caseId).executeTakeFirst();
      expect(askingOutcome?.outcome ?? 'not proposed').not.toBe('act');

      // Answered: retention goes ahead (case deleted, person anonymised); the request, its dates and decision stay.
      expect(await db().selectFrom('cases').select('id').where('id', '=', answered.caseId).execute()).toEqual([]);
      expect((await db().selectFrom('people').select('given_name').where('id', '=', answered.personId).executeTakeFirstOrThrow()).given_name).toBe('Anonymised');
      const kept = await db().selectFrom('subject_access_requests').selectAll().where('id', '=', answeredRequest.id).executeTakeFirstOrThrow();
      expect(kept).toMatchObject({ status: 'approved', person_id: answered.personId, approved_by: dpo.user.id, approved_export: { released: true } });
      expect(kept.approved_at).toEqual(new Date('2026-11-20T10:00:00Z'));
      expect(kept).toMatchObject({ received_on: '2026-11-02', due_on: '2026-12-02' });
      expect((await db().selectFrom('subject_access_requests').select('status').where('id', '=', openRequest.id).executeTakeFirstOrThrow()).status).toBe('open');

      // Once the open request is answered, the next run may act on the person's case.
      await db().updateTable('subject_access_requests').set({ status: 'approved', approved_at: new Date() }).where('id', '=', openRequest.id).execute();
      const nextRun = await testApp.services.retention.plan({ id: dpo.user.id, label: dpo.user.email }, actor);
      expect(await planned(nextRun, 'closed_cases')).toContain(asking.caseId);
      await testApp.services.retention.reject({ id: dpo.user.id, role: 'data_protection_officer' }, nextRun, 'Test over', actor);
    });

    it('anonymises incidents and referrals without changing the partnership measures and dashboards', async () => {
      await onlySchedules({ incidents: { months: 24, action: 'anonymise' }, referrals: { months: 24, action: 'anonymise' } });
      const occurred = new Date('2023-05-10T14:00:00Z');
      const victim = (await db().insertInto('people').values({ given_name: 'Rita', family_name: `Victim${unique()}` }).returning('id').executeTakeFirstOrThrow()).id;
      const incidentIds: string[] = [];
      for (const [index, category] of ['asb_personal', 'asb_nuisance', 'asb_personal'].entries()) {
        const incident = await db()
          .insertInto('incidents')
          .values({ source_organisation_id: police.id, source_reference: `RET-${unique()}`, occurred_at: new Date(occurred.getTime() + index * DAY), category_code: category, summary: 'Rita shouted at by neighbour Bob Smith', address: '3 Elm Court', postcode: 'NE6 1AA', latitude: 54.98, longitude: -1.57, area: 'Byker', lsoa_code: 'E01008394' })
          .returning('id')
          .executeTakeFirstOrThrow();
        await db().insertInto('incident_people').values({ incident_id: incident.id, role: 'victim', given_name: 'Rita', family_name: 'Victim', date_of_birth: '1990-01-01', phone: '07700 900999', identifier_kind: 'police_id', identifier: 'P123', person_id: victim, link_status: 'confirmed' }).execute();
        incidentIds.push(incident.id);
      }
      const referral = await db()
        .insertInto('referrals')
        .values({ reference: `REF-2023-${unique()}`, person_id: victim, from_organisation_id: police.id, to_organisation_id: council.id, urgency: 'routine', reason: 'Rita is scared to go out', requested: 'Support', information_shared: 'Rita lives at 3 Elm Court', lawful_basis: 'public_task', consent: 'refused', consent_reason: 'Rita said no', status: 'accepted', acknowledge_due_at: occurred, decide_due_at: new Date(occurred.getTime() + 5 * DAY), decided_at: new Date(occurred.getTime() + 2 * DAY), created_at: occurred })
        .returning('id')
        .executeTakeFirstOrThrow();

      const measures = testApp.services.governance.measures;
      const quarter: Quarter = '2023-Q2';
      const figures = async () => {
        testApp.services.analytics.forget();
        return {
          asb: await measures.liveFigure('asb_incidents_per_1000', quarter, 100_000),
          repeat: await measures.liveFigure('repeat_victim_rate', quarter, null),
          referrals: await measures.liveFigure('referral_deadline_compliance', quarter, null),
          dashboard: await testApp.services.analytics.figures.dashboard({ from: '2023-04-01', to: '2023-06-30', categories: [], area: null, lsoa: null }),
        };
      };
      const before = await figures();
      expect(before.asb.numerator).toBeGreaterThanOrEqual(3);
      expect(before.repeat.numerator).toBeGreaterThanOrEqual(1);
      expect(before.referrals.denominator).toBeGreaterThanOrEqual(1);

      const runId = await testApp.services.retention.plan({ id: dpo.user.id, label: dpo.user.email }, actor);
      expect(await planned(runId, 'incidents')).toEqual(expect.arrayContaining(incidentIds));
      expect((await approveAs(dpo, runId)).statusCode).toBe(302);

      const incidents = await db().selectFrom('incidents').selectAll().where('id', 'in', incidentIds).execute();
      for (const incident of incidents) {
        expect(incident).toMatchObject({ summary: null, address: null, area: 'Byker', lsoa_code: 'E01008394', postcode: 'NE6 1AA' });
        expect(incident.anonymised_at).not.toBeNull();
      }
      const people = await db().selectFrom('incident_people').selectAll().where('incident_id', 'in', incidentIds).execute();
      for (const person of people) expect(person).toMatchObject({ given_name: null, family_name: null, date_of_birth: null, phone: null, identifier: null, identifier_kind: null, role: 'victim' });
      const anonymisedReferral = await db().selectFrom('referrals').selectAll().where('id', '=', referral.id).executeTakeFirstOrThrow();
      expect(anonymisedReferral).toMatchObject({ reason: '', requested: '', information_shared: '', consent_reason: '-', status: 'accepted', from_organisation_id: police.id, to_organisation_id: council.id });

      expect(await figures()).toEqual(before);
      expect((await item(runId, 'incidents')).anonymised).toBe((await item(runId, 'incidents')).proposed);
    });

    it('deletes a held incident never, even with a delete schedule, and counts it as kept', async () => {
      await onlySchedules({ incidents: { months: 24, action: 'delete' } });
      const make = async () =>
        (
          await db()
            .insertInto('incidents')
            .values({ source_organisation_id: police.id, source_reference: `DEL-${unique()}`, occurred_at: new Date('2020-01-01T00:00:00Z'), category_code: 'asb_nuisance' })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      const doomed = await make();
      const held = await make();
      const agent = await signedInAgent(testApp, dpo.user);
      const placed = await agent.post('/admin/retention/holds/new', { subjectKind: 'incident', subject: held, reason: 'ICO complaint', 'until-day': '', 'until-month': '', 'until-year': '' });
      expect(placed.statusCode).toBe(302);
      const runId = await testApp.services.retention.plan({ id: dpo.user.id, label: dpo.user.email }, actor);
      expect((await approveAs(dpo, runId)).statusCode).toBe(302);
      expect(await db().selectFrom('incidents').select('id').where('id', '=', doomed).executeTakeFirst()).toBeUndefined();
      expect(await db().selectFrom('incidents').select('id').where('id', '=', held).executeTakeFirst()).toEqual({ id: held });
      expect((await item(runId, 'incidents')).held).toBeGreaterThanOrEqual(1);
      expect((await item(runId, 'incidents')).deleted).toBeGreaterThanOrEqual(1);
    });
  });

  it('a record type that fails leaves the run failed with its reason; earlier record types stay done and counted', async () => {
    await onlySchedules({ closed_cases: { months: 72, action: 'anonymise' }, referrals: { months: 24, action: 'anonymise' } });
    const due = await closedCase(new Date(Date.now() - 7 * 365 * DAY));
    const occurred = new Date('2022-01-10T10:00:00Z');
    const referral = await db()
      .insertInto('referrals')
      .values({ reference: `REF-2022-${unique()}`, case_id: due.caseId, from_organisation_id: police.id, to_organisation_id: council.id, urgency: 'routine', reason: 'Keep me', requested: 'Support', information_shared: 'Details', lawful_basis: 'public_task', consent: 'given', status: 'declined', decline_code: 'other', acknowledge_due_at: occurred, decide_due_at: occurred, decided_at: occurred })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`create function retention_test_refuse() returns trigger language plpgsql as $$ begin raise exception 'disk on fire'; end; $$`.execute(db());
    await sql`create trigger retention_test_refuse before update on referrals for each row when (new.anonymised_at is not null) execute function retention_test_refuse()`.execute(db());
    try {
      const runId = await testApp.services.retention.plan({ id: dpo.user.id, label: dpo.user.email }, actor);
      const agent = await signedInAgent(testApp, dpo.user);
      const approved = await agent.post(`/admin/retention/runs/${runId}/approve`, { confirm: 'yes' });
      expect(approved.statusCode).toBe(302);
      const run = await db().selectFrom('retention_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
      expect(run.status).toBe('failed');
      expect(run.failure).toContain('disk on fire');
      expect((await item(runId, 'closed_cases')).anonymised).toBeGreaterThanOrEqual(1);
      expect((await db().selectFrom('cases').select('summary').where('id', '=', due.caseId).executeTakeFirstOrThrow()).summary).toBe('');
      expect((await item(runId, 'referrals')).anonymised).toBe(0);
      expect((await db().selectFrom('referrals').select(['reason', 'anonymised_at']).where('id', '=', referral.id).executeTakeFirstOrThrow())).toEqual({ reason: 'Keep me', anonymised_at: null });
      const page = await agent.get(`/admin/retention/runs/${runId}`);
      expect(page.body).toContain('The run stopped part-way');
      expect(page.body).toContain('disk on fire');
    } finally {
      await sql`drop trigger retention_test_refuse on referrals`.execute(db());
      await sql`drop function retention_test_refuse()`.execute(db());
    }
  });

  describe('legal holds', () => {
    it('validates the form, lists holds, and releases one with a reason, all audited', async () => {
      const agent = await signedInAgent(testApp, admin.user);
      const empty = await agent.post('/admin/retention/holds/new', { subject: 'ASB-1999-NOPE', reason: '', 'until-day': '31', 'until-month': '2', 'until-year': '2030' });
      expect(empty.statusCode).toBe(400);
      expect(empty.body).toContain('Select what you want to hold');
      expect(empty.body).toContain('Enter the reason for the hold');
      expect(empty.body).toContain('The date the hold ends must be a real date');
      expect(empty.body).toContain('value="ASB-1999-NOPE"');
      const unknown = await agent.post('/admin/retention/holds/new', { subjectKind: 'case', subject: 'ASB-1999-NOPE', reason: 'Claim' });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.body).toContain('No record of that kind has that reference or ID');
      const past = await agent.post('/admin/retention/holds/new', { subjectKind: 'case', subject: 'ASB-1999-NOPE', reason: 'Claim', 'until-day': '1', 'until-month': '1', 'until-year': '2020' });
      expect(past.body).toContain('today or in the future');

      const kase = await closedCase(new Date());
      expect((await agent.post('/admin/retention/holds/new', { subjectKind: 'case', subject: kase.reference.toLowerCase(), reason: 'Litigation hold', 'until-day': '1', 'until-month': '1', 'until-year': '2040' })).statusCode).toBe(302);
      const hold = await db().selectFrom('legal_holds').selectAll().where('subject_id', '=', kase.caseId).executeTakeFirstOrThrow();
      expect(hold).toMatchObject({ subject_kind: 'case', reason: 'Litigation hold', until: '2040-01-01', placed_by: admin.user.id, released_at: null });
      const list = await agent.get('/admin/retention/holds');
      expect(list.body).toContain(kase.reference);
      expect(list.body).toContain('In force');

      const noReason = await agent.post(`/admin/retention/holds/${hold.id}/release`, { releaseReason: ' ' });
      expect(noReason.statusCode).toBe(400);
      expect(noReason.body).toContain('Enter why the hold is no longer needed');
      expect((await agent.post(`/admin/retention/holds/${hold.id}/release`, { releaseReason: 'Claim settled' })).statusCode).toBe(302);
      expect((await agent.post(`/admin/retention/holds/${hold.id}/release`, { releaseReason: 'Again' })).statusCode).toBe(409);
      const released = await db().selectFrom('legal_holds').selectAll().where('id', '=', hold.id).executeTakeFirstOrThrow();
      expect(released).toMatchObject({ released_by: admin.user.id, release_reason: 'Claim settled' });
      const actions = (await db().selectFrom('audit_events').select('action').where('record_id', '=', kase.caseId).orderBy('seq').execute()).map((row) => row.action);
      expect(actions).toEqual(['LEGAL_HOLD_PLACED', 'LEGAL_HOLD_RELEASED']);
      expect((await agent.get(`/admin/retention/holds/${randomUUID()}/release`)).statusCode).toBe(404);
    });
  });

  it.runIf(kind === 'postgres')('`npm run oneroof -- retention:plan` proposes a run, and refuses a second while one waits', async () => {
    await onlySchedules({ audit_log: { months: 1200, action: 'delete' } });
    const planned = await runOneroof(['retention:plan'], cliEnv());
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    expect(planned.stdout).toMatch(/audit_log: 0 due \(delete\), 0 held/);
    const runId = /Proposed run ([0-9a-f-]{36})/.exec(planned.stdout)![1]!;
    expect(await db().selectFrom('retention_runs').select(['status', 'proposed_by_label']).where('id', '=', runId).executeTakeFirstOrThrow()).toEqual({ status: 'proposed', proposed_by_label: 'cli' });
    const again = await runOneroof(['retention:plan'], cliEnv());
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`already waiting for a decision: ${TEST_BASE_URL}/admin/retention/runs/${runId}`);
    expect((await approveAs(dpo, runId)).statusCode).toBe(302);
  }, 60_000);

  describe('audit log retention', () => {
    it('removes the oldest events up to the first one about a held record, anchors the chain, and the chain still verifies', async () => {
      await onlySchedules({ audit_log: { months: 1, action: 'delete' } });
      // Earlier tests' holds would also stop the removal; this test places its own.
      await db().updateTable('legal_holds').set({ released_at: new Date(), release_reason: 'reset for the audit test' }).where('released_at', 'is', null).execute();
      expect((await verifyAuditChain(db())).ok).toBe(true);
      const before = await db().selectFrom('audit_events').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
      // Everything so far becomes older than the cut-off once we look from two months ahead; a
      // hold on a case someone viewed keeps that view and everything after it.
      const heldCase = await closedCase(new Date());
      await testApp.services.audit.record(actor, { action: 'CASE_VIEWED', recordType: 'case', recordId: heldCase.caseId });
      const firstHeldSeq = (await db().selectFrom('audit_events').select('seq').where('record_id', '=', heldCase.caseId).executeTakeFirstOrThrow()).seq;
      await testApp.services.retention.placeHold({ id: dpo.user.id, role: 'data_protection_officer' }, { subjectKind: 'case', subject: heldCase.caseId, reason: 'Inquest', until: null }, actor);

      const asOf = new Date(Date.now() + 62 * DAY);
      const runId = await testApp.services.retention.plan({ id: dpo.user.id, label: dpo.user.email }, actor, asOf);
      const proposedThrough = (await planned(runId, 'audit_log'))[0]!;
      expect(BigInt(proposedThrough)).toBe(BigInt(firstHeldSeq) - 1n);
      expect((await item(runId, 'audit_log')).proposed).toBe(Number(proposedThrough) - Number((await db().selectFrom('audit_events').select(sql<string>`min(seq)`.as('m')).executeTakeFirstOrThrow()).m) + 1);

      expect((await approveAs(dpo, runId)).statusCode).toBe(302);
      const remaining = await db().selectFrom('audit_events').select(sql<string>`min(seq)`.as('m')).executeTakeFirstOrThrow();
      expect(remaining.m).toBe(firstHeldSeq);
      const anchor = await db().selectFrom('audit_chain_anchors').selectAll().executeTakeFirstOrThrow();
      expect(anchor.seq).toBe(proposedThrough);
      // Every event written before the held case was viewed went; the view and everything after it stayed.
      expect(Number(anchor.removed_count)).toBe(before.n);
      expect((await item(runId, 'audit_log')).deleted).toBe(Number(anchor.removed_count));
      const verified = await verifyAuditChain(db());
      expect(verified).toMatchObject({ ok: true, anchorSeq: proposedThrough });
      if (kind === 'postgres') {
        const command = await runOneroof(['audit:verify'], cliEnv());
        expect(command.code).toBe(0);
        expect(JSON.parse(command.stdout)).toMatchObject({ ok: true, anchorSeq: proposedThrough });
      }

      // Outside a retention run the database still refuses to delete audit events.
      await expect(sql`delete from audit_events where seq = ${firstHeldSeq}`.execute(db())).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_chain_anchors`.execute(db())).rejects.toThrow(/append-only/);
      // An anchor slipped in by hand (with the true hash of a row, as someone hiding the rows
      // before it would write it) is not named by any audit event, and is reported.
      const row = await db().selectFrom('audit_events').select(['seq', 'hash']).where('seq', '=', firstHeldSeq).executeTakeFirstOrThrow();
      await sql`insert into audit_chain_anchors (seq, hash, removed_count, removed_through) values (${row.seq}, ${row.hash}, 1, now())`.execute(db());
      expect(await verifyAuditChain(db())).toMatchObject({ ok: false, problem: 'anchor-unattested' });
    });
  });

  it('the nightly scheduler proposes once and then waits for the decision; auto picks pg-boss on PostgreSQL, a timer on PGlite', async () => {
    await db().updateTable('retention_runs').set({ status: 'rejected' }).where('status', '=', 'proposed').execute();
    const log = { info: () => undefined, error: () => undefined };
    const scheduler = new IntervalRetentionScheduler(testApp.services.retention, log);
    const first = await scheduler.tick();
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(await scheduler.tick()).toBeUndefined();
    expect(await db().selectFrom('retention_runs').select(['status', 'proposed_by_label']).where('id', '=', first!).executeTakeFirstOrThrow()).toEqual({ status: 'proposed', proposed_by_label: 'retention-scheduler' });
    expect(retentionScheduler('auto', { kind: 'pglite' }, testApp.services.retention, log).kind).toBe('interval');
    expect(retentionScheduler('auto', { kind: 'postgres', url: 'postgres://nobody@127.0.0.1:1/none' }, testApp.services.retention, log).kind).toBe('pg-boss');
    expect(retentionScheduler('off', { kind: 'postgres' }, testApp.services.retention, log).kind).toBe('off');
    await testApp.services.retention.reject({ id: dpo.user.id, role: 'data_protection_officer' }, first!, 'Scheduler test', actor);
  });

  it('pages are for retention:manage; the matrix of who may decide lives in test/accessMatrix.test.ts', async () => {
    const worker = await createUser(testApp, { role: 'case_worker', organisationId: police.id });
    const agent = await signedInAgent(testApp, worker.user);
    for (const url of ['/admin/retention', '/admin/retention/holds', '/admin/retention/runs', '/admin/retention/holds/new']) expect((await agent.get(url)).statusCode).toBe(403);
    const dpoAgent = await signedInAgent(testApp, dpo.user);
    for (const url of ['/admin/retention', '/admin/retention/holds', '/admin/retention/runs', '/admin/retention/holds/new', '/admin/retention/schedules/audit_log']) expect((await dpoAgent.get(url)).statusCode).toBe(200);
    expect((await dpoAgent.get('/admin')).body).toContain('/admin/retention');
  });

});
