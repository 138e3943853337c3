import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { createSharingAgreement } from '../../../test/factories/sharingAgreements.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { addDays, londonToday } from '../../shared/dates.ts';
import { nextOccurrences } from './meetingSchedule.ts';

let testApp: TestApp;
const db = () => testApp.database.db;
const unique = () => Math.random().toString(36).slice(2, 8);

async function openCase(agent: TestAgent, summary: string) {
  const response = await agent.post('/cases/new', { caseType: 'vulnerability', priority: 'high', summary, area: 'Walker' });
  expect(response.statusCode).toBe(302);
  return String(response.headers.location).split('/').pop()!;
}

function dateBoxes(field: string, iso: string) {
  const [year, month, day] = iso.split('-');
  return { [`${field}-day`]: String(Number(day)), [`${field}-month`]: String(Number(month)), [`${field}-year`]: year! };
}

/**
 * A council leads one case with the police taking part; housing leads another alone. All three
 * belong to a CHaRMM series and both cases are flagged for it.
 */
async function partnership() {
  const council = await createOrganisation(testApp, { name: `Council ${unique()}` });
  const police = await createOrganisation(testApp, { name: `Police ${unique()}`, type: 'police' });
  const housing = await createOrganisation(testApp, { name: `Housing ${unique()}`, type: 'housing_provider' });
  await createSharingAgreement(testApp, [council.id, police.id, housing.id]);
  const councilManager = await createUser(testApp, { role: 'case_manager', organisationId: council.id, name: 'Aisha Rahman' });
  const policeWorker = await createUser(testApp, { role: 'case_worker', organisationId: police.id, name: 'Daniel Hughes' });
  const housingManager = await createUser(testApp, { role: 'case_manager', organisationId: housing.id, name: 'Rachel Moore' });
  const councilAgent = await signedInAgent(testApp, councilManager.user);
  const policeAgent = await signedInAgent(testApp, policeWorker.user);
  const housingAgent = await signedInAgent(testApp, housingManager.user);
  const sharedCase = await openCase(councilAgent, `Hoarding and fire risk ${unique()}`);
  expect((await councilAgent.post(`/cases/${sharedCase}/agencies`, { organisationId: police.id })).statusCode).toBe(302);
  const housingCase = await openCase(housingAgent, `Tenancy at risk ${unique()}`);
  const firstDate = addDays(londonToday(), 2);
  const created = await councilAgent.post('/meetings/series/new', {
    name: `CHaRMM ${unique()}`,
    kind: 'charmm',
    purpose: 'vulnerability_safeguarding',
    everyWeeks: '4',
    ...dateBoxes('firstDate', firstDate),
    startTime: '10:00',
    location: 'Civic Centre',
    confidentialityStatement: 'What is said here stays here.',
    members: [police.id, housing.id],
  });
  expect(created.statusCode).toBe(302);
  const seriesId = String(created.headers.location).split('/').pop()!;
  const meetings = await db().selectFrom('meetings').select(['id', 'held_on']).where('series_id', '=', seriesId).orderBy('held_on').execute();
  expect(meetings.map((meeting) => meeting.held_on)).toEqual(nextOccurrences({ first_date: firstDate, every_weeks: 4 }, firstDate, 4));
  expect((await councilAgent.post(`/cases/${sharedCase}/meetings`, { seriesId, reason: 'Fire risk rising' })).statusCode).toBe(302);
  expect((await housingAgent.post(`/cases/${housingCase}/meetings`, { seriesId, reason: 'Arrears and threats' })).statusCode).toBe(302);
  const references = await db().selectFrom('cases').select(['id', 'reference']).where('id', 'in', [sharedCase, housingCase]).execute();
  const referenceOf = (id: string) => references.find((row) => row.id === id)!.reference;
  return {
    council, police, housing, councilManager, policeWorker, councilAgent, policeAgent, housingAgent, sharedCase, housingCase, seriesId,
    meetingId: meetings[0]!.id, sharedReference: referenceOf(sharedCase), housingReference: referenceOf(housingCase),
  };
}

async function itemId(seriesId: string, caseId: string) {
  return (await db().selectFrom('meeting_case_flags').select('id').where('series_id', '=', seriesId).where('case_id', '=', caseId).executeTakeFirstOrThrow()).id;
}

describe.each(availableBackends())('multi-agency meetings on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
  });
  afterAll(async () => testApp?.close());

  it('shows the agenda only after the confidentiality statement is accepted, and records attendance', async () => {
    const p = await partnership();
    const before = await p.policeAgent.get(`/meetings/${p.meetingId}`);
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain('What is said here stays here.');
    expect(before.body).not.toContain(p.sharedReference);
    expect((await p.policeAgent.get(`/meetings/${p.meetingId}/pack`)).headers.location).toBe(`/meetings/${p.meetingId}`);
    const item = await itemId(p.seriesId, p.sharedCase);
    expect((await p.policeAgent.get(`/meetings/${p.meetingId}/items/${item}`)).headers.location).toBe(`/meetings/${p.meetingId}`);
    const refused = await p.policeAgent.post(`/meetings/${p.meetingId}/confidentiality`, {});
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Accept the confidentiality statement to see the agenda');
    expect((await p.policeAgent.post(`/meetings/${p.meetingId}/confidentiality`, { accept: 'yes' })).statusCode).toBe(302);
    const after = await p.policeAgent.get(`/meetings/${p.meetingId}`);
    expect(after.body).toContain(p.sharedReference);
    expect(after.body).toContain('Daniel Hughes');
    const attendance = await db().selectFrom('meeting_attendees').select(['user_id', 'organisation_id']).where('meeting_id', '=', p.meetingId).execute();
    expect(attendance).toEqual([{ user_id: p.policeWorker.user.id, organisation_id: p.police.id }]);
    const audit = await db().selectFrom('audit_events').select('action').where('record_id', '=', p.meetingId).orderBy('seq').execute();
    expect(audit.map((row) => row.action)).toEqual(['MEETING_CONFIDENTIALITY_ACCEPTED', 'MEETING_VIEWED']);
  });

  it("gives each attendee's organisation a pack of only the cases it may see, counting the rest", async () => {
    const p = await partnership();
    const packFor = async (agent: TestAgent) => {
      expect((await agent.post(`/meetings/${p.meetingId}/confidentiality`, { accept: 'yes' })).statusCode).toBe(302);
      const pack = await agent.get(`/meetings/${p.meetingId}/pack`);
      expect(pack.statusCode).toBe(200);
      return pack.body;
    };
    const police = await packFor(p.policeAgent);
    expect(police).toContain(p.sharedReference);
    expect(police).toContain('Fire risk rising');
    expect(police).not.toContain(p.housingReference);
    expect(police).not.toContain('Arrears and threats');
    expect(police).toContain('1 case not shown');
    const housing = await packFor(p.housingAgent);
    expect(housing).toContain(p.housingReference);
    expect(housing).not.toContain(p.sharedReference);
    expect(housing).not.toContain('Fire risk rising');
    expect(housing).toContain('1 case not shown');
    const council = await packFor(p.councilAgent);
    expect(council).toContain(p.sharedReference);
    expect(council).not.toContain(p.housingReference);
    const packAudit = await db().selectFrom('audit_events').select('details').where('action', '=', 'MEETING_PACK_VIEWED').where('record_id', '=', p.meetingId).where('organisation_id', '=', p.housing.id).executeTakeFirstOrThrow();
    expect(packAudit.details).toMatchObject({ cases: [p.housingCase], hidden: 1 });
    // An organisation outside the series does not know the meeting exists.
    const outsider = await createUser(testApp, { role: 'case_manager' });
    expect((await (await signedInAgent(testApp, outsider.user)).get(`/meetings/${p.meetingId}`)).statusCode).toBe(404);
  });

  it('writes the minutes onto the case timeline and the action onto the case, through the case check', async () => {
    const p = await partnership();
    await p.councilAgent.post(`/meetings/${p.meetingId}/confidentiality`, { accept: 'yes' });
    const item = await itemId(p.seriesId, p.sharedCase);
    const dueDate = addDays(londonToday(), 14);
    // An action the case cannot take (a past date) is refused and nothing is written.
    const refused = await p.councilAgent.post(`/meetings/${p.meetingId}/items/${item}`, { minutes: 'Agreed joint visit.', actionTitle: 'Joint visit', actionOwnerOrganisationId: p.police.id, ...dateBoxes('actionDueDate', addDays(londonToday(), -3)) });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Agreed joint visit.');
    expect(await db().selectFrom('case_notes').select('id').where('case_id', '=', p.sharedCase).execute()).toHaveLength(0);
    const missingOwner = await p.councilAgent.post(`/meetings/${p.meetingId}/items/${item}`, { minutes: 'Agreed joint visit.', actionTitle: 'Joint visit' });
    expect(missingOwner.statusCode).toBe(400);
    expect(missingOwner.body).toContain('Select the agency responsible for the action');

    const saved = await p.councilAgent.post(`/meetings/${p.meetingId}/items/${item}`, {
      minutes: 'Fire service to fit alarms; police to check on visitors.',
      actionTitle: 'Check on visitors weekly',
      actionOwnerOrganisationId: p.police.id,
      actionOwnerUserId: p.policeWorker.user.id,
      ...dateBoxes('actionDueDate', dueDate),
    });
    expect(saved.statusCode).toBe(302);
    const note = await db().selectFrom('case_notes').select(['id', 'body', 'sensitivity']).where('case_id', '=', p.sharedCase).executeTakeFirstOrThrow();
    expect(note.body).toMatch(/^Minutes of CHaRMM \w+, \d+ \w+ \d{4}\n\nFire service to fit alarms; police to check on visitors\.$/);
    expect(note.sensitivity).toBe('standard');
    const timeline = await p.policeAgent.get(`/cases/${p.sharedCase}/timeline`);
    expect(timeline.body).toContain('Fire service to fit alarms; police to check on visitors.');
    const action = await db().selectFrom('case_actions').select(['title', 'owner_organisation_id', 'owner_user_id', 'due_date']).where('case_id', '=', p.sharedCase).executeTakeFirstOrThrow();
    expect(action).toEqual({ title: 'Check on visitors weekly', owner_organisation_id: p.police.id, owner_user_id: p.policeWorker.user.id, due_date: dueDate });
    expect((await p.policeAgent.get(`/cases/${p.sharedCase}/actions`)).body).toContain('Check on visitors weekly');
    const minutes = await db().selectFrom('meeting_minutes').select(['case_id', 'note_id']).where('meeting_id', '=', p.meetingId).execute();
    expect(minutes).toEqual([{ case_id: p.sharedCase, note_id: note.id }]);
    const flag = await db().selectFrom('meeting_case_flags').select('discussed_meeting_id').where('id', '=', item).executeTakeFirstOrThrow();
    expect(flag.discussed_meeting_id).toBe(p.meetingId);
    expect((await db().selectFrom('audit_events').select('action').where('action', '=', 'MEETING_MINUTES_RECORDED').where('record_id', '=', p.meetingId).execute())).toHaveLength(1);

    // A case the attendee's organisation may not see is "not found", even on the agenda.
    await p.policeAgent.post(`/meetings/${p.meetingId}/confidentiality`, { accept: 'yes' });
    const housingItem = await itemId(p.seriesId, p.housingCase);
    expect((await p.policeAgent.get(`/meetings/${p.meetingId}/items/${housingItem}`)).statusCode).toBe(404);
    expect((await p.policeAgent.post(`/meetings/${p.meetingId}/items/${housingItem}`, { minutes: 'Should not land' })).statusCode).toBe(404);
    expect(await db().selectFrom('case_notes').select('id').where('case_id', '=', p.housingCase).execute()).toHaveLength(0);
  });

  it('flags a case once per series, only for a series the organisation belongs to, and only on a visible case', async () => {
    const p = await partnership();
    const again = await p.councilAgent.post(`/cases/${p.sharedCase}/meetings`, { seriesId: p.seriesId, reason: 'Again' });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('This case is already waiting for that meeting');
    const otherCouncil = await createOrganisation(testApp);
    const stranger = await createUser(testApp, { role: 'case_manager', organisationId: otherCouncil.id });
    const strangerAgent = await signedInAgent(testApp, stranger.user);
    expect((await strangerAgent.post(`/cases/${p.sharedCase}/meetings`, { seriesId: p.seriesId, reason: 'Nosy' })).statusCode).toBe(404);
    const ownCase = await openCase(strangerAgent, 'Stranger case');
    const notMember = await strangerAgent.post(`/cases/${ownCase}/meetings`, { seriesId: p.seriesId, reason: 'Please discuss' });
    expect(notMember.statusCode).toBe(400);
    expect(notMember.body).toContain('Select a meeting your organisation belongs to');
    const page = await p.councilAgent.get(`/cases/${p.sharedCase}/meetings`);
    expect(page.body).toContain('Fire risk rising');
  });

  it('schedules the next meetings after the latest one', async () => {
    const p = await partnership();
    expect((await p.councilAgent.post(`/meetings/series/${p.seriesId}/schedule`, {})).statusCode).toBe(302);
    const dates = (await db().selectFrom('meetings').select('held_on').where('series_id', '=', p.seriesId).orderBy('held_on').execute()).map((row) => row.held_on);
    expect(dates).toHaveLength(8);
    expect(new Set(dates.map((date) => new Date(`${date}T12:00:00Z`).getUTCDay())).size).toBe(1);
    expect((await p.policeAgent.post(`/meetings/series/${p.seriesId}/schedule`, {})).statusCode).toBe(403);
  });
});
