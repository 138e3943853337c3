import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Response } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeclaredRoute } from '../server/middleware/requestContext.ts';
import { AttachmentStore } from '../server/modules/timeline/attachmentStore.ts';
import { systemActor } from '../server/shared/actor.ts';
import { type Access, hasPermission, type Role, roles } from '../server/shared/permissions.ts';
import { createOrganisation, createUser, signedInAgent } from './factories/index.ts';
import { createLinkCandidate } from './factories/linkCandidates.ts';
import { TestAgent } from './support/agent.ts';
import { writeReport } from './security/report.ts';
import { createTestApp, type TestApp } from './support/testApp.ts';

/**
 * Every page route × every role (and no sign-in at all), generated from the routes the app
 * actually registers, so a new route is covered the moment it exists. Record-level rules
 * (an organisation administrator and another organisation's records) are checked on top.
 */
type Outcome = 'allowed' | 'sign-in' | 'denied' | 'not-found';
type Who = Role | 'anonymous';
/** How the signed-in person's organisation is connected to the case a route is about. */
type Relationship = 'lead' | 'participant' | 'none';
type FixtureKey = 'own' | 'other' | Relationship;

let testApp: TestApp;
let fixtures: Record<string, Partial<Record<FixtureKey, string>>>;
const tried: string[] = [];
// Mismatches where a route let someone in that it should not have: the authorization report's headline (reports/authorization.json).
const unexpectedAllows: string[] = [];
const noteUnexpectedAllows = (mismatches: string[]) => {
  unexpectedAllows.push(...mismatches.filter((mismatch) => / got allowed$/.test(mismatch)));
  return mismatches;
};

// Parameters naming a case or something inside one: checked for each relationship to the case.
const CASE_SCOPED_PARAMS = new Set(['caseId', 'personId', 'role', 'actionId', 'interventionId', 'assessmentId', 'attachmentId', 'instrument', 'householdId', 'memberId', 'addressId', 'incidentPersonId']);
const RELATIONSHIPS: Relationship[] = ['lead', 'participant', 'none'];
const referenceOf = (relationship: Relationship) => `ASB-2026-9${RELATIONSHIPS.indexOf(relationship)}0000`;
// Distinct surnames, so a page that leaks the unseen case's person can be caught by name.
const FAMILY_NAMES: Record<Relationship, string> = { lead: 'Leadbetter', participant: 'Partington', none: 'Nonesuch' };

// Routes only the lead agency may use: a participant is told the case does not exist for it.
const LEAD_ONLY = new Set([
  'POST /cases/:caseId/edit',
  'POST /cases/:caseId/agencies',
  'POST /cases/:caseId/agencies/:organisationId/remove',
]);

// Routes whose permission is decided in the handler rather than by a single declared permission.
const OVERRIDES: Record<string, Partial<Record<Who, Outcome>>> = {
  'GET /admin': { case_manager: 'denied', case_worker: 'denied', analyst: 'denied', read_only_partner: 'denied' },
  // Saving and re-running analyses is for the roles that analyse; only an analysis's owner deletes it.
  'POST /analytics/saved': { read_only_partner: 'denied' },
  'POST /analytics/saved/:savedId/run': { read_only_partner: 'denied' },
  'POST /analytics/saved/:savedId/delete': { partnership_admin: 'not-found', case_manager: 'not-found', analyst: 'not-found', read_only_partner: 'not-found' },
  // The data-protection officer reaches any person's flags whatever the case need-to-know (ADR 0027).
  'GET /data-protection/people/:personId/flags': { data_protection_officer: 'allowed' },
  'POST /data-protection/people/:personId/flags': { data_protection_officer: 'allowed' },
};

// Parameters that stand for records an organisation administrator may only see in their own organisation.
const ORGANISATION_SCOPED_PARAMS = new Set(['userId', 'apiKeyId', 'messageId']);

// Parameters naming something that belongs to one person (the fixture is someone else's): 'not found' for everyone else.
const PERSONAL_PARAMS = new Set(['notificationId', 'runId']);

// Parameters naming a referral: checked for each end of it the signed-in person's organisation is at.
const REFERRAL_SCOPED_PARAMS = new Set(['referralId']);
type ReferralEnd = 'sender' | 'receiver' | 'neither';
const REFERRAL_ENDS: ReferralEnd[] = ['sender', 'receiver', 'neither'];
// Steps only one end of a referral takes: to the other end they do not exist.
const REFERRAL_RECEIVER_ONLY = new Set(['acknowledge', 'accept', 'decline', 'more-information']);
const REFERRAL_SENDER_ONLY = new Set(['provide-information', 'withdraw', 'redirect']);
let referralFixtures: Record<ReferralEnd, string>;

beforeAll(async () => {
  testApp = await createTestApp();
  const own = await createOrganisation(testApp, { name: 'Own organisation' });
  const other = await createOrganisation(testApp, { name: 'Other organisation' });
  const ownUser = await createUser(testApp, { role: 'case_worker', organisationId: own.id });
  const otherUser = await createUser(testApp, { role: 'case_worker', organisationId: other.id });
  const apiKey = async (organisationId: string) =>
    (
      await testApp.database.db
        .insertInto('api_keys')
        .values({ organisation_id: organisationId, name: 'Matrix key', key_prefix: randomBytes(6).toString('hex'), secret_hash: 'x', permissions: [] })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const message = async (organisationId: string) =>
    (
      await testApp.database.db
        .insertInto('email_outbox')
        .values({ organisation_id: organisationId, to_address: 'someone@example.org', subject: 'Subject', body_text: 'Body' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  await testApp.services.audit.record(systemActor('matrix'), { action: 'DEMO_DATA_SEEDED' });
  const breakGlassGrant = async (userId: string, caseId: string) =>
    (
      await testApp.database.db
        .insertInto('break_glass_grants')
        .values({ user_id: userId, case_id: caseId, reason: 'Matrix emergency', expires_at: new Date(Date.now() + 60_000) })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const notification = async (userId: string, caseId: string) =>
    (
      await testApp.database.db
        .insertInto('notifications')
        .values({ user_id: userId, kind: 'action_assigned', case_id: caseId })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const caseFor = async (relationship: Relationship) => {
    const lead = relationship === 'lead' ? own.id : other.id;
    const kase = await testApp.database.db
      .insertInto('cases')
      .values({ reference: referenceOf(relationship), case_type: 'anti_social_behaviour', summary: `Matrix ${relationship}`, lead_organisation_id: lead })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The lead case has another agency taking part, so that removing an agency has one to remove.
    const participant = relationship === 'participant' ? own.id : relationship === 'lead' ? other.id : undefined;
    const person = await testApp.database.db
      .insertInto('people')
      .values({ given_name: 'Matrix', family_name: FAMILY_NAMES[relationship], created_by_organisation_id: lead })
      .returning('id')
      .executeTakeFirstOrThrow();
    const actionId = (
      await testApp.database.db
        .insertInto('case_actions')
        .values({ case_id: kase.id, title: `Matrix action ${relationship}`, owner_organisation_id: lead })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const interventionId = (
      await testApp.database.db
        .insertInto('case_interventions')
        .values({ case_id: kase.id, stage: 'warning_letter', created_by_organisation_id: lead })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const instrument = await testApp.database.db.selectFrom('risk_instruments').select(['code', 'version']).where('code', '=', 'safelives_dash').executeTakeFirstOrThrow();
    const assessmentId = (
      await testApp.database.db
        .insertInto('risk_assessments')
        .values({ case_id: kase.id, instrument_code: instrument.code, instrument_version: instrument.version, score: 3, band: 'standard', band_reason: 'score', completed_by_organisation_id: lead })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const note = await testApp.database.db
      .insertInto('case_notes')
      .values({ case_id: kase.id, body: 'Matrix note', author_organisation_id: lead })
      .returning('id')
      .executeTakeFirstOrThrow();
    const stored = await new AttachmentStore(testApp.services.config.dataDir).receive(Readable.from([Buffer.from('A plain text attachment.\n')]));
    const attachmentId = (
      await testApp.database.db
        .insertInto('case_attachments')
        .values({ case_id: kase.id, note_id: note.id, file_name: 'matrix.txt', content_type: 'text/plain', size_bytes: stored.sizeBytes, sha256: stored.sha256, storage_key: stored.storageKey })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    // The case's person lives in a household (they are its only member, and :memberId is them).
    const householdId = (
      await testApp.database.db.insertInto('households').values({ name: `Matrix household ${relationship}` }).returning('id').executeTakeFirstOrThrow()
    ).id;
    // The case's person lives at an address (current, so "moved out" applies to it).
    const location = await testApp.database.db.insertInto('locations').values({ address_line_1: `Matrix Court ${relationship}`, location_type: 'dwelling' }).returning('id').executeTakeFirstOrThrow();
    const addressId = (
      await testApp.database.db.insertInto('person_addresses').values({ person_id: person.id, location_id: location.id, valid_from: '2020-01-01' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    // An incident record from the agent's organisation linked to the case's person (unlinking it is a case-person route).
    const linkedIncident = await testApp.database.db
      .insertInto('incidents')
      .values({ source_organisation_id: own.id, source_reference: `MATRIX-LINK-${relationship}`, occurred_at: new Date(), category_code: 'asb_personal' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const incidentPersonId = (
      await testApp.database.db.insertInto('incident_people').values({ incident_id: linkedIncident.id, role: 'victim', given_name: 'Matrix', family_name: FAMILY_NAMES[relationship], person_id: person.id, link_status: 'confirmed' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    return { caseId: kase.id, personId: person.id, participant, actionId, interventionId, assessmentId, attachmentId, householdId, householdName: `Matrix household ${relationship}`, addressId, incidentPersonId };
  };
  const cases = { lead: await caseFor('lead'), participant: await caseFor('participant'), none: await caseFor('none') };
  restoreCaseFixtures = async () => {
    for (const fixture of Object.values(cases)) {
      await testApp.database.db.insertInto('case_people').values({ case_id: fixture.caseId, person_id: fixture.personId, role: 'victim' }).onConflict((c) => c.doNothing()).execute();
      // Removing a household's last member deletes the household: both come back.
      await testApp.database.db.insertInto('households').values({ id: fixture.householdId, name: fixture.householdName }).onConflict((c) => c.doNothing()).execute();
      await testApp.database.db.insertInto('household_members').values({ household_id: fixture.householdId, person_id: fixture.personId }).onConflict((c) => c.doNothing()).execute();
      // Unlinking an agency record undoes the link: it comes back.
      await testApp.database.db.updateTable('incident_people').set({ person_id: fixture.personId, link_status: 'confirmed', unlinked_reason: null }).where('id', '=', fixture.incidentPersonId).execute();
      if (fixture.participant) {
        await testApp.database.db.insertInto('case_participants').values({ case_id: fixture.caseId, organisation_id: fixture.participant }).onConflict((c) => c.doNothing()).execute();
      }
    }
  };
  await restoreCaseFixtures();
  const perRelationship = (pick: (fixture: (typeof cases)['lead']) => string) =>
    Object.fromEntries(RELATIONSHIPS.map((relationship) => [relationship, pick(cases[relationship])]));
  fixtures = {
    caseId: perRelationship((fixture) => fixture.caseId),
    personId: perRelationship((fixture) => fixture.personId),
    role: { lead: 'victim', participant: 'victim', none: 'victim' },
    actionId: perRelationship((fixture) => fixture.actionId),
    interventionId: perRelationship((fixture) => fixture.interventionId),
    assessmentId: perRelationship((fixture) => fixture.assessmentId),
    attachmentId: perRelationship((fixture) => fixture.attachmentId),
    instrument: { lead: 'safelives_dash', participant: 'safelives_dash', none: 'safelives_dash' },
    householdId: perRelationship((fixture) => fixture.householdId),
    memberId: perRelationship((fixture) => fixture.personId),
    addressId: perRelationship((fixture) => fixture.addressId),
    incidentPersonId: perRelationship((fixture) => fixture.incidentPersonId),
    grantId: { own: await breakGlassGrant(ownUser.user.id, cases.none.caseId) },
    notificationId: { own: await notification(otherUser.user.id, cases.lead.caseId) },
    userId: { own: ownUser.user.id, other: otherUser.user.id },
    organisationId: { own: own.id, other: other.id },
    apiKeyId: { own: await apiKey(own.id), other: await apiKey(other.id) },
    messageId: { own: await message(own.id), other: await message(other.id) },
    seq: { own: '1', other: '1' },
    token: { own: 'no-such-token', other: 'no-such-token' },
    pathwayId: { own: (await testApp.database.db.selectFrom('referral_pathways').select('id').orderBy('sort_order').executeTakeFirstOrThrow()).id },
    code: { own: 'anti_social_behaviour' },
    ...(await caseReviewFixtures(own.id)),
    ...(await incidentFixtures(own.id)),
    ...(await problemFixtures(own.id)),
    ...(await alertFixtures(own.id)),
    ...(await linkageFixtures(own.id)),
    ...(await analyticsFixtures(ownUser.user.id, own.id)),
    ...(await governanceFixtures(own.id)),
    ...(await retentionFixtures(own.id)),
    ...(await dataProtectionFixtures(ownUser.user.id)),
  };
  agentOrganisation = own.id;
  // A meeting series the agent's organisation belongs to, its meeting with the lead case on the agenda, and an agreement.
  Object.assign(fixtures, await meetingAndAgreementFixtures(own.id, other.id, cases.lead.caseId));
  // Referrals sent by the agent's organisation, received by it, and between two others.
  const third = await createOrganisation(testApp, { name: 'Third organisation' });
  const referral = async (from: string, to: string, caseId: string) =>
    (
      await testApp.database.db
        .insertInto('referrals')
        .values({
          reference: `REF-2026-9${Object.keys(referralFixtures ?? {}).length}${randomBytes(2).toString('hex')}`,
          case_id: caseId,
          from_organisation_id: from,
          to_organisation_id: to,
          urgency: 'routine',
          reason: 'Matrix referral',
          requested: 'Matrix request',
          information_shared: 'Matrix information',
          lawful_basis: 'public_task',
          consent: 'given',
          acknowledge_due_at: new Date(Date.now() + 86_400_000),
          decide_due_at: new Date(Date.now() + 86_400_000),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  referralFixtures = {
    sender: await referral(own.id, other.id, cases.lead.caseId),
    receiver: await referral(other.id, own.id, cases.none.caseId),
    neither: await referral(other.id, third.id, cases.none.caseId),
  };
});
async function meetingAndAgreementFixtures(ownId: string, otherId: string, caseId: string) {
  const db = testApp.database.db;
  const series = await db
    .insertInto('meeting_series')
    .values({ name: 'Matrix CHaRMM', kind: 'charmm', purpose: 'problem_solving', every_weeks: 4, first_date: '2026-12-03', start_time: '10:00', confidentiality_statement: 'Matrix statement' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('meeting_series_members').values({ series_id: series.id, organisation_id: ownId }).execute();
  const meeting = await db.insertInto('meetings').values({ series_id: series.id, held_on: '2026-12-03', starts_at: new Date('2026-12-03T10:00:00Z') }).returning('id').executeTakeFirstOrThrow();
  const item = await db.insertInto('meeting_case_flags').values({ series_id: series.id, case_id: caseId, reason: 'Matrix reason' }).returning('id').executeTakeFirstOrThrow();
  const agreement = await db
    .insertInto('sharing_agreements')
    .values({ reference: 'ISA-900', title: 'Matrix agreement', purposes: ['problem_solving'], data_categories: ['personal'], lawful_bases: ['public_task'], retention: 'One year', security_requirements: 'Secure', starts_on: '2026-01-01', review_on: '2026-06-01', ends_on: '2027-01-01' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('sharing_agreement_parties').values([ownId, otherId].map((organisation_id) => ({ agreement_id: agreement.id, organisation_id }))).execute();
  return { seriesId: { own: series.id }, meetingId: { own: meeting.id }, itemId: { own: item.id }, agreementId: { own: agreement.id } };
}

/**
 * The Community Safety Agreement published (version 1, with a manual measure) and a draft of
 * version 2 with a commitment and a measure to remove, and an upcoming event with a follow-up.
 */
/** A retention schedule type, a legal hold on a case, and a proposed retention run (which approving with an empty form leaves proposed). */
async function retentionFixtures(organisationId: string): Promise<Record<string, Partial<Record<FixtureKey, string>>>> {
  const db = testApp.database.db;
  const kase = await db
    .insertInto('cases')
    .values({ reference: 'ASB-2026-980000', case_type: 'anti_social_behaviour', summary: 'Matrix retention', lead_organisation_id: organisationId })
    .returning('id')
    .executeTakeFirstOrThrow();
  const hold = await db.insertInto('legal_holds').values({ subject_kind: 'case', subject_id: kase.id, reason: 'Matrix hold' }).returning('id').executeTakeFirstOrThrow();
  const run = await db.insertInto('retention_runs').values({ as_of: new Date(), proposed_by_label: 'matrix' }).returning('id').executeTakeFirstOrThrow();
  return { recordType: { own: 'closed_cases' }, legalHoldId: { own: hold.id }, retentionRunId: { own: run.id } };
}

/** A subject access request already approved for release, so its export routes answer. */
async function dataProtectionFixtures(userId: string): Promise<Record<string, Partial<Record<FixtureKey, string>>>> {
  const db = testApp.database.db;
  const person = await db.insertInto('people').values({ given_name: 'Matrix', family_name: 'Subjectaccess' }).returning('id').executeTakeFirstOrThrow();
  const { subjectAccess } = testApp.services.dataProtection;
  const actor = systemActor('matrix');
  const user = { id: userId } as Parameters<typeof subjectAccess.create>[0];
  const requestId = await subjectAccess.create(user, { personId: person.id, requesterName: 'Matrix', requesterRelationship: 'self', identityVerified: true, receivedOn: '2026-01-05' }, actor);
  await subjectAccess.approve(user, requestId, { version: 1 }, actor);
  return { requestId: { own: requestId } };
}

async function governanceFixtures(organisationId: string): Promise<Record<string, Partial<Record<FixtureKey, string>>>> {
  const db = testApp.database.db;
  const published = await db.updateTable('agreement_versions').set({ status: 'published', published_at: new Date() }).where('version_number', '=', 1).returning('id').executeTakeFirstOrThrow();
  const publishedPriority = await db.selectFrom('agreement_priorities').select('id').where('version_id', '=', published.id).where('code', '=', 'asb').executeTakeFirstOrThrow();
  const measure = { code: 'matrix_manual', title: 'Matrix measure', unit: 'count' as const, source: 'manual' as const, baseline: 10, target: 5, due_on: '2029-03-31', direction: 'lower_is_better' as const };
  await db.insertInto('agreement_measures').values({ priority_id: publishedPriority.id, ...measure }).execute();
  const draft = await db.insertInto('agreement_versions').values({ version_number: 2, title: 'Matrix draft', vision: 'Matrix vision', starts_on: '2026-04-01', ends_on: '2029-03-31' }).returning('id').executeTakeFirstOrThrow();
  const draftPriority = await db.insertInto('agreement_priorities').values({ version_id: draft.id, code: 'asb', title: 'Tackle anti-social behaviour' }).returning('id').executeTakeFirstOrThrow();
  const commitment = await db.insertInto('agreement_commitments').values({ priority_id: draftPriority.id, organisation_id: organisationId, commitment: 'Matrix commitment' }).returning('id').executeTakeFirstOrThrow();
  const draftMeasure = await db.insertInto('agreement_measures').values({ priority_id: draftPriority.id, ...measure }).returning('id').executeTakeFirstOrThrow();
  const event = await db
    .insertInto('governance_events')
    .values({ title: 'Matrix assembly', venue: 'Matrix hall', starts_at: new Date('2099-03-12T09:30:00Z'), ends_at: new Date('2099-03-12T15:30:00Z'), capacity: 500, survey_token: 'matrix-survey-token' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const followUp = await db.insertInto('event_follow_ups').values({ event_id: event.id, you_said: 'Matrix said', we_will: 'Matrix will', owner_organisation_id: organisationId }).returning('id').executeTakeFirstOrThrow();
  return {
    versionId: { own: published.id },
    priorityCode: { own: 'asb' },
    commitmentId: { own: commitment.id },
    measureId: { own: draftMeasure.id },
    measureCode: { own: measure.code },
    eventId: { own: event.id },
    followUpId: { own: followUp.id },
  };
}

/** An incident the agent's organisation sent, and one of its imports (discarded, so posting to its steps changes nothing). */
async function incidentFixtures(organisationId: string): Promise<Record<string, Partial<Record<FixtureKey, string>>>> {
  const db = testApp.database.db;
  const incident = await db.insertInto('incidents').values({ source_organisation_id: organisationId, source_reference: 'MATRIX-1', occurred_at: new Date('2026-01-05T10:00:00Z'), category_code: 'noise' }).returning('id').executeTakeFirstOrThrow();
  const incidentImport = await db.insertInto('incident_imports').values({ organisation_id: organisationId, channel: 'upload', status: 'discarded', file_name: 'matrix.csv' }).returning('id').executeTakeFirstOrThrow();
  return { incidentId: { own: incident.id }, importId: { own: incidentImport.id } };
}

/** A saved analysis of the agent's organisation (someone else's), and a near-repeat run someone else started. */
async function analyticsFixtures(ownerId: string, organisationId: string): Promise<Record<string, Partial<Record<FixtureKey, string>>>> {
  const db = testApp.database.db;
  const saved = await db
    .insertInto('saved_analyses')
    .values({ kind: 'dashboard', name: 'Matrix analysis', parameters: JSON.stringify({ 'from-day': '1', 'from-month': '1', 'from-year': '2026', 'to-day': '31', 'to-month': '1', 'to-year': '2026' }), owner_user_id: ownerId, organisation_id: organisationId })
    .returning('id')
    .executeTakeFirstOrThrow();
  const run = await db.insertInto('analysis_runs').values({ kind: 'near_repeat', parameters: JSON.stringify({}), started_by: ownerId, status: 'failed' }).returning('id').executeTakeFirstOrThrow();
  return { savedId: { own: saved.id }, runId: { own: run.id }, figure: { own: 'byMonth' } };
}

afterAll(async () => {
  console.log(`access matrix: ${tried.length} route × role combinations checked`);
  writeReport('authorization.json', { combinations: tried.length, unexpectedAllows: unexpectedAllows.length, unexpectedAllowList: unexpectedAllows }, 'pages');
  await testApp.close();
});

let agentOrganisation: string;
// Routes that remove a link would otherwise change what the next attempt sees.
let restoreCaseFixtures: () => Promise<void>;

function pageRoutes(): DeclaredRoute[] {
  return testApp.app.declaredRoutes.filter((route) => !route.api && !route.url.includes('*'));
}

function isReferralScoped(route: DeclaredRoute): boolean {
  return [...route.url.matchAll(/:([A-Za-z]+)/g)].some((match) => REFERRAL_SCOPED_PARAMS.has(match[1]!));
}

/** What a referral route answers: need-to-know as for cases, by the end of the referral the organisation is at. */
function expectedReferralOutcome(route: DeclaredRoute, who: Who, end: ReferralEnd): Outcome {
  const byRole = expectedOutcome(route, who);
  if (byRole !== 'allowed') return byRole;
  if (end === 'neither') return 'not-found';
  const step = route.url.split('/').pop()!;
  if (end === 'sender' && REFERRAL_RECEIVER_ONLY.has(step)) return 'not-found';
  if (end === 'receiver' && REFERRAL_SENDER_ONLY.has(step)) return 'not-found';
  return 'allowed';
}

function isCaseScoped(route: DeclaredRoute): boolean {
  return [...route.url.matchAll(/:([A-Za-z]+)/g)].some((match) => CASE_SCOPED_PARAMS.has(match[1]!));
}

function fillParams(url: string, which: FixtureKey): string {
  return url.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const fixture = fixtures[name];
    // Inside a case, :organisationId is the agency taking part in the lead case.
    const inCase = RELATIONSHIPS.includes(which as Relationship);
    const key: FixtureKey = CASE_SCOPED_PARAMS.has(name) ? which : which === 'other' || (inCase && name === 'organisationId') ? 'other' : 'own';
    const value = fixture?.[key] ?? fixture?.own;
    if (!value) throw new Error(`The access matrix has no fixture for :${name} (${key}) in ${url}; add one`);
    return encodeURIComponent(value);
  });
}

function expectedOutcome(route: DeclaredRoute, who: Who, relationship?: Relationship): Outcome {
  const override = OVERRIDES[`${route.method} ${route.url}`]?.[who];
  if (override) return override;
  if (route.access === 'public') return 'allowed';
  if (who === 'anonymous') return 'sign-in';
  const permitted = route.access === 'signed-in' || hasPermission(who, route.access as Exclude<Access, 'public' | 'signed-in'>);
  if (!permitted) return 'denied';
  if ([...route.url.matchAll(/:([A-Za-z]+)/g)].some((match) => PERSONAL_PARAMS.has(match[1]!))) return 'not-found';
  if (relationship === 'none') return 'not-found';
  if (relationship === 'participant' && LEAD_ONLY.has(`${route.method} ${route.url}`)) return 'not-found';
  return 'allowed';
}

function observedOutcome(response: Response): Outcome | `error ${number}` {
  if (response.statusCode >= 500) return `error ${response.statusCode}`;
  if (response.statusCode === 403 && !response.body.includes('Your form could not be sent')) return 'denied';
  if (response.statusCode === 404) return 'not-found';
  if (response.statusCode === 302 && String(response.headers.location).startsWith('/sign-in')) return 'sign-in';
  return 'allowed';
}

async function agentFor(who: Who): Promise<TestAgent> {
  if (who === 'anonymous') return new TestAgent(testApp.app);
  const fixture = await createUser(testApp, { role: who, organisationId: agentOrganisation });
  return signedInAgent(testApp, fixture.user);
}

async function attempt(route: DeclaredRoute, who: Who, which: FixtureKey): Promise<Response> {
  if (RELATIONSHIPS.includes(which as Relationship)) await restoreCaseFixtures();
  const agent = await agentFor(who);
  const url = fillParams(route.url, which);
  tried.push(`${route.method} ${url} as ${who} (${which})`);
  return route.method === 'GET' ? agent.get(url) : agent.post(url, {});
}

describe('access matrix', () => {
  const everyone: Who[] = ['anonymous', ...roles];

  it('every page route answers each role as its declared access says', async () => {
    const mismatches: string[] = [];
    for (const route of pageRoutes().filter((candidate) => !isCaseScoped(candidate) && !isReferralScoped(candidate))) {
      for (const who of everyone) {
        // A route a visitor reaches only as the public gets 'sign-in' for the flows it guards.
        const expected = expectedOutcome(route, who);
        const observed = observedOutcome(await attempt(route, who, 'own'));
        const acceptable = expected === 'allowed' && route.access === 'public' ? observed !== 'denied' && !observed.startsWith('error') : observed === expected;
        if (!acceptable) mismatches.push(`${route.method} ${route.url} as ${who}: expected ${expected}, got ${observed}`);
      }
    }
    expect(noteUnexpectedAllows(mismatches)).toEqual([]);
    // Thousands of requests one after another: the limit grows with the route table, not a speed check.
  }, 300_000);

  it('every case route answers each role × relationship to the case (lead, participant, none) as need-to-know says', async () => {
    const mismatches: string[] = [];
    const caseRoutes = pageRoutes().filter(isCaseScoped);
    expect(caseRoutes.length).toBeGreaterThan(10);
    for (const route of caseRoutes) {
      for (const who of everyone) {
        for (const relationship of RELATIONSHIPS) {
          const expected = expectedOutcome(route, who, relationship);
          const observed = observedOutcome(await attempt(route, who, relationship));
          if (observed !== expected) mismatches.push(`${route.method} ${route.url} as ${who} (${relationship}): expected ${expected}, got ${observed}`);
        }
      }
    }
    expect(noteUnexpectedAllows(mismatches)).toEqual([]);
  }, 300_000);

  it('never shows a case outside need-to-know in lists, searches, counts or exports', async () => {
    const leaks: string[] = [];
    const shown: string[] = [];
    const pages = [
      `/cases?view=organisation&includeClosed=yes`,
      `/cases?view=mine&includeClosed=yes`,
      `/cases/actions-due`,
      `/cases/reviews-due`,
      `/cases/search?reference=ASB-2026-9`,
      `/cases/search?person=Matrix`,
      // Misspelt, so the echo of what was typed is not mistaken for a result.
      `/cases/search?person=Matrix+Nonesutch`,
      `/people?name=Matrix`,
      `/people?name=Matrix+Nonesutch`,
      `/cases/export.csv?view=organisation&includeClosed=yes`,
      `/notifications`,
      `/cases/break-glass`,
      `/referrals/inbox?status=all`,
      `/referrals/sent?status=all`,
    ];
    for (const who of roles) {
      const agent = await agentFor(who);
      for (const page of pages) {
        const response = await agent.get(page);
        if (response.statusCode !== 200) continue;
        for (const secret of [referenceOf('none'), FAMILY_NAMES.none, 'Matrix action none']) {
          if (response.body.includes(secret)) leaks.push(`${page} as ${who} shows ${secret}`);
        }
        if (response.body.includes(referenceOf('lead')) || response.body.includes(FAMILY_NAMES.lead)) shown.push(`${page} as ${who}`);
      }
    }
    expect(leaks).toEqual([]);
    // The pages do list what the viewer may see, so the absence above is not an empty page.
    for (const expected of ['/cases?view=organisation&includeClosed=yes as case_worker', '/cases/search?reference=ASB-2026-9 as case_worker', '/people?name=Matrix as case_worker', '/cases/export.csv?view=organisation&includeClosed=yes as case_manager']) {
      expect(shown).toContain(expected);
    }
  });

  it('every referral route answers each role × end of the referral (sender, receiver, neither) as need-to-know says', async () => {
    const mismatches: string[] = [];
    const referralRoutes = pageRoutes().filter(isReferralScoped);
    expect(referralRoutes.length).toBeGreaterThan(5);
    for (const route of referralRoutes) {
      for (const who of everyone) {
        for (const end of REFERRAL_ENDS) {
          const agent = await agentFor(who);
          const url = route.url.replace(':referralId', referralFixtures[end]);
          tried.push(`${route.method} ${url} as ${who} (${end})`);
          const response = route.method === 'GET' ? await agent.get(url) : await agent.post(url, {});
          const expected = expectedReferralOutcome(route, who, end);
          const observed = observedOutcome(response);
          if (observed !== expected) mismatches.push(`${route.method} ${route.url} as ${who} (${end}): expected ${expected}, got ${observed}`);
        }
      }
    }
    expect(noteUnexpectedAllows(mismatches)).toEqual([]);
    // Posting the forms empty (no version) changed none of them.
    const statuses = await testApp.database.db.selectFrom('referrals').select('status').where('id', 'in', Object.values(referralFixtures)).execute();
    expect(statuses.map((row) => row.status)).toEqual(['received', 'received', 'received']);
  });

  it("answers 'not found' when an organisation administrator asks for another organisation's records", async () => {
    const mismatches: string[] = [];
    const scoped = pageRoutes().filter((route) => [...route.url.matchAll(/:([A-Za-z]+)/g)].some((match) => ORGANISATION_SCOPED_PARAMS.has(match[1]!)));
    expect(scoped.length).toBeGreaterThan(0);
    for (const route of scoped) {
      if (!hasPermission('organisation_admin', route.access as Exclude<Access, 'public' | 'signed-in'>)) continue;
      const observed = observedOutcome(await attempt(route, 'organisation_admin', 'other'));
      if (observed !== 'not-found') mismatches.push(`${route.method} ${route.url}: expected not-found, got ${observed}`);
      const partnershipAdmin = observedOutcome(await attempt(route, 'partnership_admin', 'other'));
      if (partnershipAdmin !== 'allowed') mismatches.push(`${route.method} ${route.url} as partnership_admin: expected allowed, got ${partnershipAdmin}`);
    }
    expect(noteUnexpectedAllows(mismatches)).toEqual([]);
  });

  it('declares access on every route, including the JSON API', () => {
    const undeclared = testApp.app.declaredRoutes.filter((route) => !route.access);
    expect(undeclared).toEqual([]);
    expect(pageRoutes().length).toBeGreaterThan(30);
  });
});

/** A partnership problem with one response (problem-solving is partnership-wide: no need-to-know by organisation). */
async function problemFixtures(organisationId: string): Promise<Record<string, Partial<Record<FixtureKey, string>>>> {
  const db = testApp.database.db;
  const problem = await db
    .insertInto('problems')
    .values({ reference: 'PRB-2026-9000', title: 'Matrix problem', lead_organisation_id: organisationId })
    .returning('id')
    .executeTakeFirstOrThrow();
  const response = await db
    .insertInto('case_actions')
    .values({ problem_id: problem.id, title: 'Matrix response', owner_organisation_id: organisationId })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { problemId: { own: problem.id }, responseId: { own: response.id } };
}

/** An ASB Case Review application with a recommendation and an appeal, for the staff routes; incident 1 of a public draft. */
async function caseReviewFixtures(organisationId: string): Promise<Record<string, Partial<Record<FixtureKey, string>>>> {
  const db = testApp.database.db;
  const application = await db
    .insertInto('case_review_applications')
    .values({
      reference: 'CR-2026-900000', status: 'review_scheduled', applying_for: 'self', applicant_name: 'Matrix Applicant', contact_email: 'matrix-applicant@example.org',
      problem_description: 'Matrix problem', problem_location: 'Matrix Court', impact: 'Matrix impact', vulnerable: false, hate_motivated: 'no',
      threshold_appears_met: true, threshold_rule: 'standard', qualifying_complaints: 3, tracking_token_hash: randomBytes(32).toString('hex'),
      acknowledge_due_at: new Date(Date.now() + 86_400_000), decision_due_at: new Date(Date.now() + 86_400_000),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const recommendation = await db
    .insertInto('case_review_recommendations')
    .values({ application_id: application.id, recommendation: 'Matrix recommendation', owner_organisation_id: organisationId, due_on: '2099-01-01' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('case_review_appeals').values({ application_id: application.id, reason: 'Matrix appeal' }).execute();
  return { applicationId: { own: application.id }, recommendationId: { own: recommendation.id }, incidentNumber: { own: '1' } };
}

/** A possible match waiting for review: an incoming record of the signed-in person's organisation and a person it recorded. */
async function linkageFixtures(organisationId: string) {
  const { candidateId } = await createLinkCandidate(testApp.database.db, organisationId, { given: 'Matrix', family: 'Linkwood', reference: 'MATRIX-REVIEW-1' });
  return { candidateId: { own: candidateId } };
}

/** An open alert whose evidence is an incident of the signed-in person's organisation, and a rule to edit. */
async function alertFixtures(organisationId: string) {
  const db = testApp.database.db;
  const person = await db.insertInto('people').values({ given_name: 'Matrix', family_name: 'Alertson' }).returning('id').executeTakeFirstOrThrow();
  const incident = await db
    .insertInto('incidents')
    .values({ source_organisation_id: organisationId, source_reference: 'MATRIX-ALERT-1', occurred_at: new Date(), category_code: 'asb_personal', summary: 'Matrix incident' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('incident_people').values({ incident_id: incident.id, role: 'victim', person_id: person.id, link_status: 'confirmed' }).execute();
  const alert = await db
    .insertInto('alerts')
    .values({ rule_code: 'repeat_victim', subject_kind: 'person', subject_key: `person:${person.id}`, person_id: person.id, facts: JSON.stringify({ incidents: 1, agencies: 1, days: 28 }) })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('alert_evidence').values({ alert_id: alert.id, incident_id: incident.id, organisation_id: organisationId }).execute();
  await db.insertInto('alert_people').values({ alert_id: alert.id, person_id: person.id, involvement: 'subject' }).execute();
  return { alertId: { own: alert.id }, ruleCode: { own: 'repeat_victim' } };
}
