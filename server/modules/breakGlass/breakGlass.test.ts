import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const REASON = 'Child at immediate risk, out-of-hours call from the hospital';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

/** A case led by one council, with a standard note and its photo, and a case manager from an unrelated organisation. */
async function caseAndStranger() {
  const lead = await createOrganisation(testApp);
  const leadManager = await createUser(testApp, { role: 'case_manager', organisationId: lead.id });
  const leadAgent = await signedInAgent(testApp, leadManager.user);
  const opened = await leadAgent.post('/cases/new', { caseType: 'vulnerability', priority: 'high', summary: 'Elderly man, possible cuckooing', area: 'Walker' });
  const caseId = String(opened.headers.location).split('/').pop()!;
  const form = new FormData();
  form.append('body', 'Neighbours report visitors at all hours');
  form.append('sensitivity', 'standard');
  form.append('attachment', new Blob([new Uint8Array(PNG)], { type: 'image/png' }), 'door.png');
  expect((await leadAgent.postMultipart(`/cases/${caseId}/notes/new`, form)).statusCode).toBe(302);
  const attachment = await testApp.database.db.selectFrom('case_attachments').select('id').where('case_id', '=', caseId).executeTakeFirstOrThrow();
  const kase = await testApp.database.db.selectFrom('cases').select(['reference', 'status', 'version']).where('id', '=', caseId).executeTakeFirstOrThrow();
  const stranger = await createUser(testApp, { role: 'case_manager', name: 'Sam Stranger' });
  return { caseId, reference: kase.reference, attachmentId: attachment.id, leadAgent, stranger, strangerAgent: await signedInAgent(testApp, stranger.user) };
}

async function breakGlass(agent: TestAgent, reference: string, reason = REASON) {
  return agent.post('/cases/break-glass', { reference, reason });
}

describe('break-glass access', () => {
  it("reads the case's people but changes none of them: their record, markers and households stay the case's own agencies' to change", async () => {
    const { caseId, reference, leadAgent, strangerAgent } = await caseAndStranger();
    const added = await leadAgent.post(`/cases/${caseId}/people/new`, { givenName: 'Albert', familyName: 'Nokes', role: 'person_at_risk', approximateAge: '81' });
    expect(added.statusCode).toBe(302);
    const person = await testApp.database.db.selectFrom('people').select(['id', 'version']).where('family_name', '=', 'Nokes').executeTakeFirstOrThrow();
    expect((await breakGlass(strangerAgent, reference)).statusCode).toBe(302);

    expect((await strangerAgent.get(`/people/${person.id}`)).statusCode).toBe(200);
    expect((await strangerAgent.get(`/people/${person.id}/edit`)).statusCode).toBe(404);
    const edit = await strangerAgent.post(`/people/${person.id}/edit`, { givenName: 'Changed', familyName: 'Nokes', version: String(person.version) });
    expect(edit.statusCode).toBe(404);
    expect((await strangerAgent.post(`/people/${person.id}/markers`, { marker: 'older_person' })).statusCode).toBe(404);
    expect((await strangerAgent.post(`/people/${person.id}/households/new`, { name: 'Nokes household' })).statusCode).toBe(404);
    const unchanged = await testApp.database.db.selectFrom('people').select(['given_name', 'version']).where('id', '=', person.id).executeTakeFirstOrThrow();
    expect(unchanged).toEqual({ given_name: 'Albert', version: person.version });
    const markers = await testApp.database.db.selectFrom('person_markers').select('id').where('person_id', '=', person.id).execute();
    expect(markers).toEqual([]);
    const households = await testApp.database.db.selectFrom('household_members').select('household_id').where('person_id', '=', person.id).execute();
    expect(households).toEqual([]);
  });

  it('lets a case manager read a case they cannot see, read-only, audited, until the grant expires', async () => {
    const { caseId, reference, attachmentId, leadAgent, stranger, strangerAgent } = await caseAndStranger();
    expect((await strangerAgent.get(`/cases/${caseId}`)).statusCode).toBe(404);

    const form = await strangerAgent.get('/cases/break-glass');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Every use of emergency access is recorded');
    const tooShort = await breakGlass(strangerAgent, reference, 'urgent');
    expect(tooShort.statusCode).toBe(400);
    expect(tooShort.body).toContain('The reason must be at least 10 characters');
    expect(tooShort.body).toContain(`value="${reference}"`);

    const used = await breakGlass(strangerAgent, reference.toLowerCase());
    expect(used.statusCode).toBe(302);
    expect(used.headers.location).toBe(`/cases/${caseId}`);
    const page = await strangerAgent.follow(used);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('emergency (break-glass) access');
    expect(page.body).toContain('Elderly man, possible cuckooing');
    const grant = await testApp.database.db.selectFrom('break_glass_grants').selectAll().where('user_id', '=', stranger.user.id).executeTakeFirstOrThrow();
    expect(grant.reason).toBe(REASON);
    const minutes = (new Date(grant.expires_at).getTime() - new Date(grant.granted_at).getTime()) / 60_000;
    expect(minutes).toBeCloseTo(60, 0);

    const timeline = await strangerAgent.get(`/cases/${caseId}/timeline`);
    expect(timeline.statusCode).toBe(200);
    expect(timeline.body).toContain('Neighbours report visitors at all hours');
    expect(timeline.body).not.toContain('data-testid="note-form"');
    expect((await strangerAgent.get(`/cases/${caseId}/attachments/${attachmentId}`)).statusCode).toBe(200);

    // Read-only: nothing can be changed through break-glass access.
    const edit = await strangerAgent.post(`/cases/${caseId}/edit`, { caseType: 'vulnerability', priority: 'low', summary: 'Changed', version: '1' });
    expect(edit.statusCode).toBe(404);
    const note = new FormData();
    note.append('body', 'Should not be added');
    note.append('sensitivity', 'standard');
    expect((await strangerAgent.postMultipart(`/cases/${caseId}/notes/new`, note)).statusCode).toBe(404);
    // The case workflow refuses the transition (all of them are for the lead agency only).
    const status = await strangerAgent.post(`/cases/${caseId}/status`, { transition: 'assess', version: '1' });
    expect([400, 404]).toContain(status.statusCode);
    const after = await testApp.database.db.selectFrom('cases').select(['summary', 'status', 'priority']).where('id', '=', caseId).executeTakeFirstOrThrow();
    expect(after).toEqual({ summary: 'Elderly man, possible cuckooing', status: 'open', priority: 'high' });
    expect(await testApp.database.db.selectFrom('case_notes').select('id').where('case_id', '=', caseId).execute()).toHaveLength(1);

    const audit = await testApp.database.db.selectFrom('audit_events').select(['action', 'break_glass', 'reason']).where('actor_user_id', '=', stranger.user.id).orderBy('seq').execute();
    const actions = new Set(audit.map((row) => row.action));
    for (const action of ['BREAK_GLASS_USED', 'CASE_VIEWED', 'TIMELINE_VIEWED', 'ATTACHMENT_DOWNLOADED']) expect(actions).toContain(action);
    expect(audit.every((row) => row.break_glass)).toBe(true);
    expect(audit.find((row) => row.action === 'BREAK_GLASS_USED')?.reason).toBe(REASON);

    // The lead agency sees on its timeline that emergency access was used, and by whom.
    const leadTimeline = await leadAgent.get(`/cases/${caseId}/timeline`);
    expect(leadTimeline.body).toContain('Emergency (break-glass) access used');
    expect(leadTimeline.body).toContain('by Sam Stranger');

    await testApp.database.db.updateTable('break_glass_grants').set({ expires_at: sql<Date>`now() - interval '1 minute'` }).where('id', '=', grant.id).execute();
    expect((await strangerAgent.get(`/cases/${caseId}`)).statusCode).toBe(404);
    expect((await strangerAgent.get(`/cases/${caseId}/timeline`)).statusCode).toBe(404);
    expect((await strangerAgent.get(`/cases/${caseId}/attachments/${attachmentId}`)).statusCode).toBe(404);
  });

  it('says so when no case has the reference, and audits the attempt', async () => {
    const { stranger, strangerAgent } = await caseAndStranger();
    const response = await breakGlass(strangerAgent, 'ASB-1999-999999');
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('There is no case with that reference');
    expect(response.body).toContain(REASON);
    const audit = await testApp.database.db.selectFrom('audit_events').select(['action', 'break_glass', 'reason', 'details']).where('actor_user_id', '=', stranger.user.id).execute();
    expect(audit).toEqual([{ action: 'BREAK_GLASS_USED', break_glass: true, reason: REASON, details: { reference: 'ASB-1999-999999', found: false } }]);
    expect(await testApp.database.db.selectFrom('break_glass_grants').select('id').where('user_id', '=', stranger.user.id).execute()).toEqual([]);
  });

  it('is only for case managers, and not needed by an agency already on the case', async () => {
    const { caseId, reference, leadAgent } = await caseAndStranger();
    const worker = await createUser(testApp, { role: 'case_worker' });
    const workerAgent = await signedInAgent(testApp, worker.user);
    expect((await workerAgent.get('/cases/break-glass')).statusCode).toBe(403);
    expect((await breakGlass(workerAgent, reference)).statusCode).toBe(403);
    const own = await breakGlass(leadAgent, reference);
    expect(own.headers.location).toBe(`/cases/${caseId}`);
    expect(await testApp.database.db.selectFrom('break_glass_grants').select('id').where('case_id', '=', caseId).execute()).toEqual([]);
  });

  it('lists every use for partnership administrators to review once, and for nobody else', async () => {
    const { reference, stranger, strangerAgent } = await caseAndStranger();
    await breakGlass(strangerAgent, reference);
    const grant = await testApp.database.db.selectFrom('break_glass_grants').select('id').where('user_id', '=', stranger.user.id).executeTakeFirstOrThrow();
    const admin = await createUser(testApp, { role: 'partnership_admin', name: 'Alex Reviewer' });
    const adminAgent = await signedInAgent(testApp, admin.user);

    const list = await adminAgent.get('/admin/break-glass');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(reference);
    expect(list.body).toContain(REASON);
    expect(list.body).toContain('Sam Stranger');
    expect(list.body).toContain('To review');
    for (const role of ['case_manager', 'case_worker', 'organisation_admin', 'analyst'] as const) {
      const other = await signedInAgent(testApp, (await createUser(testApp, { role })).user);
      expect((await other.get('/admin/break-glass')).statusCode, role).toBe(403);
      expect((await other.post(`/admin/break-glass/${grant.id}/review`, { outcome: 'justified', comment: 'x' })).statusCode, role).toBe(403);
    }

    const incomplete = await adminAgent.post(`/admin/break-glass/${grant.id}/review`, { comment: 'Looked at the call log' });
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.body).toContain('Select whether the use was justified');
    expect(incomplete.body).toContain('Looked at the call log');
    const reviewed = await adminAgent.post(`/admin/break-glass/${grant.id}/review`, { outcome: 'not_justified', comment: 'No emergency on the call log' });
    expect(reviewed.statusCode).toBe(302);
    const row = await testApp.database.db.selectFrom('break_glass_grants').select(['reviewed_by', 'review_outcome', 'reviewed_at']).where('id', '=', grant.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ reviewed_by: admin.user.id, review_outcome: 'not_justified' });
    const audit = await testApp.database.db.selectFrom('audit_events').select(['reason', 'details']).where('action', '=', 'BREAK_GLASS_REVIEWED').where('record_id', '=', grant.id).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ reason: 'No emergency on the call log', details: { outcome: 'not_justified', reference } });
    const listed = await adminAgent.get('/admin/break-glass');
    expect(listed.body).toContain('Not justified');
    expect(listed.body).toContain('No emergency on the call log');
    expect(listed.body).toContain('Reviewed by Alex Reviewer');

    const again = await adminAgent.post(`/admin/break-glass/${grant.id}/review`, { outcome: 'justified', comment: 'Changed my mind' });
    expect(again.statusCode).toBe(400);
    expect((await adminAgent.get('/admin/break-glass/00000000-0000-4000-8000-000000000000/review')).statusCode).toBe(404);
    expect((await adminAgent.get('/admin')).body).toContain('Emergency access reviews');
  });
});
