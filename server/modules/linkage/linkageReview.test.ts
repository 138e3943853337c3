import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { createSharingAgreement } from '../../../test/factories/sharingAgreements.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { systemActor } from '../../shared/actor.ts';

let testApp: TestApp;
const db = () => testApp.database.db;
const unique = () =>
  Math.random()
    .toString(36)
    .replace(/[^a-z]/g, '')
    .slice(0, 6);

interface World {
  police: string;
  council: string;
  health: string;
  policeManager: TestAgent;
  policeManagerId: string;
  policeWorker: TestAgent;
  councilManager: TestAgent;
  healthManager: TestAgent;
}
let world: World;

/**
 * A person `recordedBy` one organisation, and an incident from `from` naming someone who is
 * probably them (same names, only the birth year agrees): linking queues it for review.
 */
async function possibleMatch(from: string, recordedBy: string, options: { secondCandidate?: boolean } = {}) {
  // Names share nothing with other tests' (a similar surname and the same birthday would be a match).
  const family = `${unique()}${unique()}`.replace(/^./, (letter) => letter.toUpperCase());
  const given = `${unique()}`.replace(/^./, (letter) => letter.toUpperCase());
  const personId = (await db().insertInto('people').values({ given_name: given, family_name: family, date_of_birth: '1975-06-02', created_by_organisation_id: recordedBy }).returning('id').executeTakeFirstOrThrow()).id;
  const otherPersonId = options.secondCandidate
    ? (await db().insertInto('people').values({ given_name: given, family_name: family, date_of_birth: '1975-01-30', created_by_organisation_id: recordedBy }).returning('id').executeTakeFirstOrThrow()).id
    : undefined;
  const incident = await db()
    .insertInto('incidents')
    .values({ source_organisation_id: from, source_reference: `REVIEW-${family}`, occurred_at: new Date(Date.now() - 86_400_000), category_code: 'asb_personal' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const incoming = (await db().insertInto('incident_people').values({ incident_id: incident.id, role: 'victim', given_name: given, family_name: family, date_of_birth: '1975-09-21' }).returning('id').executeTakeFirstOrThrow()).id;
  await testApp.services.linkage.linkPending({ workers: 1, actor: systemActor('test') });
  const candidates = await db().selectFrom('link_candidates').select(['id', 'candidate_person_id']).where('incident_person_id', '=', incoming).orderBy('match_weight', 'desc').execute();
  const candidateOf = (id: string) => candidates.find((candidate) => candidate.candidate_person_id === id)!.id;
  return { family, given, personId, otherPersonId, incoming, candidateId: candidateOf(personId), otherCandidateId: otherPersonId ? candidateOf(otherPersonId) : undefined };
}

const incidentPerson = (id: string) => db().selectFrom('incident_people').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const candidateRow = (id: string) => db().selectFrom('link_candidates').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const actionsOn = async (recordId: string) => (await db().selectFrom('audit_events').select('action').where('record_id', '=', recordId).orderBy('seq').execute()).map((row) => row.action);

describe.each(availableBackends())('clerical review and unlinking on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
    const police = (await createOrganisation(testApp, { name: `Police ${unique()}`, type: 'police' })).id;
    const council = (await createOrganisation(testApp, { name: `Council ${unique()}` })).id;
    const health = (await createOrganisation(testApp, { name: `Health ${unique()}`, type: 'nhs_trust' })).id;
    const agent = async (role: 'case_manager' | 'case_worker', organisationId: string) => {
      const fixture = await createUser(testApp, { role, organisationId });
      return { agent: await signedInAgent(testApp, fixture.user), id: fixture.user.id };
    };
    const policeManager = await agent('case_manager', police);
    world = {
      police,
      council,
      health,
      policeManager: policeManager.agent,
      policeManagerId: policeManager.id,
      policeWorker: (await agent('case_worker', police)).agent,
      councilManager: (await agent('case_manager', council)).agent,
      healthManager: (await agent('case_manager', health)).agent,
    };
    // Police and council share hidden-harm signals; health shares with no one.
    await createSharingAgreement(testApp, [police, council], { purposes: ['hidden_harm_signals'] });
  });
  afterAll(async () => testApp.close());

  it('lists a possible match to a reviewer of the incoming record\'s organisation and shows the pair with each field\'s weight', async () => {
    const match = await possibleMatch(world.police, world.council);
    const queue = await world.policeManager.get('/linkage/review?sort=weight');
    expect(queue.statusCode).toBe(200);
    expect(queue.body).toContain(match.family);
    expect(queue.body).toContain(`/linkage/review/${match.candidateId}`);
    const pair = await world.policeManager.get(`/linkage/review/${match.candidateId}`);
    expect(pair.statusCode).toBe(200);
    expect(pair.body).toContain('Is this the same person?');
    expect(pair.body).toContain('1975-06-02');
    expect(pair.body).toContain('1975-09-21');
    expect(pair.body).toMatch(/Date of birth<\/th>\s*<td[^>]*>same year only<\/td>/);
    expect(pair.body).toContain('<svg class="oneroof-waterfall"');
    expect(pair.body).toMatch(/Total match weight -?\d+\.\d\d, probability of the same person \d+\.\d%/);
    expect(await actionsOn(match.candidateId)).toEqual(['LINK_CANDIDATE_VIEWED']);
    const listViews = await db().selectFrom('audit_events').select('action').where('action', '=', 'LINK_REVIEW_LIST_VIEWED').execute();
    expect(listViews.length).toBeGreaterThan(0);
  });

  it('needs to know: other organisations, and candidates from an organisation not sharing with the reviewer, are "not found"', async () => {
    const shared = await possibleMatch(world.police, world.council);
    // The council shares with police, but the incoming record is police's: the council reviewer may not see it.
    expect((await world.councilManager.get(`/linkage/review/${shared.candidateId}`)).statusCode).toBe(404);
    expect((await world.councilManager.get('/linkage/review')).body).not.toContain(shared.family);
    expect((await world.councilManager.post(`/linkage/review/${shared.candidateId}/confirm`)).statusCode).toBe(404);
    // Health's person is not shared with police: the police reviewer does not see the pair.
    const unshared = await possibleMatch(world.police, world.health);
    expect((await world.policeManager.get(`/linkage/review/${unshared.candidateId}`)).statusCode).toBe(404);
    expect((await world.policeManager.get('/linkage/review')).body).not.toContain(unshared.family);
    expect((await world.policeManager.post(`/linkage/review/${unshared.candidateId}/reject`, { reason: 'no' })).statusCode).toBe(404);
    expect((await candidateRow(unshared.candidateId)).status).toBe('open');
    // A case worker has no review permission at all.
    expect((await world.policeWorker.get('/linkage/review')).statusCode).toBe(403);
    expect((await world.policeWorker.get(`/linkage/review/${shared.candidateId}`)).statusCode).toBe(403);
    expect((await world.policeManager.get('/linkage/review/not-a-uuid')).statusCode).toBe(404);
  });

  it('confirming links the record to the person, closes the other candidates, and a second decision is refused', async () => {
    const match = await possibleMatch(world.police, world.council, { secondCandidate: true });
    expect(match.otherCandidateId).toBeDefined();
    const confirmed = await world.policeManager.post(`/linkage/review/${match.candidateId}/confirm`);
    expect(confirmed.statusCode).toBe(302);
    expect(confirmed.headers.location).toBe('/linkage/review');
    expect(await incidentPerson(match.incoming)).toMatchObject({ person_id: match.personId, link_status: 'confirmed', linked_by: world.policeManagerId });
    expect(await candidateRow(match.candidateId)).toMatchObject({ status: 'confirmed', decided_by: world.policeManagerId });
    expect(await candidateRow(match.otherCandidateId!)).toMatchObject({ status: 'rejected', decision_reason: 'another candidate confirmed' });
    expect(await actionsOn(match.incoming)).toContain('PERSON_RECORD_LINKED');
    expect(await actionsOn(match.candidateId)).toContain('LINK_CANDIDATE_CONFIRMED');
    const again = await world.policeManager.post(`/linkage/review/${match.otherCandidateId}/confirm`);
    expect(again.statusCode).toBe(302);
    expect(again.headers.location).toBe(`/linkage/review/${match.otherCandidateId}`);
    expect((await incidentPerson(match.incoming)).person_id).toBe(match.personId);
  });

  it('rejecting waits for the other candidate, then rejecting the last makes a new person; a too-long reason is refused with what was typed', async () => {
    const match = await possibleMatch(world.police, world.council, { secondCandidate: true });
    const tooLong = 'x'.repeat(1001);
    const refused = await world.policeManager.post(`/linkage/review/${match.candidateId}/reject`, { reason: tooLong });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('There is a problem');
    expect(refused.body).toContain('The reason must be 1,000 characters or fewer');
    expect(refused.body).toContain(tooLong);
    expect((await candidateRow(match.candidateId)).status).toBe('open');

    await world.policeManager.post(`/linkage/review/${match.candidateId}/reject`, { reason: 'Different date of birth, checked' });
    expect(await candidateRow(match.candidateId)).toMatchObject({ status: 'rejected', decision_reason: 'Different date of birth, checked' });
    expect(await incidentPerson(match.incoming)).toMatchObject({ link_status: 'in_review', person_id: null });

    await world.policeManager.post(`/linkage/review/${match.otherCandidateId}/reject`, {});
    const record = await incidentPerson(match.incoming);
    expect(record.link_status).toBe('new_person');
    expect([match.personId, match.otherPersonId]).not.toContain(record.person_id);
    const created = await db().selectFrom('people').selectAll().where('id', '=', record.person_id!).executeTakeFirstOrThrow();
    expect(created).toMatchObject({ given_name: match.given, family_name: match.family, date_of_birth: '1975-09-21', created_by_organisation_id: world.police });
    expect(await actionsOn(created.id)).toEqual(['PERSON_CREATED_FROM_RECORDS']);
  });

  it('unlinking keeps the agency record and its incident, shows how each record was linked, and needs the review permission', async () => {
    const match = await possibleMatch(world.police, world.police);
    await world.policeManager.post(`/linkage/review/${match.candidateId}/confirm`);
    const page = await world.policeManager.get(`/people/${match.personId}/linked-records`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Confirmed by a reviewer');
    expect(page.body).toContain(`REVIEW-${match.family}`);
    expect((await world.policeManager.get(`/people/${match.personId}`)).body).toContain(`/people/${match.personId}/linked-records`);
    expect((await world.policeWorker.post(`/people/${match.personId}/linked-records/${match.incoming}/unlink`)).statusCode).toBe(403);
    // The health reviewer may not see the person at all.
    expect((await world.healthManager.get(`/people/${match.personId}/linked-records`)).statusCode).toBe(404);
    expect((await world.healthManager.post(`/people/${match.personId}/linked-records/${match.incoming}/unlink`)).statusCode).toBe(404);

    const unlinked = await world.policeManager.post(`/people/${match.personId}/linked-records/${match.incoming}/unlink`);
    expect(unlinked.statusCode).toBe(302);
    const record = await incidentPerson(match.incoming);
    expect(record).toMatchObject({ person_id: null, link_status: 'unlinked', unlinked_reason: 'unlinked_by_reviewer', given_name: match.given, family_name: match.family, date_of_birth: '1975-09-21' });
    expect(await db().selectFrom('incidents').select('id').where('id', '=', record.incident_id).executeTakeFirst()).toBeDefined();
    expect(await actionsOn(match.incoming)).toContain('PERSON_RECORD_UNLINKED');
    expect((await world.policeManager.get(`/people/${match.personId}/linked-records`)).body).toContain('No agency records you may see are linked to this person.');
    // Unlinking again: the record is no longer this person's.
    expect((await world.policeManager.post(`/people/${match.personId}/linked-records/${match.incoming}/unlink`)).statusCode).toBe(404);
    // A later linking run leaves it alone.
    expect((await testApp.services.linkage.linkPending({ workers: 1 })).pending).toBe(0);
  });
});
