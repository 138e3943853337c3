import { latLngToCell } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { addDays, londonToday } from '../../shared/dates.ts';

let testApp: TestApp;
const db = () => testApp.database.db;

// A target 300 m across around a point in Heaton, a 400 m buffer ring and a comparison area 3 km north.
const CENTRE = { latitude: 54.98, longitude: -1.6 };
const METRES_EAST = 1 / (111_195 * Math.cos((CENTRE.latitude * Math.PI) / 180));
const METRES_NORTH = 1 / 111_195;
const COMPARISON = { latitude: CENTRE.latitude + 3000 * METRES_NORTH, longitude: CENTRE.longitude };

function dateBoxes(field: string, isoDate: string) {
  const [year, month, day] = isoDate.split('-');
  return { [`${field}-day`]: String(Number(day)), [`${field}-month`]: String(Number(month)), [`${field}-year`]: year };
}

async function submit(agent: TestAgent, url: string, form: Record<string, string | string[] | undefined>) {
  const response = await agent.post(url, form);
  const page = response.statusCode === 302 ? await agent.follow(response) : response;
  return { response, page };
}

async function team() {
  const suffix = Math.random().toString(36).slice(2, 8);
  const police = await createOrganisation(testApp, { name: `Police ${suffix}`, type: 'police' });
  const housing = await createOrganisation(testApp, { name: `Housing ${suffix}`, type: 'housing_provider' });
  const analyst = await createUser(testApp, { role: 'analyst', organisationId: police.id, name: `Ana Analyst ${suffix}` });
  const policeOfficer = await createUser(testApp, { role: 'case_worker', organisationId: police.id, name: `Pat Police ${suffix}` });
  const housingOfficer = await createUser(testApp, { role: 'case_worker', organisationId: housing.id, name: `Hana Housing ${suffix}` });
  return {
    police,
    housing,
    analyst,
    policeOfficer,
    housingOfficer,
    analystAgent: await signedInAgent(testApp, analyst.user),
    policeAgent: await signedInAgent(testApp, policeOfficer.user),
    housingAgent: await signedInAgent(testApp, housingOfficer.user),
  };
}

async function createProblem(agent: TestAgent, leadOrganisationId: string, extra: Record<string, string | string[]> = {}) {
  const { response } = await submit(agent, '/problems/new', {
    title: 'Burglaries around Heaton Park Road',
    leadOrganisationId,
    categoryCodes: 'burglary',
    targetLatitude: String(CENTRE.latitude),
    targetLongitude: String(CENTRE.longitude),
    targetRadius: '300',
    ...extra,
  });
  expect(response.statusCode).toBe(302);
  return String(response.headers.location).split('/').pop()!;
}

async function stageOf(problemId: string) {
  return (await db().selectFrom('problems').select('stage').where('id', '=', problemId).executeTakeFirstOrThrow()).stage;
}

async function versionOf(problemId: string) {
  return String((await db().selectFrom('problems').select('version').where('id', '=', problemId).executeTakeFirstOrThrow()).version);
}

const SCANNING_AREAS = {
  scanningSummary: 'Burglaries doubled in the terraces since spring',
  categoryCodes: 'burglary',
  targetLatitude: String(CENTRE.latitude),
  targetLongitude: String(CENTRE.longitude),
  targetRadius: '300',
  bufferWidth: '400',
  comparisonLatitude: String(COMPARISON.latitude),
  comparisonLongitude: String(COMPARISON.longitude),
  comparisonRadius: '500',
};

/** Incidents at known places and dates: the assessment's counts are known by hand. */
async function seedIncidents(organisationId: string, before: string, between: string, after: string) {
  const rows: { at: string; east: number; north: number; category: string }[] = [];
  const add = (count: number, at: string, east: number, north: number, category = 'burglary') => {
    for (let index = 0; index < count; index += 1) rows.push({ at, east: east + index, north, category });
  };
  add(10, before, 0, 0); // target, before
  add(5, after, 0, 0); // target, after
  add(4, before, 500, 0); // buffer ring (300–700 m), before
  add(3, after, 500, 0); // buffer, after
  add(20, before, 0, 3000); // comparison, before
  add(20, after, 0, 3000); // comparison, after
  add(7, after, 0, 0, 'theft'); // another category: not counted
  add(6, between, 0, 0); // between the periods: not counted
  add(2, after, 1500, 0); // beyond the buffer: not counted
  await db()
    .insertInto('incidents')
    .values(rows.map((row, index) => ({
      source_organisation_id: organisationId,
      source_reference: `PRB-TEST-${organisationId.slice(0, 8)}-${index}`,
      occurred_at: new Date(`${row.at}T12:00:00Z`),
      category_code: row.category,
      latitude: CENTRE.latitude + row.north * METRES_NORTH,
      longitude: CENTRE.longitude + row.east * METRES_EAST,
    })))
    .execute();
}

describe.each(availableBackends())('problem-solving on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
  });
  afterAll(async () => testApp?.close());

  it('opens the new-problem form prefilled from a hotspot cell, a point or a saved analysis, and keeps what was typed on errors', async () => {
    const { police, analyst, analystAgent } = await team();
    const cell = latLngToCell(CENTRE.latitude, CENTRE.longitude, 9);
    const fromCell = await analystAgent.get(`/problems/new?h3=${cell}&category=burglary`);
    expect(fromCell.statusCode).toBe(200);
    expect(fromCell.body).toContain(`name="h3Cell" value="${cell}"`);
    // The cell's centre, and a radius reaching its farthest corner.
    expect(fromCell.body).toMatch(/name="targetLatitude" type="text" spellcheck="false" value="54\.98\d*"/);
    expect(fromCell.body).toMatch(/name="targetRadius" type="text" spellcheck="false" value="(1|2)\d\d"/);
    expect(fromCell.body).toMatch(/name="categoryCodes" type="checkbox" value="burglary" checked/);
    const fromPoint = await analystAgent.get('/problems/new?lat=55.01&lng=-1.55&radius=400&h3=not-a-cell&lat=oops');
    expect(fromPoint.statusCode).toBe(200);
    expect(fromPoint.body).not.toContain('name="h3Cell"');

    const analysis = await db()
      .insertInto('saved_analyses')
      .values({ kind: 'hotspots', name: 'Heaton burglary hotspots', parameters: JSON.stringify({ resolution: 9 }), owner_user_id: analyst.user.id, organisation_id: police.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    const fromAnalysis = await analystAgent.get(`/problems/new?analysis=${analysis.id}`);
    expect(fromAnalysis.body).toContain('Heaton burglary hotspots');

    const missing = await analystAgent.post(`/problems/new?h3=${cell}`, { title: '', leadOrganisationId: police.id, targetLatitude: '54.98', targetLongitude: '', targetRadius: '300', h3Cell: cell });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Enter a title for the problem');
    expect(missing.body).toContain('Enter the latitude, longitude and radius of the area, or leave all three empty');
    expect(missing.body).toContain('value="54.98"');

    const problemId = await createProblem(analystAgent, police.id, { h3Cell: cell, savedAnalysisId: analysis.id });
    const stored = await db().selectFrom('problems').selectAll().where('id', '=', problemId).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ stage: 'objective', target_h3_cell: cell, owner_user_id: analyst.user.id, category_codes: ['burglary'], target_radius_m: 300 });
    expect(stored.reference).toMatch(/^PRB-\d{4}-\d{4}$/);
    const evidence = await db().selectFrom('problem_evidence').selectAll().where('problem_id', '=', problemId).execute();
    expect(evidence).toMatchObject([{ kind: 'saved_analysis', saved_analysis_id: analysis.id, label: 'Heaton burglary hotspots' }]);
    const audit = await db().selectFrom('audit_events').select('action').where('record_id', '=', problemId).execute();
    expect(audit.map((row) => row.action)).toContain('PROBLEM_CREATED');
  });

  it('moves through the stages only when each stage is recorded, and says what is missing', async () => {
    const { police, housing, housingOfficer, analystAgent } = await team();
    const problemId = await createProblem(analystAgent, police.id);
    const stage = (to: string, reason?: string) => submit(analystAgent, `/problems/${problemId}/stage`, { to, reason });

    expect((await stage('scanning')).page.body).toContain('Record the objective and how it will be measured before moving on.');
    expect((await stage('analysis')).page.body).toContain('The problem cannot move to that stage from where it is.');
    expect(await stageOf(problemId)).toBe('objective');

    await submit(analystAgent, `/problems/${problemId}/objective`, { objective: 'Reduce burglary', objectiveMeasure: 'Burglaries in the target, before and after', version: await versionOf(problemId) });
    expect((await stage('scanning')).page.body).toContain('The problem is now at: Scanning');

    // A comparison area touching the buffer is refused, with what was typed.
    const overlapping = await analystAgent.post(`/problems/${problemId}/scanning`, { ...SCANNING_AREAS, comparisonLatitude: String(CENTRE.latitude + 900 * METRES_NORTH), version: await versionOf(problemId) });
    expect(overlapping.statusCode).toBe(400);
    expect(overlapping.body).toContain('The comparison area overlaps the target area or its buffer');
    expect(overlapping.body).toContain('Burglaries doubled in the terraces since spring');
    // A form opened before someone else's save is not applied.
    const stale = await analystAgent.post(`/problems/${problemId}/scanning`, { ...SCANNING_AREAS, version: '1' });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('Someone else saved changes to this problem');
    expect((await submit(analystAgent, `/problems/${problemId}/scanning`, { ...SCANNING_AREAS, version: await versionOf(problemId) })).response.statusCode).toBe(302);

    expect((await stage('analysis')).page.body).toContain('The problem is now at: Analysis');
    expect((await stage('response')).page.body).toContain('Record the victim, offender or location side of the triangle');
    await submit(analystAgent, `/problems/${problemId}/analysis`, { location: 'Back lanes with broken gates', manager: 'Tyneside Homes', version: await versionOf(problemId) });
    expect((await stage('response')).page.body).toContain('The problem is now at: Response');
    expect((await stage('assessment')).page.body).toContain('Add at least one response before moving on to assessment.');

    const due = dateBoxes('dueDate', addDays(londonToday(), 14));
    const response = await submit(analystAgent, `/problems/${problemId}/responses/new`, { title: 'Fit gates to back lanes', ownerOrganisationId: housing.id, ownerUserId: housingOfficer.user.id, ...due });
    expect(response.response.statusCode).toBe(302);
    expect((await stage('assessment')).page.body).toContain('The problem is now at: Assessment');
    expect((await stage('closed')).page.body).toContain('Record an assessment before closing the problem.');

    // Going back needs a reason.
    expect((await stage('response')).page.body).toContain('Give the reason for going back.');
    expect((await stage('response', 'The gates are not all fitted yet')).page.body).toContain('The problem is now at: Response');
    const events = await db().selectFrom('problem_events').select(['kind', 'from_stage', 'to_stage', 'reason']).where('problem_id', '=', problemId).orderBy('created_at').execute();
    expect(events.at(-1)).toEqual({ kind: 'back', from_stage: 'assessment', to_stage: 'response', reason: 'The gates are not all fitted yet' });
    const audit = await db().selectFrom('audit_events').select('action').where('record_id', '=', problemId).where('action', '=', 'PROBLEM_STAGE_CHANGED').execute();
    expect(audit).toHaveLength(5);
  });

  it('records a before/after assessment with the counts worked out by hand, refuses bad periods, and closes the problem', async () => {
    const { police, housing, analystAgent } = await team();
    const year = Number(londonToday().slice(0, 4)) - 1;
    await seedIncidents(police.id, `${year}-02-15`, `${year}-04-15`, `${year}-06-15`);
    const problemId = await createProblem(analystAgent, police.id);
    await submit(analystAgent, `/problems/${problemId}/scanning`, { ...SCANNING_AREAS, version: await versionOf(problemId) });
    await db().updateTable('problems').set({ stage: 'assessment' }).where('id', '=', problemId).execute();
    await db().insertInto('case_actions').values({ problem_id: problemId, title: 'Gates', owner_organisation_id: housing.id }).execute();
    const periods = {
      ...dateBoxes('beforeStart', `${year}-01-01`),
      ...dateBoxes('beforeEnd', `${year}-03-31`),
      ...dateBoxes('afterStart', `${year}-05-01`),
      ...dateBoxes('afterEnd', `${year}-07-31`),
    };

    const backwards = await analystAgent.post(`/problems/${problemId}/assessments/new`, { ...periods, ...dateBoxes('afterStart', `${year}-03-01`), conclusion: 'Typed conclusion' });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.body).toContain('The after period must start after the before period ends');
    expect(backwards.body).toContain('Typed conclusion');
    const impossible = await analystAgent.post(`/problems/${problemId}/assessments/new`, { ...periods, 'beforeEnd-day': '31', 'beforeEnd-month': '2' });
    expect(impossible.body).toContain('The date must be a real date');
    expect(await db().selectFrom('problem_assessments').selectAll().where('problem_id', '=', problemId).execute()).toHaveLength(0);

    const recorded = await submit(analystAgent, `/problems/${problemId}/assessments/new`, { ...periods, conclusion: 'Halved against a flat comparison' });
    expect(recorded.response.statusCode).toBe(302);
    const [assessment] = await db().selectFrom('problem_assessments').selectAll().where('problem_id', '=', problemId).execute();
    expect(assessment).toMatchObject({ target_before: 10, target_after: 5, buffer_before: 4, buffer_after: 3, comparison_before: 20, comparison_after: 20 });
    // RR = (5/10)/(20/20) = 0.5, interval 0.5 × exp(±1.96 × sqrt(1/5 + 1/10 + 1/20 + 1/20)):
    // SE = sqrt(0.4) = 0.632; 0.5 × exp(±1.96 × 0.632) = 0.145 to 1.727.
    expect(recorded.page.body).toContain('-50.0% (95% confidence interval -85.5% to +72.7%): no clear change beyond the comparison area');
    // WDQ = (3/20 − 4/20) / (5/20 − 10/20) = 0.2.
    expect(recorded.page.body).toContain('Weighted displacement quotient 0.20: the buffer improved too (diffusion of benefits).');
    expect(recorded.page.body).toContain('data-testid="assessment-1-svg"');

    expect((await submit(analystAgent, `/problems/${problemId}/stage`, { to: 'closed' })).page.body).toContain('The problem is now at: Closed');
    const afterClosing = await submit(analystAgent, `/problems/${problemId}/objective`, { objective: 'Changed', version: await versionOf(problemId) });
    expect(afterClosing.page.body).toContain('Objective');
    expect((await db().selectFrom('problems').select('objective').where('id', '=', problemId).executeTakeFirstOrThrow()).objective).toBeNull();

    const report = await analystAgent.get(`/problems/${problemId}/report`);
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain('data-testid="report"');
    expect(report.body).toContain('Halved against a flat comparison');
    expect(report.body).toContain('data-testid="problem-map"');
    const audit = await db().selectFrom('audit_events').select('action').where('record_id', '=', problemId).execute();
    expect(audit.map((row) => row.action)).toEqual(expect.arrayContaining(['PROBLEM_ASSESSMENT_RECORDED', 'PROBLEM_REPORT_VIEWED', 'PROBLEM_UPDATED']));
  });

  it('explains why there is no estimate when a count is zero, and refuses an assessment without areas', async () => {
    const { police, analystAgent } = await team();
    const year = Number(londonToday().slice(0, 4)) - 1;
    const problemId = await createProblem(analystAgent, police.id, { categoryCodes: 'hate_incident' });
    const periods = { ...dateBoxes('beforeStart', `${year}-01-01`), ...dateBoxes('beforeEnd', `${year}-03-31`), ...dateBoxes('afterStart', `${year}-05-01`), ...dateBoxes('afterEnd', `${year}-07-31`) };
    const noAreas = await analystAgent.post(`/problems/${problemId}/assessments/new`, periods);
    expect(noAreas.statusCode).toBe(400);
    expect(noAreas.body).toContain('Record the target area, the buffer and the comparison area at the scanning stage before an assessment');
    await submit(analystAgent, `/problems/${problemId}/scanning`, { ...SCANNING_AREAS, categoryCodes: 'hate_incident', version: await versionOf(problemId) });
    const recorded = await submit(analystAgent, `/problems/${problemId}/assessments/new`, periods);
    expect(recorded.page.body).toContain('No estimate: the target area had no incidents before.');
    expect(recorded.page.body).toContain('No displacement quotient: the comparison area had no incidents in one of the periods.');
  });

  it("puts responses given to two partner organisations in each organisation's own list", async () => {
    const { police, housing, policeOfficer, housingOfficer, analystAgent, policeAgent, housingAgent } = await team();
    const problemId = await createProblem(analystAgent, police.id);
    const due = dateBoxes('dueDate', addDays(londonToday(), 10));
    await submit(analystAgent, `/problems/${problemId}/responses/new`, { title: 'Fit gates to back lanes', ownerOrganisationId: housing.id, ownerUserId: housingOfficer.user.id, ...due });
    await submit(analystAgent, `/problems/${problemId}/responses/new`, { title: 'Patrols at dusk', ownerOrganisationId: police.id, ownerUserId: policeOfficer.user.id, ...due });
    // An officer of another organisation, and a date in the past, are refused with what was typed.
    const wrong = await analystAgent.post(`/problems/${problemId}/responses/new`, { title: 'Leaflets', ownerOrganisationId: housing.id, ownerUserId: policeOfficer.user.id, ...dateBoxes('dueDate', addDays(londonToday(), -1)) });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('Select an active case worker or case manager of the owner agency');
    expect(wrong.body).toContain('Due date must be today or in the future');
    expect(wrong.body).toContain('value="Leaflets"');

    const rows = await db().selectFrom('case_actions').select(['title', 'case_id', 'problem_id', 'owner_organisation_id']).where('problem_id', '=', problemId).orderBy('title').execute();
    expect(rows).toEqual([
      { title: 'Fit gates to back lanes', case_id: null, problem_id: problemId, owner_organisation_id: housing.id },
      { title: 'Patrols at dusk', case_id: null, problem_id: problemId, owner_organisation_id: police.id },
    ]);
    const housingList = await housingAgent.get('/problems/responses');
    expect(housingList.statusCode).toBe(200);
    expect(housingList.body).toContain('Fit gates to back lanes');
    expect(housingList.body).not.toContain('Patrols at dusk');
    const policeList = await policeAgent.get('/problems/responses');
    expect(policeList.body).toContain('Patrols at dusk');
    expect(policeList.body).not.toContain('Fit gates to back lanes');
    // Case action lists are untouched by actions without a case.
    expect((await housingAgent.get('/cases/actions-due')).statusCode).toBe(200);

    // The owner's status update, with optimistic locking.
    const gates = (await db().selectFrom('case_actions').select(['id', 'due_date']).where('problem_id', '=', problemId).where('title', '=', 'Fit gates to back lanes').executeTakeFirstOrThrow());
    const update = { status: 'done', ownerUserId: housingOfficer.user.id, description: 'All 12 gates fitted', ...dateBoxes('dueDate', gates.due_date!) };
    expect((await analystAgent.post(`/problems/${problemId}/responses/${gates.id}/edit`, { ...update, version: '1' })).statusCode).toBe(302);
    expect((await analystAgent.post(`/problems/${problemId}/responses/${gates.id}/edit`, { ...update, version: '1' })).statusCode).toBe(409);
    const done = await db().selectFrom('case_actions').selectAll().where('id', '=', gates.id).executeTakeFirstOrThrow();
    expect(done).toMatchObject({ status: 'done', description: 'All 12 gates fitted', version: 2 });
    expect(done.completed_at).toBeInstanceOf(Date);
    // A case's action id is not a response of the problem.
    expect((await analystAgent.get(`/problems/${problemId}/responses/00000000-0000-4000-8000-000000000000/edit`)).statusCode).toBe(404);
  });

  it('lets each role do what its permissions say, and shows only linked cases the viewer may see', async () => {
    const { police, analystAgent, policeAgent } = await team();
    const problemId = await createProblem(analystAgent, police.id, { title: 'Shed break-ins on the allotments' });
    const other = await createOrganisation(testApp, { name: 'Elsewhere Council' });
    const manager = await createUser(testApp, { role: 'case_manager', organisationId: police.id });
    const otherManager = await createUser(testApp, { role: 'case_manager', organisationId: other.id });
    const managerAgent = await signedInAgent(testApp, manager.user);
    const otherAgent = await signedInAgent(testApp, otherManager.user);
    const ownCase = await db().insertInto('cases').values({ reference: `ASB-2026-7${String(Date.now()).slice(-5)}`, case_type: 'anti_social_behaviour', summary: 'Burglary victim support, Heaton', lead_organisation_id: police.id }).returning(['id', 'reference']).executeTakeFirstOrThrow();
    const hiddenCase = await db().insertInto('cases').values({ reference: `ASB-2026-8${String(Date.now()).slice(-5)}`, case_type: 'anti_social_behaviour', summary: 'Somebody else entirely', lead_organisation_id: other.id }).returning(['id', 'reference']).executeTakeFirstOrThrow();

    expect((await submit(managerAgent, `/problems/${problemId}/cases`, { reference: ownCase.reference.toLowerCase() })).page.body).toContain('Case linked');
    const refused = await managerAgent.post(`/problems/${problemId}/cases`, { reference: hiddenCase.reference });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('No case with that reference that your organisation works on');
    expect(refused.body).not.toContain('Somebody else entirely');
    // Someone from elsewhere links their own case; neither sees the other's.
    await submit(otherAgent, `/problems/${problemId}/cases`, { reference: hiddenCase.reference });
    const seenByManager = await managerAgent.get(`/problems/${problemId}`);
    expect(seenByManager.body).toContain(ownCase.reference);
    expect(seenByManager.body).not.toContain(hiddenCase.reference);
    const seenByOther = await otherAgent.get(`/problems/${problemId}`);
    expect(seenByOther.body).toContain(hiddenCase.reference);
    expect(seenByOther.body).not.toContain(ownCase.reference);
    // An analyst has no case access: no cases at all.
    const seenByAnalyst = await analystAgent.get(`/problems/${problemId}`);
    expect(seenByAnalyst.body).not.toContain(ownCase.reference);
    expect(seenByAnalyst.body).toContain('Linked cases are shown to case workers and managers');

    // A case worker reads problems but changes nothing; a read-only partner and an organisation administrator see none.
    expect((await policeAgent.get(`/problems/${problemId}`)).statusCode).toBe(200);
    expect((await policeAgent.get('/problems/new')).statusCode).toBe(403);
    expect((await policeAgent.post(`/problems/${problemId}/stage`, { to: 'scanning' })).statusCode).toBe(403);
    for (const role of ['read_only_partner', 'organisation_admin'] as const) {
      const agent = await signedInAgent(testApp, (await createUser(testApp, { role, organisationId: police.id })).user);
      expect((await agent.get('/problems')).statusCode).toBe(403);
      expect((await agent.get(`/problems/${problemId}`)).statusCode).toBe(403);
    }
    expect((await analystAgent.get('/problems/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await analystAgent.get('/problems/not-a-uuid')).statusCode).toBe(404);

    const list = await analystAgent.get('/problems?stage=objective&owner=mine');
    expect(list.body).toContain('Shed break-ins on the allotments');
    expect((await analystAgent.get('/problems?stage=closed')).body).not.toContain('Shed break-ins on the allotments');
    expect((await managerAgent.get('/problems?owner=mine')).body).not.toContain('Shed break-ins on the allotments');
  });
});
