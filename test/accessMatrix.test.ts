import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Response } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeclaredRoute } from '../server/middleware/requestContext.ts';
import { AttachmentStore } from '../server/modules/timeline/attachmentStore.ts';
import { systemActor } from '../server/shared/actor.ts';
import { type Access, hasPermission, type Role, roles } from '../server/shared/permissions.ts';
import { createOrganisation, createUser, signedInAgent } from './factories/index.ts';
import { TestAgent } from './support/agent.ts';
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

// Parameters naming a case or something inside one: checked for each relationship to the case.
const CASE_SCOPED_PARAMS = new Set(['caseId', 'personId', 'role', 'actionId', 'interventionId', 'assessmentId', 'attachmentId', 'instrument', 'householdId', 'memberId', 'addressId']);
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
};

// Parameters that stand for records an organisation administrator may only see in their own organisation.
const ORGANISATION_SCOPED_PARAMS = new Set(['userId', 'apiKeyId', 'messageId']);

// Parameters naming something that belongs to one person (the fixture is someone else's): 'not found' for everyone else.
const PERSONAL_PARAMS = new Set(['notificationId']);

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
    return { caseId: kase.id, personId: person.id, participant, actionId, interventionId, assessmentId, attachmentId, householdId, householdName: `Matrix household ${relationship}`, addressId };
  };
  const cases = { lead: await caseFor('lead'), participant: await caseFor('participant'), none: await caseFor('none') };
  restoreCaseFixtures = async () => {
    for (const fixture of Object.values(cases)) {
      await testApp.database.db.insertInto('case_people').values({ case_id: fixture.caseId, person_id: fixture.personId, role: 'victim' }).onConflict((c) => c.doNothing()).execute();
      // Removing a household's last member deletes the household: both come back.
      await testApp.database.db.insertInto('households').values({ id: fixture.householdId, name: fixture.householdName }).onConflict((c) => c.doNothing()).execute();
      await testApp.database.db.insertInto('household_members').values({ household_id: fixture.householdId, person_id: fixture.personId }).onConflict((c) => c.doNothing()).execute();
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
  };
  agentOrganisation = own.id;
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
afterAll(async () => {
  console.log(`access matrix: ${tried.length} route × role combinations checked`);
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
    expect(mismatches).toEqual([]);
  });

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
    expect(mismatches).toEqual([]);
  });

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
    expect(mismatches).toEqual([]);
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
    expect(mismatches).toEqual([]);
  });

  it('declares access on every route, including the JSON API', () => {
    const undeclared = testApp.app.declaredRoutes.filter((route) => !route.access);
    expect(undeclared).toEqual([]);
    expect(pageRoutes().length).toBeGreaterThan(30);
  });
});

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
