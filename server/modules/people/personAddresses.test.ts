import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { addDays, londonToday } from '../../shared/dates.ts';

// The "Current" tag in the To column of the address history.
const CURRENT_TAG = /govuk-tag--green">\s*Current\s*</;

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

/** A council case worker with a case about Wei Chen. */
async function weiChen() {
  const council = await createOrganisation(testApp);
  const worker = await createUser(testApp, { role: 'case_worker', organisationId: council.id });
  const agent = await signedInAgent(testApp, worker.user);
  const opened = await agent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'medium', summary: 'Noise and threats at Elm Court', area: 'Byker' });
  expect(opened.statusCode).toBe(302);
  const caseId = String(opened.headers.location).split('/').pop()!;
  expect((await agent.post(`/cases/${caseId}/people/new`, { role: 'victim', givenName: 'Wei', familyName: 'Chen' })).statusCode).toBe(302);
  const wei = (await testApp.database.db.selectFrom('case_people').select('person_id').where('case_id', '=', caseId).executeTakeFirstOrThrow()).person_id;
  const reference = (await testApp.database.db.selectFrom('cases').select('reference').where('id', '=', caseId).executeTakeFirstOrThrow()).reference;
  return { council, agent, caseId, reference, wei };
}

/** The three boxes of a GOV.UK date input for an ISO date. */
function dateBoxes(field: string, iso: string): Record<string, string> {
  const [year, month, day] = iso.split('-');
  return { [`${field}-day`]: String(Number(day)), [`${field}-month`]: String(Number(month)), [`${field}-year`]: year! };
}

async function addAddress(agent: TestAgent, personId: string, form: Record<string, string>) {
  const response = await agent.post(`/people/${personId}/addresses/new`, form);
  expect(response.statusCode, response.body).toBe(302);
  expect(response.headers.location).toBe(`/people/${personId}`);
  return response;
}

async function addressesOf(personId: string) {
  return testApp.database.db
    .selectFrom('person_addresses')
    .innerJoin('locations', 'locations.id', 'person_addresses.location_id')
    .select(['person_addresses.id', 'person_addresses.location_id', 'locations.address_line_1', 'locations.postcode', 'locations.uprn', 'locations.location_type', 'person_addresses.valid_from', 'person_addresses.valid_to'])
    .where('person_addresses.person_id', '=', personId)
    .orderBy('person_addresses.created_at')
    .execute();
}

async function addressAudit(personId: string) {
  return testApp.database.db
    .selectFrom('audit_events')
    .select(['action', 'details'])
    .where('record_type', '=', 'person')
    .where('record_id', '=', personId)
    .where('action', 'in', ['PERSON_ADDRESS_ADDED', 'PERSON_ADDRESS_ENDED'])
    .orderBy('seq')
    .execute();
}

describe('a person’s address history', () => {
  it('adds an address with its postcode tidied, shows the history newest first on the person’s page, and audits it', async () => {
    const { agent, wei } = await weiChen();
    const before = await agent.get(`/people/${wei}`);
    expect(before.body).toContain('No addresses recorded.');
    expect(before.body).toContain(`href="/people/${wei}/addresses/new"`);
    const form = await agent.get(`/people/${wei}/addresses/new`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Add an address');
    // Nowhere to replace yet.
    expect(form.body).not.toContain('This replaces their current address');

    const added = await addAddress(agent, wei, { addressLine1: 'Flat 2 & 3, Elm Court', addressLine2: 'Heaton Road', town: 'Newcastle', postcode: ' ne6  1aa ', uprn: '4510012345', ...dateBoxes('validFrom', '2021-03-01') });
    expect((await agent.follow(added)).body).toContain('Address added');
    await addAddress(agent, wei, { addressLine1: '9 Byker Bank', postcode: 'NE62AB', ...dateBoxes('validFrom', '2015-06-10'), ...dateBoxes('validTo', '2021-02-28') });

    const [current, earlier] = await addressesOf(wei);
    expect(current).toMatchObject({ address_line_1: 'Flat 2 & 3, Elm Court', postcode: 'NE6 1AA', uprn: '4510012345', location_type: 'dwelling', valid_from: '2021-03-01', valid_to: null });
    expect(earlier).toMatchObject({ address_line_1: '9 Byker Bank', postcode: 'NE6 2AB', valid_from: '2015-06-10', valid_to: '2021-02-28' });
    expect(await testApp.database.db.selectFrom('locations').select('id').where('id', '=', current!.location_id).executeTakeFirst()).toBeDefined();

    const page = (await agent.get(`/people/${wei}`)).body;
    expect(page).toContain('Flat 2 &amp; 3, Elm Court, Heaton Road, Newcastle');
    expect(page).toContain('NE6 1AA');
    expect(page).toContain('1 March 2021');
    expect(page).toMatch(CURRENT_TAG);
    expect(page).toContain('28 February 2021');
    expect(page.indexOf('Elm Court')).toBeLessThan(page.indexOf('9 Byker Bank'));
    // Only the current address can be moved out of.
    expect(page).toContain(`href="/people/${wei}/addresses/${current!.id}/end"`);
    expect(page).not.toContain(`href="/people/${wei}/addresses/${earlier!.id}/end"`);

    const audit = await addressAudit(wei);
    expect(audit.map((row) => row.action)).toEqual(['PERSON_ADDRESS_ADDED', 'PERSON_ADDRESS_ADDED']);
    expect(audit[0]!.details).toMatchObject({ addressId: current!.id, locationId: current!.location_id, validFrom: '2021-03-01', validTo: null });
    const location = await testApp.database.db.selectFrom('audit_events').select('action').where('record_type', '=', 'location').where('record_id', '=', current!.location_id).execute();
    expect(location.map((row) => row.action)).toEqual(['LOCATION_CREATED']);
  });

  it('ends their current address on the day they moved in to the one that replaces it, or today when that is not known', async () => {
    const { agent, wei } = await weiChen();
    await addAddress(agent, wei, { addressLine1: '4 Elm Court', ...dateBoxes('validFrom', '2021-03-01') });
    const form = await agent.get(`/people/${wei}/addresses/new`);
    expect(form.body).toContain('This replaces their current address');
    expect(form.body).toContain('4 Elm Court will end on the day they moved in here');

    await addAddress(agent, wei, { addressLine1: '12 Shields Road', ...dateBoxes('validFrom', '2024-05-20'), replacesCurrent: 'yes' });
    let [elm, shields] = await addressesOf(wei);
    expect(elm).toMatchObject({ valid_from: '2021-03-01', valid_to: '2024-05-20' });
    expect(shields).toMatchObject({ valid_from: '2024-05-20', valid_to: null });

    await addAddress(agent, wei, { addressLine1: '1 Quayside', replacesCurrent: 'yes' });
    const rows = await addressesOf(wei);
    [elm, shields] = rows;
    expect(shields!.valid_to).toBe(londonToday());
    expect(rows[2]).toMatchObject({ address_line_1: '1 Quayside', valid_from: null, valid_to: null });
    expect(elm!.valid_to).toBe('2024-05-20');
    const audit = await addressAudit(wei);
    expect(audit.map((row) => row.action)).toEqual(['PERSON_ADDRESS_ADDED', 'PERSON_ADDRESS_ADDED', 'PERSON_ADDRESS_ENDED', 'PERSON_ADDRESS_ADDED', 'PERSON_ADDRESS_ENDED']);
    expect(audit[2]!.details).toMatchObject({ addressId: elm!.id, validTo: '2024-05-20', replacedBy: shields!.id });

  });

  it('refuses a replacement dated before the current address began, keeping what was typed', async () => {
    const { agent, wei } = await weiChen();
    await addAddress(agent, wei, { addressLine1: '4 Elm Court', ...dateBoxes('validFrom', '2021-03-01') });
    const response = await agent.post(`/people/${wei}/addresses/new`, { addressLine1: '3 Dene Terrace', ...dateBoxes('validFrom', '2020-01-01'), replacesCurrent: 'yes' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('The date they moved in must be the same as or after the date they moved in to their current address');
    expect(response.body).toContain('href="#validFrom-day"');
    expect(response.body).toContain('value="3 Dene Terrace"');
    expect(response.body).toMatch(/name="replacesCurrent" type="checkbox" value="yes" checked/);
    const rows = await addressesOf(wei);
    expect(rows.map((row) => [row.address_line_1, row.valid_to])).toEqual([['4 Elm Court', null]]);
    expect(await testApp.database.db.selectFrom('locations').select('id').where('address_line_1', '=', '3 Dene Terrace').execute()).toEqual([]);
  });

  it.each([
    ['no first line', { addressLine1: '  ', postcode: 'NE6 1AA' }, 'Enter the first line of the address', '#addressLine1', 'value="NE6 1AA"'],
    ['a postcode that cannot be one', { addressLine1: '4 Elm Court', postcode: 'NOT A CODE' }, 'Enter a real postcode, like NE1 4ST', '#postcode', 'value="NOT A CODE"'],
    ['an impossible date', { addressLine1: '4 Elm Court', 'validFrom-day': '31', 'validFrom-month': '2', 'validFrom-year': '2023' }, 'The date they moved in must be a real date', '#validFrom-day', 'value="31"'],
    ['half a date', { addressLine1: '4 Elm Court', 'validTo-month': '2', 'validTo-year': '2023' }, 'The date they left must include a day, month and year', '#validTo-day', 'value="2023"'],
    ['a moving-in date in the future', { addressLine1: '4 Elm Court', ...dateBoxes('validFrom', addDays(londonToday(), 1)) }, 'The date they moved in must be today or in the past', '#validFrom-day', 'value="4 Elm Court"'],
    ['an until date before the from date', { addressLine1: '4 Elm Court', ...dateBoxes('validFrom', '2022-05-01'), ...dateBoxes('validTo', '2022-04-30') }, 'The date they left must be the same as or after the date they moved in', '#validTo-day', 'value="30"'],
  ])('refuses %s with a message linked to the field, keeping what was typed', async (_case, form, message, href, kept) => {
    const { agent, wei } = await weiChen();
    const response = await agent.post(`/people/${wei}/addresses/new`, form);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('There is a problem');
    expect(response.body).toContain(message);
    expect(response.body).toContain(`href="${href}"`);
    expect(response.body).toContain(kept);
    expect(await addressesOf(wei)).toEqual([]);
  });

  it('refuses to let an address they have left replace their current one', async () => {
    const { agent, wei } = await weiChen();
    await addAddress(agent, wei, { addressLine1: '4 Elm Court' });
    const response = await agent.post(`/people/${wei}/addresses/new`, { addressLine1: '9 Byker Bank', ...dateBoxes('validFrom', '2019-01-01'), ...dateBoxes('validTo', '2020-01-01'), replacesCurrent: 'yes' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('An address they have left cannot replace their current address');
    expect(response.body).toContain('href="#replacesCurrent"');
    expect((await addressesOf(wei)).length).toBe(1);
  });

  it('records that they moved out of their current address, on a real day no earlier than they moved in and not in the future', async () => {
    const { agent, wei } = await weiChen();
    await addAddress(agent, wei, { addressLine1: '4 Elm Court', postcode: 'NE6 1AA', ...dateBoxes('validFrom', '2021-03-01') });
    const [address] = await addressesOf(wei);
    const endPath = `/people/${wei}/addresses/${address!.id}/end`;

    const form = await agent.get(endPath);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Record that they moved out');
    expect(form.body).toContain('4 Elm Court');
    expect(form.body).toContain('1 March 2021');

    const refusals: [Record<string, string>, string][] = [
      [{}, 'Enter the date they moved out'],
      [{ 'movedOutOn-day': '30', 'movedOutOn-month': '2', 'movedOutOn-year': '2024' }, 'The date they moved out must be a real date'],
      [dateBoxes('movedOutOn', addDays(londonToday(), 1)), 'The date they moved out must be today or in the past'],
      [dateBoxes('movedOutOn', '2021-02-28'), 'The date they moved out must be the same as or after the date they moved in'],
    ];
    for (const [typed, message] of refusals) {
      const response = await agent.post(endPath, typed);
      expect(response.statusCode, message).toBe(400);
      expect(response.body).toContain(message);
      expect(response.body).toContain('href="#movedOutOn-day"');
      if (typed['movedOutOn-day']) expect(response.body).toContain(`value="${typed['movedOutOn-day']}"`);
    }
    expect((await addressesOf(wei))[0]!.valid_to).toBeNull();

    const ended = await agent.post(endPath, dateBoxes('movedOutOn', '2021-03-01'));
    expect(ended.statusCode).toBe(302);
    expect(ended.headers.location).toBe(`/people/${wei}`);
    const page = (await agent.follow(ended)).body;
    expect(page).toContain('Move recorded');
    expect(page).not.toMatch(CURRENT_TAG);
    expect((await addressesOf(wei))[0]!.valid_to).toBe('2021-03-01');
    const audit = await addressAudit(wei);
    expect(audit.map((row) => row.action)).toEqual(['PERSON_ADDRESS_ADDED', 'PERSON_ADDRESS_ENDED']);
    expect(audit[1]!.details).toMatchObject({ addressId: address!.id, validTo: '2021-03-01' });

    // Once they have moved out, there is nothing current to move out of.
    expect((await agent.get(endPath)).statusCode).toBe(404);
    expect((await agent.post(endPath, dateBoxes('movedOutOn', '2022-01-01'))).statusCode).toBe(404);
  });

  it('answers "not found" for another organisation’s person and for an address that is not this person’s', async () => {
    const { agent, wei, council } = await weiChen();
    await addAddress(agent, wei, { addressLine1: '4 Elm Court' });
    const [address] = await addressesOf(wei);
    const other = await weiChen();
    const stranger = other.agent;

    expect((await stranger.get(`/people/${wei}`)).statusCode).toBe(404);
    expect((await stranger.get(`/people/${wei}/addresses/new`)).statusCode).toBe(404);
    expect((await stranger.post(`/people/${wei}/addresses/new`, { addressLine1: 'Somewhere else' })).statusCode).toBe(404);
    expect((await stranger.post(`/people/${wei}/addresses/new`, {})).statusCode).toBe(404);
    expect((await stranger.get(`/people/${wei}/addresses/${address!.id}/end`)).statusCode).toBe(404);
    expect((await stranger.post(`/people/${wei}/addresses/${address!.id}/end`, dateBoxes('movedOutOn', '2024-01-01'))).statusCode).toBe(404);
    // Their own person with Wei's address id: the address is not that person's.
    expect((await stranger.get(`/people/${other.wei}/addresses/${address!.id}/end`)).statusCode).toBe(404);
    expect((await stranger.post(`/people/${other.wei}/addresses/${address!.id}/end`, dateBoxes('movedOutOn', '2024-01-01'))).statusCode).toBe(404);
    expect((await stranger.post(`/people/${other.wei}/addresses/${address!.id}/end`, {})).statusCode).toBe(404);
    expect((await agent.get(`/people/${wei}/addresses/not-an-id/end`)).statusCode).toBe(404);

    expect(await addressesOf(wei)).toMatchObject([{ address_line_1: '4 Elm Court', valid_to: null }]);
    expect(await addressesOf(other.wei)).toEqual([]);
    expect(council.id).not.toBe(other.council.id);
  });

  it('lets someone with break-glass access read the history but not add to it or end an address', async () => {
    const { agent, wei, reference } = await weiChen();
    await addAddress(agent, wei, { addressLine1: '4 Elm Court', postcode: 'NE6 1AA' });
    const [address] = await addressesOf(wei);
    const manager = await createUser(testApp, { role: 'case_manager', name: 'Sam Stranger' });
    const stranger = await signedInAgent(testApp, manager.user);
    expect((await stranger.get(`/people/${wei}`)).statusCode).toBe(404);
    expect((await stranger.post('/cases/break-glass', { reference, reason: 'Child at immediate risk, out-of-hours call from the hospital' })).statusCode).toBe(302);

    const page = await stranger.get(`/people/${wei}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('4 Elm Court');
    expect(page.body).not.toContain(`href="/people/${wei}/addresses/new"`);
    expect(page.body).not.toContain(`/addresses/${address!.id}/end`);

    expect((await stranger.get(`/people/${wei}/addresses/new`)).statusCode).toBe(404);
    expect((await stranger.post(`/people/${wei}/addresses/new`, { addressLine1: 'Somewhere else', replacesCurrent: 'yes' })).statusCode).toBe(404);
    expect((await stranger.get(`/people/${wei}/addresses/${address!.id}/end`)).statusCode).toBe(404);
    expect((await stranger.post(`/people/${wei}/addresses/${address!.id}/end`, dateBoxes('movedOutOn', londonToday()))).statusCode).toBe(404);
    expect(await addressesOf(wei)).toMatchObject([{ address_line_1: '4 Elm Court', valid_to: null }]);
    expect((await addressAudit(wei)).map((row) => row.action)).toEqual(['PERSON_ADDRESS_ADDED']);
  });
});
