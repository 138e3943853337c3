import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { createSharingAgreement } from '../../../test/factories/sharingAgreements.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { addDays, londonToday } from '../../shared/dates.ts';
import { policeDash, type RiskInstrument, safelivesDash, vulnerabilityScreening } from './riskInstruments.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

async function openCase(agent: TestAgent, form: Record<string, string> = {}) {
  const response = await agent.post('/cases/new', { caseType: 'domestic_abuse', priority: 'medium', summary: 'Repeated abuse reported by a neighbour', ...form });
  expect(response.statusCode).toBe(302);
  return String(response.headers.location).split('/').pop()!;
}

/** "Yes" to the first `yes` scored questions and "no" to the rest, as the form posts them. */
function answers(instrument: RiskInstrument, yes: number): Record<string, string> {
  const scored = instrument.questions.filter((question) => question.scored);
  return Object.fromEntries(scored.map((question, index) => [question.id, index < yes ? 'yes' : 'no']));
}

const db = () => testApp.database.db;
const caseRow = (caseId: string) => db().selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirstOrThrow();

async function team() {
  const organisation = await createOrganisation(testApp, { type: 'police' });
  const lead = await createUser(testApp, { role: 'case_worker', organisationId: organisation.id, name: 'Lowri Lead' });
  const assessor = await createUser(testApp, { role: 'case_worker', organisationId: organisation.id, name: 'Aled Assessor' });
  return { organisation, lead, assessor, agent: await signedInAgent(testApp, assessor.user) };
}

describe('completing a risk assessment', () => {
  it('scores a Dash with 14 yes as high: raises the priority, sets the risk and review date, notifies the lead officer, and keeps every assessment', async () => {
    const { lead, assessor, agent } = await team();
    const caseId = await openCase(agent, { leadOfficerId: lead.user.id });

    const form = await agent.get(`/cases/${caseId}/risk/safelives_dash/new`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('14 or more high risk');
    const posted = await agent.post(`/cases/${caseId}/risk/safelives_dash/new`, { ...answers(safelivesDash, 14), police_call_outs: '1' });
    expect(posted.statusCode).toBe(302);
    const assessmentId = String(posted.headers.location).split('/').pop()!;
    expect(posted.headers.location).toBe(`/cases/${caseId}/risk/assessments/${assessmentId}`);

    const result = await agent.follow(posted);
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('Assessment saved: High risk');
    expect(result.body).toContain('14 out of 24');
    expect(result.body).toContain('Refer to MARAC');
    expect(result.body).toContain(`href="/cases/${caseId}/actions/new"`);
    expect(result.body).toContain('Aled Assessor');

    const kase = await caseRow(caseId);
    expect(kase).toMatchObject({ risk_level: 'high', priority: 'high', next_review_due: addDays(londonToday(), 14) });
    const notifications = await db().selectFrom('notifications').selectAll().where('case_id', '=', caseId).execute();
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({ user_id: lead.user.id, kind: 'high_risk_assessment', details: { reference: kase.reference, instrument: 'safelives_dash' } });

    const stored = await db().selectFrom('risk_assessments').selectAll().where('id', '=', assessmentId).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ score: 14, band: 'high', band_reason: 'score', instrument_code: 'safelives_dash', instrument_version: 1, completed_by: assessor.user.id });

    // A later, lower assessment sets the level and review date again, but never lowers the priority.
    const second = await agent.post(`/cases/${caseId}/risk/vulnerability_screening/new`, answers(vulnerabilityScreening, 1));
    expect(second.statusCode).toBe(302);
    expect(await caseRow(caseId)).toMatchObject({ risk_level: 'standard', priority: 'high', next_review_due: addDays(londonToday(), 56) });
    const history = await agent.get(`/cases/${caseId}/risk`);
    expect(history.statusCode).toBe(200);
    const table = history.body.slice(history.body.indexOf('data-testid="risk-history"'));
    expect(table.indexOf('Vulnerability screening')).toBeLessThan(table.indexOf('SafeLives Dash risk checklist'));
    expect(await db().selectFrom('risk_assessments').select('id').where('case_id', '=', caseId).execute()).toHaveLength(2);

    const events = await db().selectFrom('case_events').select(['kind', 'details']).where('case_id', '=', caseId).where('kind', '=', 'risk_assessment_completed').orderBy('id').execute();
    expect(events.map((event) => event.details)).toMatchObject([
      { instrument: 'safelives_dash', band: 'high', score: 14 },
      { instrument: 'vulnerability_screening', band: 'standard', score: 1 },
    ]);
    const audit = await db().selectFrom('audit_events').select(['action', 'details']).where('record_id', '=', caseId).where('action', '=', 'RISK_ASSESSMENT_COMPLETED').orderBy('seq').execute();
    expect(audit.map((row) => row.details)).toMatchObject([{ instrument: 'safelives_dash', band: 'high' }, { instrument: 'vulnerability_screening', band: 'standard' }]);
    const viewed = await db().selectFrom('audit_events').select('details').where('record_id', '=', caseId).where('action', '=', 'RISK_ASSESSMENT_VIEWED').execute();
    expect(viewed.map((row) => row.details)).toMatchObject([{ assessmentId }]);
  });

  it('stores each answer in its typed column', async () => {
    const { agent } = await team();
    const caseId = await openCase(agent);
    const posted = await agent.post(`/cases/${caseId}/risk/police_dash/new`, {
      ...answers(policeDash, 2),
      weapons: 'not_known',
      afraid_of_details: 'That he will come back tonight',
      police_call_outs: '3',
    });
    expect(posted.statusCode).toBe(302);
    const assessmentId = String(posted.headers.location).split('/').pop()!;
    const rows = await db().selectFrom('risk_assessment_answers').selectAll().where('assessment_id', '=', assessmentId).execute();
    const byId = Object.fromEntries(rows.map((row) => [row.question_id, row]));
    expect(rows).toHaveLength(29);
    expect(byId.current_injury).toMatchObject({ answer_boolean: true, answer_number: null, answer_text: null, answer_choice: null });
    expect(byId.very_frightened).toMatchObject({ answer_boolean: true });
    expect(byId.isolated).toMatchObject({ answer_boolean: false });
    expect(byId.weapons).toMatchObject({ answer_boolean: null, answer_choice: 'not_known' });
    expect(Number(byId.police_call_outs?.answer_number)).toBe(3);
    expect(byId.police_call_outs?.answer_boolean).toBeNull();
    expect(byId.afraid_of_details).toMatchObject({ answer_text: 'That he will come back tonight', answer_boolean: null });
    // 2 yes, but 3 call-outs in 12 months: escalation makes it high.
    const stored = await db().selectFrom('risk_assessments').select(['score', 'band', 'band_reason']).where('id', '=', assessmentId).executeTakeFirstOrThrow();
    expect(stored).toEqual({ score: 2, band: 'high', band_reason: 'escalation' });
    const page = await agent.get(String(posted.headers.location));
    expect(page.body).toContain('That he will come back tonight');
    expect(page.body).toContain('Escalation: 3 or more police call-outs in 12 months');
    expect(page.body).toContain('Don&#39;t know');
  });

  it('does not notify the lead officer of their own assessment, and never lowers an urgent priority', async () => {
    const { agent, assessor } = await team();
    const caseId = await openCase(agent, { priority: 'urgent' });
    expect((await caseRow(caseId)).lead_officer_id).toBe(assessor.user.id);
    const posted = await agent.post(`/cases/${caseId}/risk/safelives_dash/new`, { ...answers(safelivesDash, 1), professionalJudgement: 'yes', professionalJudgementReason: 'Victim disclosed threats with a knife last night' });
    expect(posted.statusCode).toBe(302);
    expect(await caseRow(caseId)).toMatchObject({ risk_level: 'high', priority: 'urgent' });
    expect(await db().selectFrom('notifications').select('id').where('case_id', '=', caseId).execute()).toHaveLength(0);
    const stored = await db().selectFrom('risk_assessments').selectAll().where('case_id', '=', caseId).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ band_reason: 'professional-judgement', professional_judgement: true, professional_judgement_reason: 'Victim disclosed threats with a knife last night' });
  });

  it('refuses an incomplete form with a message for each problem, keeping every answer', async () => {
    const { agent } = await team();
    const caseId = await openCase(agent);
    const { afraid_of_further_violence: _a, stalking: _b, ...partial } = answers(policeDash, 5);
    const response = await agent.post(`/cases/${caseId}/risk/police_dash/new`, {
      ...partial,
      afraid_of_details: 'He said he would come back',
      police_call_outs: 'lots',
      professionalJudgement: 'yes',
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('There is a problem');
    expect(response.body).toContain('Question 3: select yes, no or don&#39;t know');
    expect(response.body).toContain('href="#afraid_of_further_violence"');
    expect(response.body).toContain('Question 8: select yes, no or don&#39;t know');
    expect(response.body).toContain('href="#stalking"');
    expect(response.body).toContain('enter a whole number from 0 to 999');
    expect(response.body).toContain('Enter why you judge the risk to be high');
    // The first radio of each question has the question's id, so the summary links land on it.
    expect(response.body).toMatch(/id="afraid_of_further_violence" name="afraid_of_further_violence" type="radio" value="yes"/);
    expect(response.body).toMatch(/name="current_injury" type="radio" value="yes" checked/);
    expect(response.body).toMatch(/name="separated" type="radio" value="no" checked/);
    expect(response.body).toContain('He said he would come back');
    expect(response.body).toContain('value="lots"');
    expect(response.body).toMatch(/name="professionalJudgement" type="checkbox" value="yes" checked/);
    expect(await db().selectFrom('risk_assessments').select('id').where('case_id', '=', caseId).execute()).toHaveLength(0);
    expect((await caseRow(caseId)).risk_level).toBeNull();
  });

  it('records who the assessment is about, only if they are linked to the case', async () => {
    const { agent } = await team();
    const caseId = await openCase(agent);
    expect((await agent.post(`/cases/${caseId}/people/new`, { role: 'victim', givenName: 'Nia', familyName: 'Jones' })).statusCode).toBe(302);
    const person = await db().selectFrom('case_people').select('person_id').where('case_id', '=', caseId).executeTakeFirstOrThrow();
    const form = await agent.get(`/cases/${caseId}/risk/asb_risk_matrix/new`);
    expect(form.body).toContain('Nia Jones');

    const otherCase = await openCase(agent);
    await agent.post(`/cases/${otherCase}/people/new`, { role: 'victim', givenName: 'Someone', familyName: 'Else' });
    const stranger = await db().selectFrom('case_people').select('person_id').where('case_id', '=', otherCase).executeTakeFirstOrThrow();
    const refused = await agent.post(`/cases/${caseId}/risk/asb_risk_matrix/new`, { personId: stranger.person_id });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Select a person linked to this case');

    const posted = await agent.post(`/cases/${caseId}/risk/asb_risk_matrix/new`, { personId: person.person_id, ...asbAnswers() });
    expect(posted.statusCode).toBe(302);
    const stored = await db().selectFrom('risk_assessments').select(['person_id', 'band', 'band_reason']).where('case_id', '=', caseId).executeTakeFirstOrThrow();
    expect(stored).toEqual({ person_id: person.person_id, band: 'high', band_reason: 'critical-question' });
    expect((await agent.follow(posted)).body).toContain('Nia Jones');
  });

  it('answers "not found" for an instrument that does not exist or an assessment of another case', async () => {
    const { agent } = await team();
    const caseId = await openCase(agent);
    const otherCase = await openCase(agent);
    expect((await agent.get(`/cases/${caseId}/risk/no_such_instrument/new`)).statusCode).toBe(404);
    expect((await agent.post(`/cases/${caseId}/risk/no_such_instrument/new`, answers(safelivesDash, 14))).statusCode).toBe(404);
    const posted = await agent.post(`/cases/${otherCase}/risk/safelives_dash/new`, answers(safelivesDash, 3));
    const otherAssessment = String(posted.headers.location).split('/').pop()!;
    expect((await agent.get(`/cases/${caseId}/risk/assessments/${otherAssessment}`)).statusCode).toBe(404);
    expect((await agent.get(`/cases/${caseId}/risk/assessments/not-an-id`)).statusCode).toBe(404);
    expect((await agent.get(`/cases/${otherCase}/risk/assessments/${otherAssessment}`)).statusCode).toBe(200);
  });
});

/** An ASB matrix with two ordinary yes and one critical yes (violence used). */
function asbAnswers(): Record<string, string> {
  return { disability_or_illness: 'yes', mental_health: 'no', isolated: 'yes', previous_victimisation: 'no', age: 'no', unsafe_at_home: 'no', sleep_or_health: 'no', children_affected: 'no', self_harm: 'no', threats_of_violence: 'no', threats_to_kill: 'no', violence_used: 'yes', targeted_hate: 'no', property_damage: 'no', daily_life: 'no', repeat_incidents: 'no', considering_moving: 'no' };
}

describe('who sees risk', () => {
  it('lets a participating agency see and add assessments, and tells anyone else every risk page does not exist', async () => {
    const lead = await createOrganisation(testApp);
    const partner = await createOrganisation(testApp, { type: 'housing_provider' });
    await createSharingAgreement(testApp, [lead.id, partner.id]);
    const outsiderOrganisation = await createOrganisation(testApp);
    const manager = await createUser(testApp, { role: 'case_manager', organisationId: lead.id });
    const partnerWorker = await createUser(testApp, { role: 'case_worker', organisationId: partner.id });
    const outsider = await createUser(testApp, { role: 'case_manager', organisationId: outsiderOrganisation.id });
    const managerAgent = await signedInAgent(testApp, manager.user);
    const partnerAgent = await signedInAgent(testApp, partnerWorker.user);
    const outsiderAgent = await signedInAgent(testApp, outsider.user);

    const caseId = await openCase(managerAgent);
    const posted = await managerAgent.post(`/cases/${caseId}/risk/safelives_dash/new`, answers(safelivesDash, 11));
    const assessmentPath = String(posted.headers.location);
    expect((await managerAgent.post(`/cases/${caseId}/agencies`, { organisationId: partner.id })).statusCode).toBe(302);

    const seen = await partnerAgent.get(`/cases/${caseId}/risk`);
    expect(seen.statusCode).toBe(200);
    expect(seen.body).toContain('Medium risk');
    expect(seen.body).toContain(assessmentPath);
    expect((await partnerAgent.get(assessmentPath)).statusCode).toBe(200);
    expect((await partnerAgent.get(`/cases/${caseId}/risk/asb_risk_matrix/new`)).statusCode).toBe(200);

    const urls = [`/cases/${caseId}/risk`, `/cases/${caseId}/risk/safelives_dash/new`, assessmentPath];
    for (const url of urls) expect((await outsiderAgent.get(url)).statusCode, url).toBe(404);
    expect((await outsiderAgent.post(`/cases/${caseId}/risk/safelives_dash/new`, answers(safelivesDash, 14))).statusCode).toBe(404);
    expect(await db().selectFrom('risk_assessments').select('id').where('case_id', '=', caseId).execute()).toHaveLength(1);
  });

  it('offers no instruments on a closed case, where nothing may change', async () => {
    const { agent } = await team();
    const caseId = await openCase(agent);
    await db().updateTable('cases').set({ status: 'closed', closed_at: new Date(), outcome_code: 'resolved', closure_reason: 'Resolved' }).where('id', '=', caseId).execute();
    const page = await agent.get(`/cases/${caseId}/risk`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Start an assessment');
    expect(page.body).toContain('No one has assessed the risk on this case yet.');
    expect((await agent.get(`/cases/${caseId}/risk/safelives_dash/new`)).statusCode).toBe(404);
    expect((await agent.post(`/cases/${caseId}/risk/safelives_dash/new`, answers(safelivesDash, 14))).statusCode).toBe(404);
  });
});

describe('reviews due', () => {
  it('lists a case whose review date has passed for its lead organisation only', async () => {
    const { organisation, agent } = await team();
    const caseId = await openCase(agent);
    await agent.post(`/cases/${caseId}/risk/safelives_dash/new`, answers(safelivesDash, 14));
    expect((await caseRow(caseId)).next_review_due).toBe(addDays(londonToday(), 14));
    await db().updateTable('cases').set({ next_review_due: addDays(londonToday(), -3) }).where('id', '=', caseId).execute();
    const { reference } = await caseRow(caseId);

    const due = await agent.get('/cases/reviews-due');
    expect(due.statusCode).toBe(200);
    expect(due.body).toContain(reference);
    const risk = await agent.get(`/cases/${caseId}/risk`);
    expect(risk.body).toContain('Review overdue');

    const unrelated = await createUser(testApp, { role: 'case_worker' });
    expect(unrelated.user.organisation_id).not.toBe(organisation.id);
    expect((await (await signedInAgent(testApp, unrelated.user)).get('/cases/reviews-due')).body).not.toContain(reference);
  });
});
