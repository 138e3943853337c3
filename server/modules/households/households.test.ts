import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

async function openCase(agent: TestAgent) {
  const response = await agent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'medium', summary: 'Noise and threats at Elm Court', area: 'Byker' });
  expect(response.statusCode).toBe(302);
  return String(response.headers.location).split('/').pop()!;
}

async function recordPerson(givenName: string, familyName: string, organisationId: string) {
  return (
    await testApp.database.db
      .insertInto('people')
      .values({ given_name: givenName, family_name: familyName, created_by_organisation_id: organisationId })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

/** A council case worker with a case about Wei Chen at 4 Elm Court, and Mei Chen recorded by the same council. */
async function chenFamily() {
  const council = await createOrganisation(testApp);
  const worker = await createUser(testApp, { role: 'case_worker', organisationId: council.id });
  const agent = await signedInAgent(testApp, worker.user);
  const caseId = await openCase(agent);
  expect((await agent.post(`/cases/${caseId}/people/new`, { role: 'victim', givenName: 'Wei', familyName: 'Chen' })).statusCode).toBe(302);
  expect((await agent.post(`/cases/${caseId}/locations/new`, { addressLine1: '4 Elm Court', postcode: 'NE6 1AA', locationType: 'dwelling' })).statusCode).toBe(302);
  const db = testApp.database.db;
  const wei = (await db.selectFrom('case_people').select('person_id').where('case_id', '=', caseId).executeTakeFirstOrThrow()).person_id;
  const locationId = (await db.selectFrom('case_locations').select('location_id').where('case_id', '=', caseId).executeTakeFirstOrThrow()).location_id;
  const mei = await recordPerson('Mei', 'Chen', council.id);
  return { council, worker, agent, caseId, wei, mei, locationId };
}

async function setUpHousehold(agent: TestAgent, personId: string, form: Record<string, string>) {
  const response = await agent.post(`/people/${personId}/households/new`, form);
  expect(response.statusCode).toBe(302);
  const row = await testApp.database.db
    .selectFrom('household_members')
    .innerJoin('households', 'households.id', 'household_members.household_id')
    .select(['households.id', 'households.name', 'households.location_id', 'household_members.relationship'])
    .where('household_members.person_id', '=', personId)
    .orderBy('households.created_at', 'desc')
    .executeTakeFirstOrThrow();
  return row;
}

async function auditedActions(householdId: string) {
  const rows = await testApp.database.db.selectFrom('audit_events').select(['action', 'details']).where('record_type', '=', 'household').where('record_id', '=', householdId).orderBy('seq').execute();
  return rows;
}

describe('households', () => {
  it('sets up a household at one of the person’s addresses, adds someone with their relationship, shows it on both people’s pages, and audits each change', async () => {
    const { agent, wei, mei, locationId } = await chenFamily();
    const form = await agent.get(`/people/${wei}/households/new`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="Chen household"');
    expect(form.body).toContain('4 Elm Court, NE6 1AA');

    const household = await setUpHousehold(agent, wei, { name: 'Chen household', locationId });
    expect(household).toMatchObject({ name: 'Chen household', location_id: locationId, relationship: null });

    const search = await agent.get(`/people/${wei}/households/${household.id}/members?name=Mei%20Chen`);
    expect(search.statusCode).toBe(200);
    expect(search.body).toContain(`value="${mei}"`);
    expect(search.body).toContain('Relationship to Wei Chen');
    // Wei is in the household already, so is not offered.
    expect(search.body).not.toContain(`value="${wei}"`);
    const added = await agent.post(`/people/${wei}/households/${household.id}/members`, { name: 'Mei Chen', memberId: mei, relationship: 'partner' });
    expect(added.statusCode).toBe(302);
    expect(added.headers.location).toBe(`/people/${wei}`);
    expect((await agent.follow(added)).body).toContain('Mei Chen added to the household');

    const weiPage = await agent.get(`/people/${wei}`);
    expect(weiPage.body).toContain('Chen household');
    expect(weiPage.body).toContain('4 Elm Court, NE6 1AA');
    expect(weiPage.body).toContain(`href="/people/${mei}"`);
    expect(weiPage.body).toContain('Partner');
    const meiPage = await agent.get(`/people/${mei}`);
    expect(meiPage.body).toContain('Chen household');
    expect(meiPage.body).toContain(`href="/people/${wei}"`);

    const audit = await auditedActions(household.id);
    expect(audit.map((row) => row.action)).toEqual(['HOUSEHOLD_CREATED', 'HOUSEHOLD_MEMBER_ADDED']);
    expect(audit[1]!.details).toMatchObject({ personId: mei, relationship: 'partner' });
  });

  it('removes members, and deletes a household once nobody is left in it', async () => {
    const { agent, wei, mei } = await chenFamily();
    const household = await setUpHousehold(agent, wei, { name: 'Chen household', locationId: 'none' });
    expect(household.location_id).toBeNull();
    expect((await agent.post(`/people/${wei}/households/${household.id}/members`, { memberId: mei, relationship: 'sibling' })).statusCode).toBe(302);

    const removed = await agent.post(`/people/${wei}/households/${household.id}/members/${mei}/remove`);
    expect(removed.statusCode).toBe(302);
    expect((await agent.follow(removed)).body).toContain('Mei Chen removed from the household');
    const members = await testApp.database.db.selectFrom('household_members').select('person_id').where('household_id', '=', household.id).execute();
    expect(members.map((row) => row.person_id)).toEqual([wei]);
    // Removing someone no longer in it is "not found".
    expect((await agent.post(`/people/${wei}/households/${household.id}/members/${mei}/remove`)).statusCode).toBe(404);

    expect((await agent.post(`/people/${wei}/households/${household.id}/members/${wei}/remove`)).statusCode).toBe(302);
    expect(await testApp.database.db.selectFrom('households').select('id').where('id', '=', household.id).executeTakeFirst()).toBeUndefined();
    expect((await agent.get(`/people/${wei}`)).body).toContain('Not in a household.');

    const audit = await auditedActions(household.id);
    expect(audit.map((row) => row.action)).toEqual(['HOUSEHOLD_CREATED', 'HOUSEHOLD_MEMBER_ADDED', 'HOUSEHOLD_MEMBER_REMOVED', 'HOUSEHOLD_MEMBER_REMOVED']);
    expect(audit.map((row) => (row.details as { householdDeleted?: boolean }).householdDeleted)).toEqual([undefined, undefined, false, true]);
  });

  it('leaves out members the viewer may not see, without counting them, and answers "not found" for people and households outside need-to-know', async () => {
    const { agent, wei, mei } = await chenFamily();
    const elsewhere = await createOrganisation(testApp);
    const hidden = await recordPerson('Jun', 'Secretperson', elsewhere.id);
    const household = await setUpHousehold(agent, wei, { name: 'Chen household' });
    await testApp.database.db.insertInto('household_members').values({ household_id: household.id, person_id: hidden, relationship: 'lodger' }).execute();

    const page = await agent.get(`/people/${wei}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Chen household');
    expect(page.body).not.toContain('Secretperson');
    expect(page.body).not.toContain('Lodger');
    expect(page.body).not.toContain(hidden);

    // The hidden person, and anything reached through them, does not exist for this viewer.
    expect((await agent.get(`/people/${hidden}`)).statusCode).toBe(404);
    expect((await agent.get(`/people/${hidden}/households/new`)).statusCode).toBe(404);
    expect((await agent.get(`/people/${hidden}/households/${household.id}/members`)).statusCode).toBe(404);
    expect((await agent.post(`/people/${wei}/households/${household.id}/members/${hidden}/remove`)).statusCode).toBe(404);
    // A household the person is not in is not found through them.
    expect((await agent.get(`/people/${mei}/households/${household.id}/members`)).statusCode).toBe(404);
    expect((await agent.post(`/people/${mei}/households/${household.id}/members`, { memberId: mei, relationship: 'child' })).statusCode).toBe(404);
    expect((await agent.get(`/people/${wei}/households/not-a-uuid/members`)).statusCode).toBe(404);

    // Someone from another organisation sees neither the person nor their household.
    const stranger = await createUser(testApp, { role: 'case_worker', organisationId: elsewhere.id });
    const strangerAgent = await signedInAgent(testApp, stranger.user);
    expect((await strangerAgent.get(`/people/${wei}`)).statusCode).toBe(404);
    expect((await strangerAgent.post(`/people/${wei}/households/new`, { name: 'Taken over' })).statusCode).toBe(404);
    expect((await strangerAgent.post(`/people/${wei}/households/${household.id}/members`, { memberId: hidden, relationship: 'lodger' })).statusCode).toBe(404);
    expect((await strangerAgent.post(`/people/${hidden}/households/${household.id}/members/${wei}/remove`)).statusCode).toBe(404);
    const members = await testApp.database.db.selectFrom('household_members').select('person_id').where('household_id', '=', household.id).execute();
    expect(members.map((row) => row.person_id).sort()).toEqual([wei, hidden].sort());
  });

  it('explains bad input with the GOV.UK error summary and keeps what was typed', async () => {
    const { agent, wei, mei, locationId } = await chenFamily();
    const noName = await agent.post(`/people/${wei}/households/new`, { name: '  ', locationId });
    expect(noName.statusCode).toBe(400);
    expect(noName.body).toContain('govuk-error-summary');
    expect(noName.body).toContain('Enter a name for the household');
    expect(noName.body).toContain('href="#name"');
    expect(noName.body).toMatch(new RegExp(`value="${locationId}" checked`));

    const strangePlace = await agent.post(`/people/${wei}/households/new`, { name: 'Chen household', locationId: '00000000-0000-4000-8000-000000000000' });
    expect(strangePlace.statusCode).toBe(400);
    expect(strangePlace.body).toContain('Select one of the addresses shown, or no address');
    expect(strangePlace.body).toContain('value="Chen household"');
    expect(await testApp.database.db.selectFrom('household_members').select('person_id').where('person_id', '=', wei).execute()).toEqual([]);

    const household = await setUpHousehold(agent, wei, { name: 'Chen household' });
    const members = `/people/${wei}/households/${household.id}/members`;
    const unknownRelationship = await agent.post(members, { name: 'Mei Chen', memberId: mei, relationship: 'cousin-in-law' });
    expect(unknownRelationship.statusCode).toBe(400);
    expect(unknownRelationship.body).toContain('govuk-error-summary');
    expect(unknownRelationship.body).toContain('Select their relationship');
    expect(unknownRelationship.body).toContain('value="Mei Chen"');
    expect(unknownRelationship.body).toMatch(new RegExp(`value="${mei}" checked`));

    const noOne = await agent.post(members, { name: 'Mei Chen', relationship: 'child' });
    expect(noOne.statusCode).toBe(400);
    expect(noOne.body).toContain('Select a person from the search results');
    expect(noOne.body).toMatch(/<option value="child" selected/);

    const elsewhere = await createOrganisation(testApp);
    const invisible = await recordPerson('Lin', 'Chen', elsewhere.id);
    const notVisible = await agent.post(members, { name: 'Lin Chen', memberId: invisible, relationship: 'child' });
    expect(notVisible.statusCode).toBe(400);
    expect(notVisible.body).toContain('Select a person from the search results');
    expect(notVisible.body).toContain('value="Lin Chen"');
    expect(notVisible.body).not.toContain(invisible);

    expect((await agent.post(members, { memberId: mei, relationship: 'child' })).statusCode).toBe(302);
    const twice = await agent.post(members, { memberId: mei, relationship: 'child' });
    expect(twice.statusCode).toBe(400);
    expect(twice.body).toContain('That person is already in the household');

    expect((await auditedActions(household.id)).map((row) => row.action)).toEqual(['HOUSEHOLD_CREATED', 'HOUSEHOLD_MEMBER_ADDED']);
  });

  it('suggests household members who are not on the case, and adds one in a click as a household member', async () => {
    const { agent, caseId, wei, mei } = await chenFamily();
    const elsewhere = await createOrganisation(testApp);
    const hidden = await recordPerson('Jun', 'Secretperson', elsewhere.id);
    const household = await setUpHousehold(agent, wei, { name: 'Chen household' });
    expect((await agent.post(`/people/${wei}/households/${household.id}/members`, { memberId: mei, relationship: 'child' })).statusCode).toBe(302);
    await testApp.database.db.insertInto('household_members').values({ household_id: household.id, person_id: hidden, relationship: 'lodger' }).execute();

    const page = await agent.get(`/cases/${caseId}/people`);
    expect(page.body).toContain('Household members not on this case');
    expect(page.body).toContain(`href="/people/${mei}"`);
    expect(page.body).toContain('Child, Chen household – lives with Wei Chen');
    expect(page.body).toContain('Add to case as household member');
    expect(page.body).not.toContain('Secretperson');

    const linked = await agent.post(`/cases/${caseId}/people/link`, { personId: mei, role: 'household_member' });
    expect(linked.statusCode).toBe(302);
    const onCase = await testApp.database.db.selectFrom('case_people').select(['person_id', 'role']).where('case_id', '=', caseId).where('person_id', '=', mei).execute();
    expect(onCase).toEqual([{ person_id: mei, role: 'household_member' }]);
    const after = await agent.get(`/cases/${caseId}/people`);
    expect(after.body).not.toContain('Household members not on this case');
    const audit = await testApp.database.db.selectFrom('audit_events').select('details').where('record_id', '=', caseId).where('action', '=', 'CASE_PERSON_LINKED').execute();
    expect(audit.map((row) => row.details)).toContainEqual(expect.objectContaining({ personId: mei, role: 'household_member' }));
  });
});
