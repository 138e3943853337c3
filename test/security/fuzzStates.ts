import { randomBytes, randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { OneTimeTokensRepository } from '../../server/modules/auth/oneTimeTokensRepository.ts';
import { systemActor } from '../../server/shared/actor.ts';
import { sha256Hex } from '../../server/shared/crypto.ts';
import { createLocation, createPerson, livesAt } from '../factories/alertIncidents.ts';
import { createOrganisation, createUser, signedInAgent } from '../factories/index.ts';
import { createLinkCandidate } from '../factories/linkCandidates.ts';
import { createSharingAgreement } from '../factories/sharingAgreements.ts';
import { TestAgent } from '../support/agent.ts';
import type { TestApp } from '../support/testApp.ts';

/**
 * The states the demo data lacks, for the forms the page walk cannot reach: a half-finished
 * sign-in, a live reset or invitation link, a visitor part-way through the ASB Case Review form,
 * applications at each step, a declined referral, an unsigned agreement, a held record, a
 * possible match, an uploaded import, a subject access request. Each arrangement makes its
 * state with the factories or the services, and names the pages that then show the forms: the
 * fuzzer reads the field names from those pages, as it does for the pages it walks.
 */
export interface ArrangedState {
  /** The demo user who opens the pages, or (with `session`) a label for a session made for the purpose. */
  as: string;
  /** A session in the state the forms need (signing in, mid-journey), made again when fuzzing ends it. */
  session?: () => Promise<TestAgent>;
  pages: string[];
}

export interface StateContext {
  testApp: TestApp;
  /** The first demo user allowed to post to the route. */
  holder(routeUrl: string): string;
  organisationOf(email: string): Promise<string>;
  userIdOf(email: string): Promise<string>;
}

const unique = () => randomBytes(3).toString('hex');
const DAY_MS = 86_400_000;

/** A visitor signed in with a password only, on the page of the next step (which starts an authenticator set-up). */
async function pendingSignIn(testApp: TestApp, mfa: boolean, step: string): Promise<TestAgent> {
  const fixture = await createUser(testApp, { role: 'case_manager', mfa });
  // The fuzzed sign-in form has run up failures from this address: start from a clean slate.
  await testApp.database.db.deleteFrom('sign_in_throttle').execute();
  const agent = new TestAgent(testApp.app);
  await agent.get('/sign-in');
  await agent.post('/sign-in', { email: fixture.user.email, password: fixture.password });
  await agent.get(step);
  return agent;
}

/** A visitor who has answered every question of the public ASB Case Review form with one incident. */
async function caseReviewVisitor(testApp: TestApp): Promise<TestAgent> {
  const agent = new TestAgent(testApp.app);
  await agent.get('/asb-case-review');
  const answers: [string, Record<string, string>][] = [
    ['/asb-case-review/who-is-applying', { applyingFor: 'self' }],
    ['/asb-case-review/your-name', { applicantName: 'Fuzz Applicant' }],
    ['/asb-case-review/contact-details', { email: 'fuzz-applicant@example.org', phone: '' }],
    ['/asb-case-review/the-problem', { problemDescription: 'Loud music every night' }],
    ['/asb-case-review/where', { problemLocation: 'Fuzz Court' }],
    ['/asb-case-review/incidents/1', { 'occurredOn-day': '1', 'occurredOn-month': '3', 'occurredOn-year': '2026', description: 'Music until 3am', reportedTo: 'council', agencyReferences: '' }],
    ['/asb-case-review/impact', { impact: 'No sleep' }],
    ['/asb-case-review/vulnerability', { vulnerable: 'no', vulnerabilityDetails: '' }],
    ['/asb-case-review/hate', { hateMotivated: 'no' }],
  ];
  for (const [page, values] of answers) {
    await agent.get(page);
    await agent.post(page, values);
  }
  return agent;
}

async function caseReviewApplication(testApp: TestApp, status: string, tokenHash = randomBytes(32).toString('hex')): Promise<string> {
  const application = await testApp.database.db
    .insertInto('case_review_applications')
    .values({
      reference: `CR-2026-8${String(randomInt(0, 99_999)).padStart(5, '0')}`,
      status,
      applying_for: 'self',
      applicant_name: 'Fuzz Applicant',
      contact_email: 'fuzz-applicant@example.org',
      problem_description: 'Fuzz problem',
      problem_location: 'Fuzz Court',
      impact: 'Fuzz impact',
      vulnerable: false,
      hate_motivated: 'no',
      threshold_appears_met: true,
      threshold_rule: 'standard',
      qualifying_complaints: 3,
      tracking_token_hash: tokenHash,
      acknowledge_due_at: new Date(Date.now() + DAY_MS),
      decision_due_at: new Date(Date.now() + DAY_MS),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return application.id;
}

export const ARRANGEMENTS: { name: string; arrange(context: StateContext): Promise<ArrangedState> }[] = [
  {
    name: 'signing in: the authenticator code and recovery code steps',
    arrange: async ({ testApp }) => ({ as: 'visitor at the second step', session: () => pendingSignIn(testApp, true, '/sign-in/verify'), pages: ['/sign-in/verify', '/sign-in/recovery-code'] }),
  },
  {
    name: 'signing in: setting up the authenticator',
    arrange: async ({ testApp }) => ({ as: 'visitor setting up verification', session: () => pendingSignIn(testApp, false, '/sign-in/set-up-verification'), pages: ['/sign-in/set-up-verification'] }),
  },
  {
    name: 'a throwaway account: changing its password and signing out',
    arrange: async ({ testApp }) => ({
      as: 'throwaway account',
      session: async () => signedInAgent(testApp, (await createUser(testApp, { role: 'read_only_partner', mfa: false })).user),
      pages: ['/profile', '/profile/password'],
    }),
  },
  {
    name: 'live password reset and invitation links',
    arrange: async ({ testApp }) => {
      const tokens = new OneTimeTokensRepository(testApp.database.db);
      const reset = (await createUser(testApp, { role: 'read_only_partner', mfa: false })).user;
      const invited = (await createUser(testApp, { role: 'read_only_partner', invited: true })).user;
      const resetToken = await tokens.issue(testApp.database.db, reset.id, 'password_reset', DAY_MS, null);
      const inviteToken = await tokens.issue(testApp.database.db, invited.id, 'invite', DAY_MS, null);
      return { as: 'visitor with account links', session: async () => new TestAgent(testApp.app), pages: [`/reset-password/${resetToken}`, `/invite/${inviteToken}`] };
    },
  },
  {
    name: 'an invited user an administrator can invite again',
    arrange: async ({ testApp, holder, organisationOf }) => {
      const as = holder('/admin/users/:userId/invite');
      const invited = (await createUser(testApp, { role: 'case_worker', invited: true, organisationId: await organisationOf(as) })).user;
      return { as, pages: [`/admin/users/${invited.id}`] };
    },
  },
  {
    name: 'a case, a person to link, a household and an address',
    arrange: async ({ testApp, holder, organisationOf }) => {
      const db = testApp.database.db;
      const as = holder('/cases/:caseId/people/link');
      const kase = await db
        .insertInto('cases')
        .values({ reference: `ASB-2026-97${String(randomInt(1000, 9999))}`, case_type: 'anti_social_behaviour', summary: 'Fuzz case', lead_organisation_id: await organisationOf(as) })
        .returning('id')
        .executeTakeFirstOrThrow();
      const family = `Fuzzhold${unique()}`;
      const [main, member] = [await createPerson(db, { family }), await createPerson(db, { family })];
      // Someone the user may already see (on another of their organisation's cases), found by the "link a person" and "add a member" searches.
      const known = await db
        .selectFrom('case_people')
        .innerJoin('cases', 'cases.id', 'case_people.case_id')
        .innerJoin('people', 'people.id', 'case_people.person_id')
        .select('people.family_name')
        .where('cases.lead_organisation_id', '=', await organisationOf(as))
        .orderBy('people.family_name')
        .executeTakeFirstOrThrow();
      await db.insertInto('case_people').values({ case_id: kase.id, person_id: main, role: 'person_at_risk' }).execute();
      await livesAt(db, main, await createLocation(db, '1 Fuzz Street', 'NE1 1AA'));
      const address = await db.selectFrom('person_addresses').select('id').where('person_id', '=', main).executeTakeFirstOrThrow();
      const household = await db.insertInto('households').values({ name: 'Fuzz household' }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('household_members').values([main, member].map((person_id) => ({ household_id: household.id, person_id, relationship: null }))).execute();
      // The "add a member" form gets a household of its own, on a case of its own: the person page
      // above shows "remove" buttons for the first household, and fuzzing those (first, as that
      // page comes first) takes its person out of it, after which every add answered 404.
      const addingCase = await db
        .insertInto('cases')
        .values({ reference: `ASB-2026-96${String(randomInt(1000, 9999))}`, case_type: 'anti_social_behaviour', summary: 'Fuzz household case', lead_organisation_id: await organisationOf(as) })
        .returning('id')
        .executeTakeFirstOrThrow();
      const adding = await createPerson(db, { family });
      await db.insertInto('case_people').values({ case_id: addingCase.id, person_id: adding, role: 'person_at_risk' }).execute();
      const addingHousehold = await db.insertInto('households').values({ name: 'Fuzz household to add to' }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('household_members').values({ household_id: addingHousehold.id, person_id: adding, relationship: null }).execute();
      return {
        as,
        pages: [
          `/cases/${kase.id}/people?name=${encodeURIComponent(known.family_name)}`,
          `/people/${main}`,
          `/people/${adding}/households/${addingHousehold.id}/members?name=${encodeURIComponent(known.family_name)}`,
          `/people/${main}/addresses/${address.id}/end`,
        ],
      };
    },
  },
  {
    name: 'a break-glass grant waiting for review',
    arrange: async ({ testApp, holder, userIdOf }) => {
      const db = testApp.database.db;
      const kase = await db.selectFrom('cases').select('id').orderBy('reference').executeTakeFirstOrThrow();
      const grant = await db
        .insertInto('break_glass_grants')
        .values({ user_id: await userIdOf('caseworker@oneroof.example'), case_id: kase.id, reason: 'Fuzz emergency', expires_at: new Date(Date.now() + DAY_MS) })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { as: holder('/admin/break-glass/:grantId/review'), pages: [`/admin/break-glass/${grant.id}/review`] };
    },
  },
  {
    name: 'a visitor part-way through the ASB Case Review form',
    arrange: async ({ testApp }) => ({
      as: 'visitor applying for a case review',
      session: () => caseReviewVisitor(testApp),
      pages: ['/asb-case-review/incidents', '/asb-case-review/incidents/1', '/asb-case-review/check-answers'],
    }),
  },
  {
    name: 'an applicant tracking a decided case review',
    arrange: async ({ testApp }) => {
      const token = randomBytes(24).toString('base64url');
      await caseReviewApplication(testApp, 'outcome_sent', sha256Hex(token));
      return { as: 'applicant with a tracking link', session: async () => new TestAgent(testApp.app), pages: [`/asb-case-review/track/${token}`] };
    },
  },
  {
    name: 'case review applications just received and under review, with a recommendation and an appeal',
    arrange: async ({ testApp, holder, organisationOf }) => {
      const db = testApp.database.db;
      const as = holder('/case-reviews/:applicationId/acknowledge');
      const received = await caseReviewApplication(testApp, 'received');
      const reviewing = await caseReviewApplication(testApp, 'review_scheduled');
      await db
        .insertInto('case_review_recommendations')
        .values({ application_id: reviewing, recommendation: 'Fuzz recommendation', owner_organisation_id: await organisationOf(as), due_on: '2099-01-01' })
        .execute();
      await db.insertInto('case_review_appeals').values({ application_id: reviewing, reason: 'Fuzz appeal' }).execute();
      // Its outcome recorded, so the letter can be sent.
      const decided = await caseReviewApplication(testApp, 'review_scheduled');
      await db.updateTable('case_review_applications').set({ outcome_summary: 'Fuzz outcome' }).where('id', '=', decided).execute();
      const base = `/case-reviews/${reviewing}`;
      return {
        as,
        pages: [`/case-reviews/${received}`, `/case-reviews/${received}/threshold-decision`, base, `${base}/meeting`, `${base}/recommendations/new`, `${base}/outcome`, `${base}/appeal`, `/case-reviews/${decided}/letter`],
      };
    },
  },
  {
    name: 'a referral the other organisation declined',
    arrange: async ({ testApp, holder, organisationOf }) => {
      const db = testApp.database.db;
      const as = holder('/referrals/:referralId/redirect');
      const from = await organisationOf(as);
      const kase = await db.selectFrom('cases').select('id').where('lead_organisation_id', '=', from).orderBy('reference').executeTakeFirstOrThrow();
      const to = await db.selectFrom('organisations').select('id').where('id', '!=', from).where('active', '=', true).orderBy('name').executeTakeFirstOrThrow();
      const referral = await db
        .insertInto('referrals')
        .values({
          reference: `REF-2026-8${unique()}`,
          case_id: kase.id,
          from_organisation_id: from,
          to_organisation_id: to.id,
          urgency: 'routine',
          reason: 'Fuzz referral',
          requested: 'Fuzz request',
          information_shared: 'Fuzz information',
          lawful_basis: 'public_task',
          consent: 'given',
          status: 'declined',
          decline_code: 'wrong_service',
          decline_reason: 'Fuzz decline',
          acknowledge_due_at: new Date(Date.now() + DAY_MS),
          decide_due_at: new Date(Date.now() + DAY_MS),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { as, pages: [`/referrals/${referral.id}`, `/referrals/${referral.id}/redirect`] };
    },
  },
  {
    name: 'the published Community Safety Agreement, not yet signed by the signer’s organisation',
    arrange: async ({ testApp, holder, organisationOf }) => {
      const db = testApp.database.db;
      const as = holder('/governance/agreement/versions/:versionId/sign');
      const version = await db.selectFrom('agreement_versions').select('id').where('status', '=', 'published').executeTakeFirstOrThrow();
      await db.deleteFrom('agreement_signatures').where('version_id', '=', version.id).where('organisation_id', '=', await organisationOf(as)).execute();
      return { as, pages: [`/governance/agreement/versions/${version.id}`, '/governance/agreement'] };
    },
  },
  {
    name: 'a partnership event whose feedback survey is open',
    arrange: async ({ testApp }) => {
      const token = `fuzz-survey-${unique()}`;
      await testApp.database.db
        .insertInto('governance_events')
        .values({ title: 'Fuzz assembly', venue: 'Fuzz hall', starts_at: new Date(Date.now() - 2 * DAY_MS), ends_at: new Date(Date.now() - DAY_MS), capacity: 50, survey_token: token })
        .execute();
      return { as: 'visitor with a survey link', session: async () => new TestAgent(testApp.app), pages: [`/event-feedback/${token}`] };
    },
  },
  {
    name: 'a sharing agreement waiting for the signer’s organisation',
    arrange: async ({ testApp, holder, organisationOf }) => {
      const as = holder('/sharing-agreements/:agreementId/sign');
      const other = await createOrganisation(testApp);
      const agreement = await createSharingAgreement(testApp, [await organisationOf(as), other.id], { status: 'draft', signedBy: [other.id] });
      return { as, pages: [`/sharing-agreements/${agreement.id}`] };
    },
  },
  {
    name: 'a legal hold on a case',
    arrange: async ({ testApp, holder }) => {
      const db = testApp.database.db;
      const kase = await db.selectFrom('cases').select('id').orderBy('reference', 'desc').executeTakeFirstOrThrow();
      const hold = await db.insertInto('legal_holds').values({ subject_kind: 'case', subject_id: kase.id, reason: 'Fuzz hold' }).returning('id').executeTakeFirstOrThrow();
      return { as: holder('/admin/retention/holds/:legalHoldId/release'), pages: [`/admin/retention/holds/${hold.id}/release`] };
    },
  },
  {
    name: 'a possible match waiting for review, and a confirmed link to undo',
    arrange: async ({ testApp, holder, organisationOf }) => {
      const db = testApp.database.db;
      const as = holder('/linkage/review/:candidateId/confirm');
      const organisationId = await organisationOf(as);
      const family = `Fuzzlink${unique()}`;
      const { personId, incidentId, candidateId } = await createLinkCandidate(db, organisationId, { given: 'Fuzz', family, reference: `FUZZ-LINK-${unique()}` });
      // A confirmed link on the same person, for the unlink form.
      await db.insertInto('incident_people').values({ incident_id: incidentId, role: 'witness', person_id: personId, given_name: 'Fuzz', family_name: family, link_status: 'confirmed' }).execute();
      return { as, pages: [`/linkage/review/${candidateId}`, `/people/${personId}/linked-records`] };
    },
  },
  {
    name: 'an uploaded incident file, and one checked and ready to import',
    arrange: async ({ testApp, holder, organisationOf, userIdOf }) => {
      const as = holder('/incidents/imports/:importId/mapping');
      const importer = { organisationId: await organisationOf(as), userId: await userIdOf(as) };
      const { incidentImports } = testApp.services;
      const upload = (name: string) =>
        incidentImports.upload(importer, Readable.from([`Reference,Date,Type,Summary\nFZ-${unique()},01/03/2026,noise,Fuzz import\n`]), name, 'upload', systemActor('fuzz'));
      // One import per page: discarding the first (its mapping page's last form) leaves the others' steps open.
      const waiting = await upload('fuzz-waiting.csv');
      const previewed = await upload('fuzz-previewed.csv');
      const checked = await upload('fuzz-checked.csv');
      await incidentImports.startValidation(importer, checked.id);
      for (let tries = 0; tries < 100; tries += 1) {
        const row = await testApp.database.db.selectFrom('incident_imports').select('status').where('id', '=', checked.id).executeTakeFirstOrThrow();
        if (row.status !== 'validating') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return { as, pages: [`/incidents/imports/${previewed.id}/preview`, `/incidents/imports/${checked.id}`, `/incidents/imports/${waiting.id}/mapping`] };
    },
  },
  // Pages the walk meets only while its page budget lasts: arranged, so they are fuzzed on every run.
  {
    name: 'an API key to revoke',
    arrange: async ({ testApp, holder, organisationOf }) => {
      const as = holder('/admin/api-keys/:apiKeyId/revoke');
      const key = await testApp.database.db
        .insertInto('api_keys')
        .values({ organisation_id: await organisationOf(as), name: 'Fuzz revocable key', key_prefix: `fz${unique()}`, secret_hash: randomBytes(32).toString('hex'), permissions: ['incident:view'] })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { as, pages: [`/admin/api-keys/${key.id}`] };
    },
  },
  {
    name: 'a saved analysis to run and delete',
    arrange: async ({ testApp, holder, organisationOf, userIdOf }) => {
      const db = testApp.database.db;
      const analyst = holder('/analytics/saved/:savedId/run');
      await db
        .insertInto('saved_analyses')
        .values({
          kind: 'dashboard',
          name: 'Fuzz analysis',
          parameters: JSON.stringify({ 'from-day': '1', 'from-month': '1', 'from-year': '2026', 'to-day': '31', 'to-month': '1', 'to-year': '2026' }),
          owner_user_id: await userIdOf(analyst),
          organisation_id: await organisationOf(analyst),
        })
        .execute();
      return { as: analyst, pages: ['/analytics/saved'] };
    },
  },
  {
    name: 'a subject access request being prepared',
    arrange: async ({ testApp, holder, userIdOf }) => {
      const as = holder('/data-protection/requests/:requestId/approve');
      const person = await createPerson(testApp.database.db, { family: `Fuzzsubject${unique()}` });
      const user = { id: await userIdOf(as) } as Parameters<typeof testApp.services.dataProtection.subjectAccess.create>[0];
      const requestId = await testApp.services.dataProtection.subjectAccess.create(
        user,
        { personId: person, requesterName: 'Fuzz Requester', requesterRelationship: 'self', identityVerified: true, receivedOn: '2026-01-05' },
        systemActor('fuzz'),
      );
      return { as, pages: [`/data-protection/requests/new?personId=${person}`, `/data-protection/requests/${requestId}`, `/data-protection/people/${person}/flags`] };
    },
  },
];

/**
 * Why a POST page route is still not fuzzed, for the report. Empty: every route is reached. A
 * route that cannot be (its form needs something no test can arrange) is named here with why.
 */
export const NOT_REACHED_BECAUSE: Record<string, string> = {};
