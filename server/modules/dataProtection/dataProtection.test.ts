import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncident, createPerson } from '../../../test/factories/alertIncidents.ts';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { addCalendarMonths, subjectAccessDueOn } from './statutoryDeadline.ts';
import { REDACTED } from './subjectAccessExport.ts';

let testApp: TestApp;
const db = () => testApp.database.db;

let council: string;
let dpo: TestAgent;
let dpoUserId: string;
let manager: TestAgent;
let managerName: string;
let world: Awaited<ReturnType<typeof buildWorld>>;

/**
 * Mary Jones, on a council case with a neighbour (Kevin Hargreaves) named as well; two notes; an
 * incident naming her and a witness; an unlinked incident record with her name and date of
 * birth (a candidate) and one with another date of birth (not); a referral, an alert, a risk
 * assessment. Someone else (Olive Other) has a case and note of their own that must never appear.
 */
async function buildWorld() {
  const opened = await manager.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'high', summary: 'Noise and threats from the flat above Mary', area: 'Walker' });
  expect(opened.statusCode).toBe(302);
  const caseId = String(opened.headers.location).split('/').pop()!;
  const kase = await db().selectFrom('cases').select('reference').where('id', '=', caseId).executeTakeFirstOrThrow();
  const mary = (await db().insertInto('people').values({ given_name: 'Mary', family_name: 'Jones', date_of_birth: '1980-02-03', created_by_organisation_id: council }).returning('id').executeTakeFirstOrThrow()).id;
  const kevin = (await db().insertInto('people').values({ given_name: 'Kevin', family_name: 'Hargreaves', date_of_birth: '1975-07-01', created_by_organisation_id: council }).returning('id').executeTakeFirstOrThrow()).id;
  await db().insertInto('case_people').values([{ case_id: caseId, person_id: mary, role: 'victim' }, { case_id: caseId, person_id: kevin, role: 'alleged_perpetrator' }]).execute();
  const manager1 = await db().selectFrom('users').select(['id', 'organisation_id']).where('name', '=', managerName).executeTakeFirstOrThrow();
  const [note1, note2] = await db()
    .insertInto('case_notes')
    .values([
      { case_id: caseId, body: 'Mary says Kevin Hargreaves shouted at her on the stairs.', author_id: manager1.id, author_organisation_id: council },
      { case_id: caseId, body: 'Confidential: informant lives at number 12 and saw everything.', author_id: manager1.id, author_organisation_id: council },
    ])
    .returning('id')
    .execute();

  const other = (await db().insertInto('people').values({ given_name: 'Olive', family_name: 'Other', created_by_organisation_id: council }).returning('id').executeTakeFirstOrThrow()).id;
  const otherCase = await manager.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'low', summary: 'Olive’s unrelated hedge dispute', area: 'Byker' });
  const otherCaseId = String(otherCase.headers.location).split('/').pop()!;
  await db().insertInto('case_people').values({ case_id: otherCaseId, person_id: other, role: 'victim' }).execute();
  await db().insertInto('case_notes').values({ case_id: otherCaseId, body: 'OLIVE-ONLY note about the hedge', author_id: manager1.id, author_organisation_id: council }).execute();

  const police = (await createOrganisation(testApp, { name: 'Northumbria Police', type: 'police' })).id;
  const asOf = new Date();
  const incidentId = await createIncident(db(), { organisationId: police, asOf, daysAgo: 3, summary: 'Shouting reported on the stairwell', people: [{ personId: mary, role: 'victim' }] });
  await db().updateTable('incidents').set({ source_reference: 'POL-MARY-1' }).where('id', '=', incidentId).execute();
  await db().insertInto('incident_people').values({ incident_id: incidentId, role: 'witness', given_name: 'Wendy', family_name: 'Witnessby', link_status: 'pending' }).execute();
  const candidateIncident = await createIncident(db(), { organisationId: police, asOf, daysAgo: 40, summary: 'Earlier disturbance' });
  await db().updateTable('incidents').set({ source_reference: 'POL-CANDIDATE' }).where('id', '=', candidateIncident).execute();
  const candidate = (await db()
    .insertInto('incident_people')
    .values({ incident_id: candidateIncident, role: 'complainant', given_name: 'MARY', family_name: 'jones', date_of_birth: '1980-02-03', link_status: 'pending' })
    .returning('id')
    .executeTakeFirstOrThrow()).id;
  const differentIncident = await createIncident(db(), { organisationId: police, asOf, daysAgo: 50 });
  await db().updateTable('incidents').set({ source_reference: 'POL-OTHER-MARY' }).where('id', '=', differentIncident).execute();
  await db().insertInto('incident_people').values({ incident_id: differentIncident, role: 'victim', given_name: 'Mary', family_name: 'Jones', date_of_birth: '1991-09-09', link_status: 'pending' }).execute();

  const now = new Date();
  await db()
    .insertInto('referrals')
    .values({
      reference: 'REF-MARY-1', person_id: mary, case_id: caseId, from_organisation_id: council, to_organisation_id: police, urgency: 'routine',
      reason: 'Repeat victim of neighbour harassment', requested: 'Joint visit', information_shared: 'Case summary', lawful_basis: 'public_task',
      consent: 'given', acknowledge_due_at: now, decide_due_at: now,
    })
    .execute();
  const alert = (await db()
    .insertInto('alerts')
    .values({ rule_code: 'repeat_victim', subject_kind: 'person', subject_key: `person:${mary}`, person_id: mary })
    .returning('id')
    .executeTakeFirstOrThrow()).id;
  await db().insertInto('alert_people').values([{ alert_id: alert, person_id: mary, involvement: 'subject' }, { alert_id: alert, person_id: kevin, involvement: 'associated' }]).execute();
  const instrument = await db().selectFrom('risk_instruments').select(['code', 'version']).executeTakeFirstOrThrow();
  await db()
    .insertInto('risk_assessments')
    .values({ case_id: caseId, person_id: mary, instrument_code: instrument.code, instrument_version: instrument.version, score: 12, band: 'high', band_reason: 'Threats escalating week on week' })
    .execute();
  // The case manager reads the case: the access log must say so.
  expect((await manager.get(`/cases/${caseId}`)).statusCode).toBe(200);
  return { caseId, reference: kase.reference, otherCaseId, mary, kevin, other, note1: note1!.id, note2: note2!.id, candidate, incidentId };
}

async function recordRequest(personId: string, identityVerified = 'yes') {
  const response = await dpo.post('/data-protection/requests/new', {
    personId, requesterName: 'Mary Jones', requesterRelationship: 'self', identityVerified,
    'receivedOn-day': '2', 'receivedOn-month': '11', 'receivedOn-year': '2026',
  });
  expect(response.statusCode).toBe(302);
  return String(response.headers.location).split('/').pop()!;
}

const versionOf = async (requestId: string) =>
  (await db().selectFrom('subject_access_requests').select('version').where('id', '=', requestId).executeTakeFirstOrThrow()).version;

describe.each(availableBackends())('data protection on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
    council = (await createOrganisation(testApp, { name: 'Newcastle City Council' })).id;
    const officer = await createUser(testApp, { role: 'data_protection_officer', organisationId: council, name: 'Siân Morgan' });
    dpoUserId = officer.user.id;
    dpo = await signedInAgent(testApp, officer.user);
    const caseManager = await createUser(testApp, { role: 'case_manager', organisationId: council, name: 'Casey Manager' });
    managerName = caseManager.user.name;
    manager = await signedInAgent(testApp, caseManager.user);
    world = await buildWorld();
  });
  afterAll(async () => testApp.close());

  describe('the statutory time limit', () => {
    it('is the same date a month on, the month’s last day when there is none, moved past weekends and bank holidays', () => {
      expect(addCalendarMonths('2026-01-31', 1)).toBe('2026-02-28');
      expect(addCalendarMonths('2028-01-31', 1)).toBe('2028-02-29');
      expect(addCalendarMonths('2026-11-15', 3)).toBe('2027-02-15');
      expect(subjectAccessDueOn('2026-03-26')).toBe('2026-04-27'); // 26 April 2026 is a Sunday
      expect(subjectAccessDueOn('2026-04-04')).toBe('2026-05-05'); // 4 May 2026 is the early May bank holiday
      expect(subjectAccessDueOn('2026-01-10', 2)).toBe('2026-04-10');
    });
  });

  describe('who may use the data-protection pages', () => {
    it('lets only the data-protection officer in; everyone else gets 403 and nothing is written', async () => {
      for (const role of ['case_manager', 'partnership_admin', 'organisation_admin', 'analyst', 'case_worker'] as const) {
        const agent = await signedInAgent(testApp, (await createUser(testApp, { role, organisationId: council })).user);
        for (const url of ['/data-protection/requests', '/data-protection/requests/new', '/data-protection/access-review', '/data-protection/anomalies', `/data-protection/people/${world.mary}/flags`]) {
          expect((await agent.get(url)).statusCode, `${role} ${url}`).toBe(403);
        }
        expect((await agent.post('/data-protection/requests/new', { personId: world.mary, requesterName: 'X', requesterRelationship: 'self', identityVerified: 'yes' })).statusCode).toBe(403);
        expect((await agent.post(`/data-protection/people/${world.mary}/flags`, { restricted: 'yes', restrictionReason: 'x' })).statusCode).toBe(403);
      }
      const requests = await db().selectFrom('subject_access_requests').select('id').where('requester_name', '=', 'X').execute();
      expect(requests).toEqual([]);
      expect((await dpo.get('/data-protection/requests')).statusCode).toBe(200);
      const anonymous = await testApp.app.inject({ method: 'GET', url: '/data-protection/requests' });
      expect([302, 401]).toContain(anonymous.statusCode);
    });
  });

  describe('recording a subject access request', () => {
    it('finds the person through the fuzzy search across the partnership, and audits the search', async () => {
      const page = await dpo.get('/data-protection/requests/new?name=Mary+Jnoes');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`?personId=${world.mary}`);
      const searched = await db().selectFrom('audit_events').select(['reason', 'details']).where('action', '=', 'PERSON_SEARCHED').where('actor_user_id', '=', dpoUserId).execute();
      expect(searched.at(-1)!.reason).toContain('subject access request');
    });

    it('refuses an incomplete form with the error summary and keeps what was typed', async () => {
      const response = await dpo.post('/data-protection/requests/new', { personId: world.mary, requesterName: 'Ms Representative', 'receivedOn-day': '31', 'receivedOn-month': '2', 'receivedOn-year': '2026' });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('govuk-error-summary');
      expect(response.body).toContain('Select who the requester is');
      expect(response.body).toContain('The date received must be a real date');
      expect(response.body).toContain('value="Ms Representative"');
    });

    it('sets the due date one calendar month after receipt', async () => {
      const requestId = await recordRequest(world.mary);
      const stored = await db().selectFrom('subject_access_requests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ person_id: world.mary, received_on: '2026-11-02', due_on: '2026-12-02', status: 'open', identity_verified: true, created_by: dpoUserId });
      expect(stored.reference).toMatch(/^SAR-2026-\d{6}$/);
    });
  });

  describe('finding everything', () => {
    it('lists the person’s records from every source, the candidates to confirm, and not other people’s', async () => {
      const requestId = await recordRequest(world.mary);
      const page = await dpo.get(`/data-protection/requests/${requestId}`);
      expect(page.statusCode).toBe(200);
      const body = page.body;
      expect(body).toContain(world.reference);
      expect(body).toContain('Noise and threats from the flat above Mary');
      expect(body).toContain('shouted at her on the stairs');
      expect(body).toContain('POL-MARY-1');
      expect(body).toContain('POL-CANDIDATE');
      expect(body).toContain(`incident_person:${world.candidate}`);
      expect(body).toContain('REF-MARY-1');
      expect(body).toContain('Repeat victim');
      expect(body).toContain('Threats escalating week on week');
      expect(body).toContain('Casey Manager');
      expect(body).toContain(`person:${world.kevin}`);
      expect(body).toContain('Witnessby');
      expect(body).not.toContain('POL-OTHER-MARY');
      expect(body).not.toContain('OLIVE-ONLY');
      expect(body).not.toContain('hedge dispute');
      const viewed = await db().selectFrom('audit_events').select(['record_type', 'record_id', 'reason', 'details']).where('action', '=', 'SUBJECT_ACCESS_REQUEST_VIEWED').orderBy('seq', 'desc').executeTakeFirstOrThrow();
      expect(viewed).toMatchObject({ record_type: 'person', record_id: world.mary });
      expect(viewed.reason).toContain(requestId);
      expect(viewed.details).toMatchObject({ requestId, cases: [world.caseId], referrals: 1, alerts: 1, riskAssessments: 1, incidents: 1, candidateIncidents: 1, notes: 2 });
    });

    it('sees every record whatever the case need-to-know, because the DPO is not on the case', async () => {
      // The DPO's own case pages stay closed: the request is the only way in.
      expect((await dpo.get(`/cases/${world.caseId}`)).statusCode).toBe(403);
    });
  });

  describe('redaction and release', () => {
    it('keeps the export unreleased until approved, then applies the ticked redactions to HTML and JSON', async () => {
      const requestId = await recordRequest(world.mary);
      expect((await dpo.get(`/data-protection/requests/${requestId}/export.json`)).statusCode).toBe(404);
      expect((await dpo.get(`/data-protection/requests/${requestId}/export.html`)).statusCode).toBe(404);

      const saved = await dpo.post(`/data-protection/requests/${requestId}/redactions`, {
        redact: [`person:${world.kevin}`, `note:${world.note2}`, `person:${world.other}`],
        confirm: [`incident_person:${world.candidate}`],
        version: String(await versionOf(requestId)),
      });
      expect(saved.statusCode).toBe(302);
      const stored = await db().selectFrom('subject_access_requests').select(['redactions', 'confirmed_candidates']).where('id', '=', requestId).executeTakeFirstOrThrow();
      // Olive is not named on Mary's records, so a key for her is ignored.
      expect(stored.redactions.sort()).toEqual([`note:${world.note2}`, `person:${world.kevin}`].sort());
      expect(stored.confirmed_candidates).toEqual([`incident_person:${world.candidate}`]);

      const approved = await dpo.post(`/data-protection/requests/${requestId}/approve`, { version: String(await versionOf(requestId)) });
      expect(approved.statusCode).toBe(302);

      const json = await dpo.get(`/data-protection/requests/${requestId}/export.json`);
      expect(json.statusCode).toBe(200);
      expect(json.headers['content-disposition']).toMatch(/attachment; filename="SAR-2026-\d+\.json"/);
      expect(json.body).not.toMatch(/Hargreaves/i);
      expect(json.body).not.toContain('informant lives at number 12');
      expect(json.body).toContain(REDACTED);
      expect(json.body).toContain('Witnessby');
      const data = JSON.parse(json.body);
      expect(data.notes.map((note: { body: string }) => note.body)).toEqual([`Mary says ${REDACTED} shouted at her on the stairs.`, REDACTED]);
      expect(data.incidents.map((incident: { reference: string }) => incident.reference).sort()).toEqual(['POL-CANDIDATE', 'POL-MARY-1']);
      expect(data.cases[0].otherPeople).toEqual([{ name: REDACTED, role: 'alleged_perpetrator', dateOfBirth: null, redacted: true }]);
      expect(data.accessLog.some((event: { who: string }) => event.who === 'Casey Manager')).toBe(true);

      const html = await dpo.get(`/data-protection/requests/${requestId}/export.html`);
      expect(html.statusCode).toBe(200);
      expect(html.body).not.toMatch(/Hargreaves/i);
      expect(html.body).not.toContain('informant lives at number 12');
      expect(html.body).toContain('POL-CANDIDATE');
      expect(html.body).toContain('oneroof-no-print');

      const events = await db().selectFrom('audit_events').select(['action', 'reason', 'details']).where('action', 'in', ['SUBJECT_ACCESS_EXPORT_APPROVED', 'SUBJECT_ACCESS_EXPORT_DOWNLOADED', 'SUBJECT_ACCESS_REDACTIONS_UPDATED']).where(sql<boolean>`details->>'requestId' = ${requestId}`).orderBy('seq').execute();
      expect(events.map((event) => event.action)).toEqual(['SUBJECT_ACCESS_REDACTIONS_UPDATED', 'SUBJECT_ACCESS_EXPORT_APPROVED', 'SUBJECT_ACCESS_EXPORT_DOWNLOADED', 'SUBJECT_ACCESS_EXPORT_DOWNLOADED']);
      for (const event of events) expect(event.reason).toContain(requestId);
    });

    it('freezes an approved export: later changes to redactions and later records do not alter it', async () => {
      const requestId = await recordRequest(world.mary);
      await dpo.post(`/data-protection/requests/${requestId}/approve`, { version: String(await versionOf(requestId)) });
      const before = (await dpo.get(`/data-protection/requests/${requestId}/export.json`)).body;
      const late = await dpo.post(`/data-protection/requests/${requestId}/redactions`, { redact: [`person:${world.kevin}`], version: String(await versionOf(requestId)) });
      expect(late.statusCode).toBe(302);
      expect((await dpo.follow(late)).body).toContain('already been approved');
      await db().insertInto('case_notes').values({ case_id: world.caseId, body: 'A note written after release', author_organisation_id: council }).execute();
      const after = (await dpo.get(`/data-protection/requests/${requestId}/export.json`)).body;
      expect(JSON.parse(after).notes).toEqual(JSON.parse(before).notes);
      expect(after).toContain('Hargreaves');
    });

    it('will not release until the requester’s identity is verified, and refuses a stale form', async () => {
      const requestId = await recordRequest(world.mary, 'no');
      const version = String(await versionOf(requestId));
      const refused = await dpo.post(`/data-protection/requests/${requestId}/approve`, { version });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('Confirm that you have verified the requester’s identity');
      const stale = await dpo.post(`/data-protection/requests/${requestId}/approve`, { version: '999', identityConfirmed: 'yes' });
      expect(stale.statusCode).toBe(302);
      expect((await db().selectFrom('subject_access_requests').select('status').where('id', '=', requestId).executeTakeFirstOrThrow()).status).toBe('open');
      const ok = await dpo.post(`/data-protection/requests/${requestId}/approve`, { version, identityConfirmed: 'yes' });
      expect(ok.statusCode).toBe(302);
      expect(await db().selectFrom('subject_access_requests').select(['status', 'identity_verified', 'approved_by']).where('id', '=', requestId).executeTakeFirstOrThrow()).toEqual({ status: 'approved', identity_verified: true, approved_by: dpoUserId });
    });

    it('extends the time limit by up to two months with a reason, and no further', async () => {
      const requestId = await recordRequest(world.mary);
      const missing = await dpo.post(`/data-protection/requests/${requestId}/extend`, { extensionMonths: '2', extensionReason: '', version: String(await versionOf(requestId)) });
      expect(missing.statusCode).toBe(400);
      expect(missing.body).toContain('Enter why the request needs longer');
      expect((await dpo.post(`/data-protection/requests/${requestId}/extend`, { extensionMonths: '2', extensionReason: 'Records from four agencies', version: String(await versionOf(requestId)) })).statusCode).toBe(302);
      expect(await db().selectFrom('subject_access_requests').select(['due_on', 'extension_months']).where('id', '=', requestId).executeTakeFirstOrThrow()).toEqual({ due_on: '2027-02-02', extension_months: 2 });
      expect((await dpo.post(`/data-protection/requests/${requestId}/extend`, { extensionMonths: '1', extensionReason: 'More', version: String(await versionOf(requestId)) })).statusCode).toBe(400);
    });
  });

  describe('restriction and rectification flags', () => {
    it('shows a banner to case users, and keeps a restricted person out of alert rules until lifted', async () => {
      const person = await createPerson(db(), { given: 'Rita', family: 'Restricted' });
      await db().insertInto('case_people').values({ case_id: world.caseId, person_id: person, role: 'witness' }).execute();
      const asOf = new Date();
      for (const daysAgo of [1, 5, 9]) await createIncident(db(), { organisationId: council, asOf, daysAgo, people: [{ personId: person, role: 'victim' }] });

      const missingReason = await dpo.post(`/data-protection/people/${person}/flags`, { restricted: 'yes', restrictionReason: '' });
      expect(missingReason.statusCode).toBe(400);
      expect(missingReason.body).toContain('Enter why processing is restricted');
      const flagged = await dpo.post(`/data-protection/people/${person}/flags`, { restricted: 'yes', restrictionReason: 'Accuracy contested', rectificationRequested: 'Date of birth is wrong' });
      expect(flagged.statusCode).toBe(302);

      const page = await manager.get(`/people/${person}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('data-protection-banner');
      expect(page.body).toContain('Processing of this person’s data is restricted');
      expect(page.body).toContain('Date of birth is wrong');
      const casePeople = await manager.get(`/cases/${world.caseId}/people`);
      expect(casePeople.statusCode).toBe(200);
      expect(casePeople.body).toMatch(/Rita Restricted<\/a> <strong class="govuk-tag govuk-tag--red">\s*Processing restricted/);

      await testApp.services.alerts.runRules(asOf);
      expect(await db().selectFrom('alerts').select('id').where('person_id', '=', person).execute()).toEqual([]);

      expect((await dpo.post(`/data-protection/people/${person}/flags`, { restricted: 'no', rectificationRequested: '' })).statusCode).toBe(302);
      expect((await manager.get(`/people/${person}`)).body).not.toContain('data-protection-banner');
      await testApp.services.alerts.runRules(asOf);
      const alerts = await db().selectFrom('alerts').select('rule_code').where('person_id', '=', person).execute();
      expect(alerts.map((alert) => alert.rule_code)).toContain('repeat_victim');
      const audited = await db().selectFrom('audit_events').select('details').where('action', '=', 'PERSON_DATA_PROTECTION_FLAGS_UPDATED').where('record_id', '=', person).orderBy('seq').execute();
      expect(audited.map((event) => event.details.restricted)).toEqual([true, false]);
    });
  });

  describe('access review', () => {
    it('says who read the person’s record and cases and why, including break-glass with its reason', async () => {
      const stranger = await createUser(testApp, { role: 'case_manager', name: 'Stella Stranger' });
      const strangerAgent = await signedInAgent(testApp, stranger.user);
      expect((await strangerAgent.post('/cases/break-glass', { reference: world.reference, reason: 'Out-of-hours welfare call about Mary' })).statusCode).toBe(302);
      expect((await strangerAgent.get(`/cases/${world.caseId}`)).statusCode).toBe(200);

      const page = await dpo.get(`/data-protection/access-review?personId=${world.mary}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Casey Manager');
      expect(page.body).toContain('Lead agency');
      expect(page.body).toContain('Stella Stranger');
      expect(page.body).toContain('Emergency access');
      expect(page.body).toContain('Out-of-hours welfare call about Mary');
      expect(page.body).toContain(`/admin/audit?actor=${stranger.user.id}`);
      expect(page.body).not.toContain('Olive');
      const audited = await db().selectFrom('audit_events').select(['record_id']).where('action', '=', 'ACCESS_REVIEW_VIEWED').orderBy('seq', 'desc').executeTakeFirstOrThrow();
      expect(audited.record_id).toBe(world.mary);
    });
  });

  describe('anomaly report', () => {
    /** Audit rows as the app would write them, at chosen times (the chain's hashes do not matter here). */
    async function readEvents(user: { id: string; organisation_id: string }, times: Date[], caseIds: string[]) {
      const head = await db().selectFrom('audit_events').select(sql<string>`coalesce(max(seq), 0)`.as('seq')).executeTakeFirstOrThrow();
      let seq = BigInt(head.seq);
      const rows = times.map((at, index) => {
        seq += 1n;
        return {
          seq: seq.toString(), occurred_at: at.toISOString(), actor_user_id: user.id, actor_label: 'crafted', organisation_id: user.organisation_id,
          action: 'CASE_VIEWED', record_type: 'case', record_id: caseIds[index % caseIds.length]!, details: '{}', prev_hash: 'x', hash: 'x', break_glass: false as never,
        };
      });
      await db().insertInto('audit_events').values(rows).execute();
    }

    /** Noon UTC on weekdays (within 07:00–19:00 London all year), going back from two days ago. */
    function weekdayNoons(count: number): Date[] {
      const days: Date[] = [];
      for (let back = 2; days.length < count; back++) {
        const day = new Date(Date.now() - back * 86_400_000);
        day.setUTCHours(12, 0, 0, 0);
        if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) days.push(day);
      }
      return days;
    }

    it('flags a heavy viewer of other organisations’ cases and an out-of-hours reader, not a normal user; thresholds from the query', async () => {
      const elsewhere = (await createOrganisation(testApp)).id;
      const otherCases: string[] = [];
      for (let index = 0; index < 25; index++) {
        otherCases.push((await db().insertInto('cases').values({ reference: `ANOM-${index}-${Date.now()}`, case_type: 'anti_social_behaviour', summary: 'x', lead_organisation_id: elsewhere }).returning('id').executeTakeFirstOrThrow()).id);
      }
      const heavy = (await createUser(testApp, { role: 'case_worker', organisationId: council, name: 'Harry Heavy' })).user;
      const night = (await createUser(testApp, { role: 'case_worker', organisationId: council, name: 'Nina Night' })).user;
      const normal = (await createUser(testApp, { role: 'case_worker', organisationId: council, name: 'Norma Normal' })).user;
      const noons = weekdayNoons(25);
      await readEvents(heavy, noons, otherCases);
      const nights = Array.from({ length: 12 }, (_, index) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - 3 - index, 1, 30)));
      await readEvents(night, nights, [world.caseId]);
      await readEvents(normal, weekdayNoons(8), [world.caseId]);

      const page = await dpo.get('/data-protection/anomalies');
      expect(page.statusCode).toBe(200);
      const section = (testId: string) => new RegExp(`data-testid="${testId}"[\\s\\S]*?</table>`).exec(page.body)?.[0] ?? '';
      expect(section('heavy-viewers')).toContain('Harry Heavy');
      expect(section('heavy-viewers')).toContain(`/admin/audit?actor=${heavy.id}`);
      expect(section('heavy-viewers')).not.toContain('Nina Night');
      expect(section('heavy-viewers')).not.toContain('Norma Normal');
      expect(section('out-of-hours')).toContain('Nina Night');
      expect(section('out-of-hours')).not.toContain('Harry Heavy');
      expect(section('out-of-hours')).not.toContain('Norma Normal');
      expect(section('break-glass')).toContain('Out-of-hours welfare call about Mary');

      const stricter = await dpo.get('/data-protection/anomalies?outsideThreshold=30&outOfHoursThreshold=13&days=abc');
      expect(stricter.statusCode).toBe(200);
      expect(stricter.body).not.toContain('Harry Heavy');
      expect(stricter.body).not.toContain('Nina Night');
      expect(stricter.body).toContain('value="30"');
      expect(stricter.body).toContain('value="30"');
      const audited = await db().selectFrom('audit_events').select('details').where('action', '=', 'ACCESS_ANOMALIES_VIEWED').orderBy('seq', 'desc').executeTakeFirstOrThrow();
      expect(audited.details).toMatchObject({ days: 30, outsideThreshold: 30, outOfHoursThreshold: 13, heavyViewers: 0, outOfHours: 0 });
    });
  });
});
