import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { createSharingAgreement } from '../../../test/factories/sharingAgreements.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

async function openCase(agent: TestAgent, summary = 'Repeated noise and threats at Elm Court') {
  const response = await agent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'medium', summary, area: 'Byker' });
  expect(response.statusCode).toBe(302);
  const caseId = String(response.headers.location).split('/').pop()!;
  return { caseId, page: await agent.follow(response) };
}

describe('opening and working a case', () => {
  it('opens a case with a yearly reference, the creator as lead officer, and audits every view', async () => {
    const council = await createOrganisation(testApp);
    const officer = await createUser(testApp, { role: 'case_worker', organisationId: council.id, name: 'Carys Bevan' });
    const agent = await signedInAgent(testApp, officer.user);
    const first = await openCase(agent);
    const second = await openCase(agent, 'Another matter');
    const year = new Date().getFullYear();
    expect(first.page.body).toMatch(new RegExp(`ASB-${year}-\\d{6}`));
    const references = await testApp.database.db.selectFrom('cases').select('reference').where('id', 'in', [first.caseId, second.caseId]).orderBy('reference').execute();
    const [a, b] = references.map((row) => Number(row.reference.slice(-6)));
    expect(b! - a!).toBe(1);
    expect(first.page.body).toContain('Carys Bevan');
    const views = await testApp.database.db.selectFrom('audit_events').select(['action', 'details']).where('record_id', '=', first.caseId).orderBy('seq').execute();
    expect(views.map((row) => row.action)).toEqual(['CASE_CREATED', 'CASE_VIEWED']);
  });

  it('keeps the form and explains each problem', async () => {
    const officer = await createUser(testApp, { role: 'case_worker' });
    const agent = await signedInAgent(testApp, officer.user);
    const response = await agent.post('/cases/new', { summary: '', area: 'x'.repeat(101) });
    expect(response.statusCode).toBe(400);
    for (const message of ['Select the type of case', 'Select a priority', 'Enter a summary of the case', 'Area must be 100 characters or fewer']) {
      expect(response.body).toContain(message);
    }
  });

  it("is invisible to an organisation that neither leads nor takes part, until it is added", async () => {
    const lead = await createOrganisation(testApp);
    const partner = await createOrganisation(testApp, { name: 'Partner Housing', type: 'housing_provider' });
    await createSharingAgreement(testApp, [lead.id, partner.id]);
    const manager = await createUser(testApp, { role: 'case_manager', organisationId: lead.id });
    const outsider = await createUser(testApp, { role: 'case_worker', organisationId: partner.id });
    const managerAgent = await signedInAgent(testApp, manager.user);
    const outsiderAgent = await signedInAgent(testApp, outsider.user);
    const { caseId } = await openCase(managerAgent);

    expect((await outsiderAgent.get(`/cases/${caseId}`)).statusCode).toBe(404);
    expect((await outsiderAgent.get('/cases?view=organisation')).body).not.toContain(caseId);
    expect((await outsiderAgent.post(`/cases/${caseId}/status`, { transition: 'assess', version: '1' })).statusCode).toBe(404);

    const added = await managerAgent.post(`/cases/${caseId}/agencies`, { organisationId: partner.id });
    expect(added.statusCode).toBe(302);
    expect((await outsiderAgent.get(`/cases/${caseId}`)).statusCode).toBe(200);
    expect((await outsiderAgent.get('/cases?view=organisation')).body).toContain(caseId);
    // A participant sees the case but may not add agencies, even as a case manager: that is the lead's decision.
    const partnerManager = await createUser(testApp, { role: 'case_manager', organisationId: partner.id });
    const partnerManagerAgent = await signedInAgent(testApp, partnerManager.user);
    const third = await createOrganisation(testApp);
    expect((await partnerManagerAgent.post(`/cases/${caseId}/agencies`, { organisationId: third.id })).statusCode).toBe(404);
    const audit = await testApp.database.db.selectFrom('audit_events').select('action').where('record_id', '=', caseId).where('action', '=', 'CASE_AGENCY_ADDED').execute();
    expect(audit).toHaveLength(1);
  });

  it('follows the workflow, closes with an outcome and reason, and reopens with a reason', async () => {
    const manager = await createUser(testApp, { role: 'case_manager' });
    const worker = await createUser(testApp, { role: 'case_worker', organisationId: manager.user.organisation_id });
    const agent = await signedInAgent(testApp, manager.user);
    const workerAgent = await signedInAgent(testApp, worker.user);
    const { caseId } = await openCase(agent);
    const status = async () => (await testApp.database.db.selectFrom('cases').select(['status', 'version']).where('id', '=', caseId).executeTakeFirstOrThrow());

    expect((await agent.post(`/cases/${caseId}/status`, { transition: 'review', version: '1' })).statusCode).toBe(400);
    expect((await agent.post(`/cases/${caseId}/status`, { transition: 'assess', version: '1' })).statusCode).toBe(302);
    expect((await agent.post(`/cases/${caseId}/status`, { transition: 'start', version: '2' })).statusCode).toBe(302);
    expect((await status()).status).toBe('in_progress');

    const workerClose = await workerAgent.post(`/cases/${caseId}/status`, { transition: 'close', outcome: 'resolved', closureReason: 'done', version: '3' });
    expect(workerClose.statusCode).toBe(400);
    expect(workerClose.body).toContain('That change is not possible');

    const missing = await agent.post(`/cases/${caseId}/status`, { transition: 'close', version: '3' });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Select the outcome');
    expect(missing.body).toContain('Enter the reason for closing the case');
    const closed = await agent.post(`/cases/${caseId}/status`, { transition: 'close', outcome: 'resolved', closureReason: 'Tenancy warning complied with', version: '3' });
    expect(closed.statusCode).toBe(302);
    const closedRow = await testApp.database.db.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirstOrThrow();
    expect(closedRow).toMatchObject({ status: 'closed', outcome_code: 'resolved', closure_reason: 'Tenancy warning complied with' });
    expect(closedRow.closed_at).not.toBeNull();

    expect((await agent.post(`/cases/${caseId}/status`, { transition: 'reopen', version: '4' })).statusCode).toBe(400);
    expect((await agent.post(`/cases/${caseId}/status`, { transition: 'reopen', reason: 'New reports this week', version: '4' })).statusCode).toBe(302);
    expect((await status()).status).toBe('in_progress');
    const events = await testApp.database.db.selectFrom('case_events').select('kind').where('case_id', '=', caseId).orderBy('id').execute();
    expect(events.map((event) => event.kind)).toEqual(['case_opened', 'status_changed', 'status_changed', 'status_changed', 'status_changed']);
  });

  it("tells the second of two editors what changed instead of overwriting", async () => {
    const officer = await createUser(testApp, { role: 'case_worker' });
    const agent = await signedInAgent(testApp, officer.user);
    const { caseId } = await openCase(agent, 'Original summary');
    const form = { caseType: 'anti_social_behaviour', priority: 'medium', area: 'Byker', version: '1' };
    expect((await agent.post(`/cases/${caseId}/edit`, { ...form, summary: 'First editor wins' })).statusCode).toBe(302);
    const second = await agent.post(`/cases/${caseId}/edit`, { ...form, summary: 'Second editor typed this' });
    expect(second.statusCode).toBe(409);
    expect(second.body).toContain('Someone else saved changes to this record');
    expect(second.body).toContain('First editor wins');
    expect(second.body).toContain('Second editor typed this');
    expect(second.body).toContain('name="version" value="2"');
    const row = await testApp.database.db.selectFrom('cases').select('summary').where('id', '=', caseId).executeTakeFirstOrThrow();
    expect(row.summary).toBe('First editor wins');
  });

  it('adds a new person with checked dates and a place with a checked postcode', async () => {
    const officer = await createUser(testApp, { role: 'case_worker' });
    const agent = await signedInAgent(testApp, officer.user);
    const { caseId } = await openCase(agent);
    const future = await agent.post(`/cases/${caseId}/people/new`, {
      role: 'victim', givenName: 'Ann', familyName: 'Lee', 'dateOfBirth-day': '1', 'dateOfBirth-month': '1', 'dateOfBirth-year': String(new Date().getFullYear() + 1),
    });
    expect(future.statusCode).toBe(400);
    expect(future.body).toContain('Date of birth must be in the past');
    expect(future.body).toContain('value="Ann"');
    const impossible = await agent.post(`/cases/${caseId}/people/new`, { role: 'victim', givenName: 'Ann', familyName: 'Lee', 'dateOfBirth-day': '31', 'dateOfBirth-month': '2', 'dateOfBirth-year': '1990' });
    expect(impossible.body).toContain('Date of birth must be a real date');
    const tooOld = await agent.post(`/cases/${caseId}/people/new`, { role: 'victim', givenName: 'Ann', familyName: 'Lee', 'dateOfBirth-day': '1', 'dateOfBirth-month': '1', 'dateOfBirth-year': '1890' });
    expect(tooOld.body).toContain('age over 120');
    const added = await agent.post(`/cases/${caseId}/people/new`, { role: 'victim', givenName: 'Ann', familyName: 'Lee', 'dateOfBirth-day': '3', 'dateOfBirth-month': '7', 'dateOfBirth-year': '1951', aliases: 'Annie Lee' });
    expect(added.statusCode).toBe(302);
    const peoplePage = await agent.follow(added);
    expect(peoplePage.body).toContain('Ann Lee');

    const badPostcode = await agent.post(`/cases/${caseId}/locations/new`, { addressLine1: '1 Elm Court', postcode: 'NOT A CODE', locationType: 'dwelling' });
    expect(badPostcode.statusCode).toBe(400);
    expect(badPostcode.body).toContain('Enter a real postcode');
    expect(badPostcode.body).toContain('value="1 Elm Court"');
    expect((await agent.post(`/cases/${caseId}/locations/new`, { addressLine1: '1 Elm Court', postcode: 'ne6 1aa', locationType: 'dwelling' })).statusCode).toBe(302);
    const location = await testApp.database.db.selectFrom('locations').innerJoin('case_locations', 'case_locations.location_id', 'locations.id').select('postcode').where('case_id', '=', caseId).executeTakeFirstOrThrow();
    expect(location.postcode).toBe('NE6 1AA');
  });

  it('finds a person despite typos and links them to another case', async () => {
    const organisation = await createOrganisation(testApp);
    const officer = await createUser(testApp, { role: 'case_worker', organisationId: organisation.id });
    const agent = await signedInAgent(testApp, officer.user);
    const first = await openCase(agent);
    await agent.post(`/cases/${first.caseId}/people/new`, { role: 'witness', givenName: 'John', familyName: 'Smith' });
    const second = await openCase(agent, 'A second matter');
    const found = await agent.get(`/cases/${second.caseId}/people?name=Jon%20Smyth`);
    expect(found.body).toContain('John Smith');
    const personId = /name="personId" value="([^"]+)"/.exec(found.body)![1]!;
    expect((await agent.post(`/cases/${second.caseId}/people/link`, { personId, role: 'victim' })).statusCode).toBe(302);
    expect((await agent.get(`/people/${personId}`)).body).toContain(first.page.body.match(/ASB-\d{4}-\d{6}/)![0]);

    const stranger = await createUser(testApp, { role: 'case_worker' });
    const strangerAgent = await signedInAgent(testApp, stranger.user);
    expect((await strangerAgent.get(`/people/${personId}`)).statusCode).toBe(404);
    expect((await strangerAgent.get('/people?name=John%20Smith')).body).not.toContain(personId);
  });
});
