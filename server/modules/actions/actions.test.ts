import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { createSharingAgreement } from '../../../test/factories/sharingAgreements.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { addDays, londonToday } from '../../shared/dates.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

const db = () => testApp.database.db;

/** The three boxes of a GOV.UK date input for an ISO date. */
function dateBoxes(field: string, isoDate: string) {
  const [year, month, day] = isoDate.split('-');
  return { [`${field}-day`]: String(Number(day)), [`${field}-month`]: String(Number(month)), [`${field}-year`]: year };
}

/**
 * A council leads a case and has added a housing provider to it: the usual shape of a
 * multi-agency action plan.
 */
async function partnershipCase() {
  const council = await createOrganisation(testApp, { name: `Council ${Math.random().toString(36).slice(2, 8)}` });
  const housing = await createOrganisation(testApp, { name: `Housing ${Math.random().toString(36).slice(2, 8)}`, type: 'housing_provider' });
  await createSharingAgreement(testApp, [council.id, housing.id]);
  const lead = await createUser(testApp, { role: 'case_manager', organisationId: council.id, name: 'Lena Lead' });
  const officer = await createUser(testApp, { role: 'case_worker', organisationId: housing.id, name: 'Owen Officer' });
  const leadAgent = await signedInAgent(testApp, lead.user);
  const officerAgent = await signedInAgent(testApp, officer.user);
  const opened = await leadAgent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'high', summary: 'Noise and threats at Elm Court', area: 'Byker' });
  expect(opened.statusCode).toBe(302);
  const caseId = String(opened.headers.location).split('/').pop()!;
  expect((await leadAgent.post(`/cases/${caseId}/agencies`, { organisationId: housing.id })).statusCode).toBe(302);
  const { reference } = await db().selectFrom('cases').select('reference').where('id', '=', caseId).executeTakeFirstOrThrow();
  return { council, housing, lead, officer, leadAgent, officerAgent, caseId, reference };
}

/** Posts the form and, like a browser, follows a redirect (which shows and clears the flash message). */
async function submit(agent: TestAgent, url: string, form: Record<string, string | undefined>) {
  const response = await agent.post(url, form);
  if (response.statusCode === 302) await agent.follow(response);
  return response;
}

async function addAction(agent: TestAgent, caseId: string, form: Record<string, string | undefined>) {
  return submit(agent, `/cases/${caseId}/actions/new`, { description: '', ownerUserId: '', ...form });
}

async function actionsOf(caseId: string) {
  return db().selectFrom('case_actions').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
}

describe('the action plan', () => {
  it("lets the lead give an action to a participant's officer, who sees it, is told, and finds it in actions due", async () => {
    const { housing, officer, leadAgent, officerAgent, caseId, reference } = await partnershipCase();
    const added = await addAction(leadAgent, caseId, {
      title: 'Serve tenancy warning',
      ownerOrganisationId: housing.id,
      ownerUserId: officer.user.id,
      ...dateBoxes('dueDate', addDays(londonToday(), 3)),
    });
    expect(added.statusCode).toBe(302);
    expect(added.headers.location).toBe(`/cases/${caseId}/actions`);

    const page = await officerAgent.get(`/cases/${caseId}/actions`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Serve tenancy warning');
    expect(page.body).toContain(housing.name);
    expect(page.body).toContain('Owen Officer');
    expect(page.body).not.toContain('Overdue');

    for (const view of ['organisation', 'mine']) {
      const due = await officerAgent.get(`/cases/actions-due?view=${view}`);
      expect(due.statusCode).toBe(200);
      expect(due.body).toContain('Serve tenancy warning');
      expect(due.body).toContain(`href="/cases/${caseId}"`);
      expect(due.body).toContain(reference);
    }
    // The lead's own organisation owns nothing here.
    expect((await leadAgent.get('/cases/actions-due')).body).not.toContain('Serve tenancy warning');

    const notifications = await db().selectFrom('notifications').selectAll().where('user_id', '=', officer.user.id).execute();
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({ kind: 'action_assigned', case_id: caseId, details: { reference, title: 'Serve tenancy warning' } });
    const events = await db().selectFrom('case_events').select(['kind', 'details']).where('case_id', '=', caseId).where('kind', '=', 'action_created').execute();
    expect(events).toHaveLength(1);
    const audit = await db().selectFrom('audit_events').select('action').where('record_id', '=', caseId).where('action', '=', 'ACTION_CREATED').execute();
    expect(audit).toHaveLength(1);
  });

  it('does not notify someone who gives an action to themselves', async () => {
    const { council, lead, leadAgent, caseId } = await partnershipCase();
    const added = await addAction(leadAgent, caseId, { title: 'Visit Elm Court', ownerOrganisationId: council.id, ownerUserId: lead.user.id, ...dateBoxes('dueDate', londonToday()) });
    expect(added.statusCode).toBe(302);
    expect(await db().selectFrom('notifications').selectAll().where('user_id', '=', lead.user.id).execute()).toHaveLength(0);
  });

  it('refuses an agency that is not involved, and an officer from another agency', async () => {
    const { council, housing, officer, leadAgent, caseId } = await partnershipCase();
    const stranger = await createOrganisation(testApp, { name: 'Uninvolved Trust' });
    const due = dateBoxes('dueDate', addDays(londonToday(), 5));
    const notInvolved = await addAction(leadAgent, caseId, { title: 'Fit a door', ownerOrganisationId: stranger.id, ...due });
    expect(notInvolved.statusCode).toBe(400);
    expect(notInvolved.body).toContain('That agency is not involved in this case. The lead agency must add it on the Agencies tab');
    expect(notInvolved.body).toContain('value="Fit a door"');
    expect(notInvolved.body).not.toContain('Uninvolved Trust');

    const wrongOfficer = await addAction(leadAgent, caseId, { title: 'Fit a door', ownerOrganisationId: council.id, ownerUserId: officer.user.id, ...due });
    expect(wrongOfficer.statusCode).toBe(400);
    expect(wrongOfficer.body).toContain('Select an active case worker or case manager of the owner agency');
    expect(await actionsOf(caseId)).toHaveLength(0);
    // The form offers only the involved agencies.
    const form = await leadAgent.get(`/cases/${caseId}/actions/new`);
    expect(form.body).toContain(housing.name);
    expect(form.body).not.toContain('Uninvolved Trust');
  });

  it('refuses a due date in the past or that does not exist, keeping what was typed', async () => {
    const { council, leadAgent, caseId } = await partnershipCase();
    const yesterday = addDays(londonToday(), -1);
    const past = await addAction(leadAgent, caseId, { title: 'Check CCTV', description: 'Ask the concierge', ownerOrganisationId: council.id, ...dateBoxes('dueDate', yesterday) });
    expect(past.statusCode).toBe(400);
    expect(past.body).toContain('Due date must be today or in the future');
    expect(past.body).toContain('value="Check CCTV"');
    expect(past.body).toContain('Ask the concierge');
    expect(past.body).toContain(`name="dueDate-year" type="text" value="${yesterday.slice(0, 4)}"`);

    const impossible = await addAction(leadAgent, caseId, { title: 'Check CCTV', ownerOrganisationId: council.id, 'dueDate-day': '31', 'dueDate-month': '2', 'dueDate-year': '2030' });
    expect(impossible.statusCode).toBe(400);
    expect(impossible.body).toContain('Due date must be a real date');
    expect(impossible.body).toContain('value="31"');

    // Every problem is reported at once, the date's with the others.
    const missing = await addAction(leadAgent, caseId, { title: '', ownerOrganisationId: council.id });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Enter what needs doing');
    expect(missing.body).toContain('Enter the due date');
    const incomplete = await addAction(leadAgent, caseId, { title: '', ownerOrganisationId: '', 'dueDate-day': '3', 'dueDate-year': '2030' });
    expect(incomplete.body).toContain('Select the agency that owns the action');
    expect(incomplete.body).toContain('Due date must include a day, month and year');
    expect(await actionsOf(caseId)).toHaveLength(0);
  });

  it('lets the owning participant mark its action done, recording when', async () => {
    const { housing, officer, leadAgent, officerAgent, caseId } = await partnershipCase();
    const dueDate = addDays(londonToday(), 2);
    await addAction(leadAgent, caseId, { title: 'Serve tenancy warning', ownerOrganisationId: housing.id, ownerUserId: officer.user.id, ...dateBoxes('dueDate', dueDate) });
    const [action] = await actionsOf(caseId);
    const form = await officerAgent.get(`/cases/${caseId}/actions/${action!.id}/edit`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('name="version" value="1"');

    const saved = await officerAgent.post(`/cases/${caseId}/actions/${action!.id}/edit`, {
      status: 'done', description: 'Served by hand', ownerUserId: officer.user.id, version: '1', ...dateBoxes('dueDate', dueDate),
    });
    expect(saved.statusCode).toBe(302);
    const [done] = await actionsOf(caseId);
    expect(done).toMatchObject({ status: 'done', description: 'Served by hand', version: 2 });
    expect(done!.completed_at).toBeInstanceOf(Date);
    const event = await db().selectFrom('case_events').select('details').where('case_id', '=', caseId).where('kind', '=', 'action_updated').executeTakeFirstOrThrow();
    expect(event.details).toMatchObject({ actionId: action!.id, changed: ['status', 'description'] });
    const audit = await db().selectFrom('audit_events').select('action').where('record_id', '=', caseId).where('action', '=', 'ACTION_UPDATED').execute();
    expect(audit).toHaveLength(1);
    expect((await officerAgent.get('/cases/actions-due')).body).not.toContain('Serve tenancy warning');

    const reopened = await officerAgent.post(`/cases/${caseId}/actions/${action!.id}/edit`, { status: 'in_progress', ownerUserId: officer.user.id, version: '2', ...dateBoxes('dueDate', dueDate) });
    expect(reopened.statusCode).toBe(302);
    expect((await actionsOf(caseId))[0]).toMatchObject({ status: 'in_progress', completed_at: null, version: 3 });
  });

  it('tells the second of two editors what the first saved, and overwrites nothing', async () => {
    const { council, leadAgent, officerAgent, caseId } = await partnershipCase();
    const dueDate = addDays(londonToday(), 4);
    await addAction(leadAgent, caseId, { title: 'Door knock', ownerOrganisationId: council.id, ...dateBoxes('dueDate', dueDate) });
    const [action] = await actionsOf(caseId);
    const form = { status: 'in_progress', ownerUserId: '', version: '1', ...dateBoxes('dueDate', dueDate) };
    const first = await leadAgent.post(`/cases/${caseId}/actions/${action!.id}/edit`, { ...form, description: 'Nobody answered at number 4' });
    expect(first.statusCode).toBe(302);

    const second = await officerAgent.post(`/cases/${caseId}/actions/${action!.id}/edit`, { ...form, status: 'done', description: 'Spoke to the tenant at number 4' });
    expect(second.statusCode).toBe(409);
    expect(second.body).toContain('Someone else saved changes to this record');
    expect(second.body).toContain('Details has been changed by someone else to: Nobody answered at number 4');
    expect(second.body).toContain('Spoke to the tenant at number 4');
    expect(second.body).toContain('name="version" value="2"');
    const [stored] = await actionsOf(caseId);
    expect(stored).toMatchObject({ status: 'in_progress', description: 'Nobody answered at number 4', version: 2, completed_at: null });

    // Saving again from the refreshed form keeps the second editor's version.
    expect((await officerAgent.post(`/cases/${caseId}/actions/${action!.id}/edit`, { ...form, status: 'done', description: 'Spoke to the tenant at number 4', version: '2' })).statusCode).toBe(302);
    expect((await actionsOf(caseId))[0]).toMatchObject({ status: 'done', description: 'Spoke to the tenant at number 4', version: 3 });
  });

  it('flags actions past their due date that are still to be done', async () => {
    const { council, housing, officer, leadAgent, officerAgent, caseId } = await partnershipCase();
    const lastWeek = addDays(londonToday(), -7);
    await db()
      .insertInto('case_actions')
      .values([
        { case_id: caseId, title: 'Late referral', owner_organisation_id: housing.id, owner_user_id: officer.user.id, due_date: lastWeek },
        { case_id: caseId, title: 'Finished letter', owner_organisation_id: council.id, due_date: lastWeek, status: 'done', completed_at: new Date() },
      ])
      .execute();
    const page = await leadAgent.get(`/cases/${caseId}/actions`);
    const rowOf = (title: string) => page.body.split('<tr class="govuk-table__row">').find((row) => row.includes(title)) ?? '';
    expect(rowOf('Late referral')).toContain('Overdue');
    expect(rowOf('Finished letter')).not.toContain('Overdue');
    const due = await officerAgent.get('/cases/actions-due');
    expect(due.body).toContain('Late referral');
    expect(due.body).toContain('Overdue');
    expect(due.body).not.toContain('Finished letter');

    // Changing only the status of an overdue action keeps its past due date.
    const [late] = await db().selectFrom('case_actions').select(['id']).where('case_id', '=', caseId).where('title', '=', 'Late referral').execute();
    const update = await officerAgent.post(`/cases/${caseId}/actions/${late!.id}/edit`, { status: 'in_progress', ownerUserId: officer.user.id, version: '1', ...dateBoxes('dueDate', lastWeek) });
    expect(update.statusCode).toBe(302);
  });

  it('sorts actions due by date, either way', async () => {
    const { council, lead, leadAgent, caseId } = await partnershipCase();
    await addAction(leadAgent, caseId, { title: 'Later task', ownerOrganisationId: council.id, ownerUserId: lead.user.id, ...dateBoxes('dueDate', addDays(londonToday(), 6)) });
    await addAction(leadAgent, caseId, { title: 'Sooner task', ownerOrganisationId: council.id, ownerUserId: lead.user.id, ...dateBoxes('dueDate', addDays(londonToday(), 1)) });
    await addAction(leadAgent, caseId, { title: 'Far off task', ownerOrganisationId: council.id, ownerUserId: lead.user.id, ...dateBoxes('dueDate', addDays(londonToday(), 30)) });
    const ascending = (await leadAgent.get('/cases/actions-due?view=mine')).body;
    expect(ascending.indexOf('Sooner task')).toBeLessThan(ascending.indexOf('Later task'));
    expect(ascending).not.toContain('Far off task');
    const descending = (await leadAgent.get('/cases/actions-due?view=mine&direction=desc')).body;
    expect(descending.indexOf('Later task')).toBeLessThan(descending.indexOf('Sooner task'));
  });

  it("answers 'not found' to an organisation not involved in the case, and for actions of other cases", async () => {
    const { council, leadAgent, caseId } = await partnershipCase();
    await addAction(leadAgent, caseId, { title: 'Secret task', ownerOrganisationId: council.id, ...dateBoxes('dueDate', addDays(londonToday(), 1)) });
    const [action] = await actionsOf(caseId);
    const intervention = await db()
      .insertInto('case_interventions')
      .values({ case_id: caseId, stage: 'warning_letter', created_by_organisation_id: council.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    const outsider = await createUser(testApp, { role: 'case_manager' });
    const outsiderAgent = await signedInAgent(testApp, outsider.user);
    const actionForm = { status: 'done', version: '1', ...dateBoxes('dueDate', addDays(londonToday(), 1)) };
    const attempts = [
      () => outsiderAgent.get(`/cases/${caseId}/actions`),
      () => outsiderAgent.get(`/cases/${caseId}/actions/new`),
      () => outsiderAgent.post(`/cases/${caseId}/actions/new`, { title: 'Mine now', ownerOrganisationId: outsider.user.organisation_id, ...dateBoxes('dueDate', londonToday()) }),
      () => outsiderAgent.post(`/cases/${caseId}/actions/new`, {}),
      () => outsiderAgent.get(`/cases/${caseId}/actions/${action!.id}/edit`),
      () => outsiderAgent.post(`/cases/${caseId}/actions/${action!.id}/edit`, actionForm),
      () => outsiderAgent.get(`/cases/${caseId}/interventions/new`),
      () => outsiderAgent.post(`/cases/${caseId}/interventions/new`, { stage: 'mediation', status: 'planned' }),
      () => outsiderAgent.get(`/cases/${caseId}/interventions/${intervention.id}/edit`),
      () => outsiderAgent.post(`/cases/${caseId}/interventions/${intervention.id}/edit`, { stage: 'mediation', status: 'planned' }),
    ];
    for (const attempt of attempts) expect((await attempt()).statusCode).toBe(404);
    expect((await outsiderAgent.get('/cases/actions-due')).body).not.toContain('Secret task');
    expect((await actionsOf(caseId))[0]).toMatchObject({ status: 'open', version: 1 });

    // The lead's own action, addressed through another of its cases, or an id that does not exist.
    const other = await leadAgent.post('/cases/new', { caseType: 'vulnerability', priority: 'low', summary: 'Another matter' });
    const otherCaseId = String(other.headers.location).split('/').pop()!;
    expect((await leadAgent.get(`/cases/${otherCaseId}/actions/${action!.id}/edit`)).statusCode).toBe(404);
    expect((await leadAgent.post(`/cases/${otherCaseId}/actions/${action!.id}/edit`, actionForm)).statusCode).toBe(404);
    expect((await leadAgent.get(`/cases/${otherCaseId}/interventions/${intervention.id}/edit`)).statusCode).toBe(404);
    expect((await leadAgent.get(`/cases/${caseId}/actions/00000000-0000-4000-8000-000000000000/edit`)).statusCode).toBe(404);
    expect((await leadAgent.get(`/cases/${caseId}/actions/not-an-id/edit`)).statusCode).toBe(404);
  });
});

describe('interventions', () => {
  it('records an intervention about a linked person, checking its dates, and updates it', async () => {
    const { council, leadAgent, officerAgent, caseId } = await partnershipCase();
    expect((await submit(leadAgent, `/cases/${caseId}/people/new`, { role: 'alleged_perpetrator', givenName: 'Dan', familyName: 'Doyle' })).statusCode).toBe(302);
    const person = await db().selectFrom('case_people').select('person_id').where('case_id', '=', caseId).executeTakeFirstOrThrow();
    const elsewhere = await leadAgent.post('/cases/new', { caseType: 'vulnerability', priority: 'low', summary: 'Another matter' });
    const elsewhereId = String(elsewhere.headers.location).split('/').pop()!;
    await submit(leadAgent, `/cases/${elsewhereId}/people/new`, { role: 'victim', givenName: 'Vera', familyName: 'Unlinked' });
    const unlinked = await db().selectFrom('case_people').select('person_id').where('case_id', '=', elsewhereId).executeTakeFirstOrThrow();

    const form = await leadAgent.get(`/cases/${caseId}/interventions/new`);
    expect(form.body).toContain('Dan Doyle');
    expect(form.body).not.toContain('Vera Unlinked');

    const backwards = await leadAgent.post(`/cases/${caseId}/interventions/new`, {
      stage: 'community_protection_warning', status: 'issued', personId: person.person_id, notes: 'Served at the door',
      ...dateBoxes('issuedOn', '2026-03-10'), ...dateBoxes('expiresOn', '2026-03-01'),
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.body).toContain('Expiry date must be the same as or after the date issued');
    expect(backwards.body).toContain('Served at the door');

    const impossible = await leadAgent.post(`/cases/${caseId}/interventions/new`, { stage: 'mediation', status: 'planned', 'reviewOn-day': '30', 'reviewOn-month': '2', 'reviewOn-year': '2026' });
    expect(impossible.statusCode).toBe(400);
    expect(impossible.body).toContain('Review date must be a real date');

    const notLinked = await leadAgent.post(`/cases/${caseId}/interventions/new`, { stage: 'warning_letter', status: 'issued', personId: unlinked.person_id });
    expect(notLinked.statusCode).toBe(400);
    expect(notLinked.body).toContain('Select a person linked to this case');
    expect(await db().selectFrom('case_interventions').selectAll().where('case_id', '=', caseId).execute()).toHaveLength(0);

    const recorded = await leadAgent.post(`/cases/${caseId}/interventions/new`, {
      stage: 'community_protection_warning', status: 'issued', personId: person.person_id, notes: 'Served at the door',
      ...dateBoxes('issuedOn', '2026-03-10'), ...dateBoxes('reviewOn', '2026-04-10'), ...dateBoxes('expiresOn', '2026-09-10'),
    });
    expect(recorded.statusCode).toBe(302);
    const page = await officerAgent.get(`/cases/${caseId}/actions`);
    expect(page.body).toContain('Community Protection Warning');
    expect(page.body).toContain('Dan Doyle');
    expect(page.body).toContain('10 March 2026');
    expect(page.body).toContain(council.name);

    // A participant updates it: the participant may work on the plan too.
    const [intervention] = await db().selectFrom('case_interventions').selectAll().where('case_id', '=', caseId).execute();
    expect(intervention).toMatchObject({ stage: 'community_protection_warning', status: 'issued', issued_on: '2026-03-10', expires_on: '2026-09-10', created_by_organisation_id: council.id });
    const editForm = await officerAgent.get(`/cases/${caseId}/interventions/${intervention!.id}/edit`);
    expect(editForm.body).toContain('value="2026"');
    const updated = await officerAgent.post(`/cases/${caseId}/interventions/${intervention!.id}/edit`, {
      stage: 'community_protection_warning', status: 'breached', personId: person.person_id, notes: 'Served at the door',
      ...dateBoxes('issuedOn', '2026-03-10'), ...dateBoxes('reviewOn', '2026-04-10'), ...dateBoxes('expiresOn', '2026-09-10'),
    });
    expect(updated.statusCode).toBe(302);
    expect((await db().selectFrom('case_interventions').select('status').where('id', '=', intervention!.id).executeTakeFirstOrThrow()).status).toBe('breached');
    const events = await db().selectFrom('case_events').select(['kind', 'details']).where('case_id', '=', caseId).where('kind', 'in', ['intervention_recorded', 'intervention_updated']).orderBy('id').execute();
    expect(events.map((event) => event.kind)).toEqual(['intervention_recorded', 'intervention_updated']);
    expect(events[1]!.details).toMatchObject({ changed: ['status'] });
    const audit = await db().selectFrom('audit_events').select('action').where('record_id', '=', caseId).where('action', 'in', ['INTERVENTION_RECORDED', 'INTERVENTION_UPDATED']).orderBy('seq').execute();
    expect(audit.map((row) => row.action)).toEqual(['INTERVENTION_RECORDED', 'INTERVENTION_UPDATED']);
  });
});
