import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, TEST_BASE_URL, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { suppressTable } from '../../shared/suppression.ts';
import type { AuditAction } from '../audit/auditActions.ts';
import { createGovernanceServices } from './governanceServices.ts';
import { quarterRange } from './quarters.ts';

let testApp: TestApp;
const db = () => testApp.database.db;
const unique = () => randomBytes(3).toString('hex');

async function auditActions(action: AuditAction): Promise<number> {
  const rows = await db().selectFrom('audit_events').select('seq').where('action', '=', action).execute();
  return rows.length;
}

function dateBoxes(field: string, isoDate: string) {
  const [year, month, day] = isoDate.split('-');
  return { [`${field}-day`]: String(Number(day)), [`${field}-month`]: String(Number(month)), [`${field}-year`]: year! };
}

async function partnershipAdmin() {
  const organisation = await createOrganisation(testApp, { name: `Community Safety Team ${unique()}` });
  const fixture = await createUser(testApp, { role: 'partnership_admin', organisationId: organisation.id, name: 'Priya Admin' });
  return { organisation, user: fixture.user, agent: await signedInAgent(testApp, fixture.user) };
}

async function organisationAdmin(name: string) {
  const organisation = await createOrganisation(testApp, { name: `${name} ${unique()}` });
  await db().updateTable('organisations').set({ contact_email: `contact-${unique()}@example.org` }).where('id', '=', organisation.id).execute();
  const fixture = await createUser(testApp, { role: 'organisation_admin', organisationId: organisation.id, name: `${name} Signatory` });
  return { organisation, user: fixture.user, agent: await signedInAgent(testApp, fixture.user) };
}

async function currentDraftId(): Promise<string> {
  return (await db().selectFrom('agreement_versions').select('id').where('status', '=', 'draft').executeTakeFirstOrThrow()).id;
}

describe.each(availableBackends())('partnership governance on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
  });
  afterAll(async () => testApp?.close());

  describe('the Community Safety Agreement', () => {
    it('starts as a draft with the five priorities; measures with inconsistent units are refused with what was typed kept', async () => {
      const admin = await partnershipAdmin();
      const draft = await admin.agent.get('/governance/agreement/draft');
      expect(draft.statusCode).toBe(200);
      for (const priority of ['Reduce violence against women and girls', 'Tackle anti-social behaviour', 'Protect people from criminal exploitation', 'Improve mental-health responses', 'Reduce inequality']) {
        expect(draft.body).toContain(priority);
      }
      const wrongUnit = await admin.agent.post('/governance/agreement/draft/priorities/asb/measures/new', {
        title: 'ASB Case Reviews carried out', source: 'case_review_outcomes', unit: 'count', direction: 'higher_is_better', baseline: '4', target: '75%', ...dateBoxes('dueOn', '2029-03-31'),
      });
      expect(wrongUnit.statusCode).toBe(400);
      expect(wrongUnit.body).toContain('The target is a percentage but this measure is not');
      expect(wrongUnit.body).toContain('value="ASB Case Reviews carried out"');
      const wrongSourceUnit = await admin.agent.post('/governance/agreement/draft/priorities/asb/measures/new', {
        title: 'Referrals on time', source: 'referral_deadline_compliance', unit: 'count', direction: 'higher_is_better', baseline: '70', target: '90', ...dateBoxes('dueOn', '2029-03-31'),
      });
      expect(wrongSourceUnit.statusCode).toBe(400);
      expect(wrongSourceUnit.body).toContain('Referrals decided on time is a percentage: choose Percentage as the unit');
      expect(await db().selectFrom('agreement_measures').select('id').execute()).toHaveLength(0);
    });

    it('is published, signed by partners for their own organisation, re-signed after a new version; signing a version that has since changed signs nothing', async () => {
      const admin = await partnershipAdmin();
      const police = await organisationAdmin('Police');
      const council = await organisationAdmin('Council');
      const caseWorker = await createUser(testApp, { role: 'case_worker', organisationId: police.organisation.id });

      expect((await admin.agent.post('/governance/agreement/draft/priorities/asb/commitments/new', { organisationId: police.organisation.id, commitment: 'Attend every ASB case conference' })).statusCode).toBe(302);
      expect((await admin.agent.post('/governance/agreement/draft/priorities/asb/measures/new', {
        title: 'Referrals decided on time', source: 'referral_deadline_compliance', unit: 'percent', direction: 'higher_is_better', baseline: '70', target: '90%', ...dateBoxes('dueOn', '2029-03-31'),
      })).statusCode).toBe(302);
      // Publishing a draft other than the one on the page is refused.
      const stale = await admin.agent.post('/governance/agreement/draft/publish', { draftId: '00000000-0000-0000-0000-000000000000' });
      expect((await admin.agent.follow(stale)).body).toContain('The draft changed or was already published');
      const version1 = await currentDraftId();
      expect((await admin.agent.post('/governance/agreement/draft/publish', { draftId: version1 })).headers.location).toBe('/governance/agreement');
      const asked = await db().selectFrom('email_outbox').select('to_address').where('subject', 'like', '%sign version 1%').execute();
      expect(asked.length).toBeGreaterThanOrEqual(2);

      // The police sign version 1; a case worker may not sign at all.
      const page = await police.agent.get('/governance/agreement');
      expect(page.body).toContain('Attend every ASB case conference');
      const missing = await police.agent.post(`/governance/agreement/versions/${version1}/sign`, { jobTitle: '' });
      expect(missing.statusCode).toBe(400);
      expect(missing.body).toContain('Enter your job title');
      expect(missing.body).toContain('Confirm that you are authorised to sign for your organisation');
      expect((await police.agent.post(`/governance/agreement/versions/${version1}/sign`, { jobTitle: 'Chief Superintendent', confirm: 'yes' })).statusCode).toBe(302);
      const again = await police.agent.post(`/governance/agreement/versions/${version1}/sign`, { jobTitle: 'Chief Superintendent', confirm: 'yes' });
      expect((await police.agent.follow(again)).body).toContain('Your organisation has already signed this version.');
      expect((await (await signedInAgent(testApp, caseWorker.user)).post(`/governance/agreement/versions/${version1}/sign`, { jobTitle: 'Officer', confirm: 'yes' })).statusCode).toBe(403);

      // The council opens version 1; meanwhile the partnership publishes version 2.
      const councilPage = await council.agent.get('/governance/agreement');
      expect(councilPage.body).toContain(`/governance/agreement/versions/${version1}/sign`);
      expect((await admin.agent.post('/governance/agreement/draft/start', {})).headers.location).toBe('/governance/agreement/draft');
      const version2 = await currentDraftId();
      expect((await admin.agent.post('/governance/agreement/draft/details', { title: 'Community Safety Agreement', vision: 'Safer together, version two.', ...dateBoxes('startsOn', '2026-04-01'), ...dateBoxes('endsOn', '2029-03-31') })).statusCode).toBe(302);
      expect((await admin.agent.post('/governance/agreement/draft/publish', { draftId: version2 })).statusCode).toBe(302);

      const refused = await council.agent.post(`/governance/agreement/versions/${version1}/sign`, { jobTitle: 'Director of Communities', confirm: 'yes' });
      expect(refused.statusCode).toBe(409);
      expect(refused.body).toContain('The agreement changed after you opened it: you were signing version 1, and version 2 is now published. Nothing has been signed.');
      expect(refused.body).toContain('value="Director of Communities"');
      expect(refused.body).toContain('Safer together, version two.');
      expect(await db().selectFrom('agreement_signatures').select('id').where('organisation_id', '=', council.organisation.id).execute()).toHaveLength(0);
      expect(await auditActions('AGREEMENT_SIGNING_REFUSED')).toBe(1);

      expect((await council.agent.post(`/governance/agreement/versions/${version2}/sign`, { jobTitle: 'Director of Communities', confirm: 'yes' })).statusCode).toBe(302);
      const signatures = await db().selectFrom('agreement_signatures').select(['version_id', 'organisation_id', 'job_title', 'signed_by_name']).orderBy('signed_at').execute();
      expect(signatures).toEqual([
        { version_id: version1, organisation_id: police.organisation.id, job_title: 'Chief Superintendent', signed_by_name: 'Police Signatory' },
        { version_id: version2, organisation_id: council.organisation.id, job_title: 'Director of Communities', signed_by_name: 'Council Signatory' },
      ]);
      // Version 2 carried the commitment and measure over; the police must sign again.
      const current = await police.agent.get('/governance/agreement');
      expect(current.body).toContain('Attend every ASB case conference');
      expect(current.body).toContain(`/governance/agreement/versions/${version2}/sign`);
      expect((await police.agent.get('/governance')).body).toContain('has not signed the current version of the agreement');
      const history = await police.agent.get(`/governance/agreement/versions/${version1}`);
      expect(history.body).toContain('Replaced by a later version');
      expect(history.body).toContain('Chief Superintendent');
      expect(await auditActions('AGREEMENT_SIGNED')).toBe(2);
      expect(await auditActions('AGREEMENT_PUBLISHED')).toBe(2);
    });
  });

  describe('measures counted from OneRoof data', () => {
    it('counts deadline compliance, reviews, ASB per 1,000 and repeat victims for a quarter, and takes manual figures with who entered them', async () => {
      const now = new Date('2026-11-30T12:00:00Z');
      const governance = createGovernanceServices(db(), testApp.services.audit, testApp.services.caseReviews, { baseUrl: TEST_BASE_URL, now: () => now });
      const quarter = '2026-Q3';
      const inQuarter = (day: string, time = '12:00:00') => new Date(`${day}T${time}Z`);
      const from = await createOrganisation(testApp);
      const to = await createOrganisation(testApp);
      const person = await db().insertInto('people').values({ given_name: 'Measure', family_name: 'Subject', created_by_organisation_id: from.id }).returning('id').executeTakeFirstOrThrow();
      const referral = async (due: Date, decided: Date | null, status = 'accepted') =>
        db().insertInto('referrals').values({
          reference: `REF-M-${unique()}`, person_id: person.id, from_organisation_id: from.id, to_organisation_id: to.id, urgency: 'routine', reason: 'r', requested: 'r', information_shared: 'r',
          lawful_basis: 'public_task', consent: 'given', acknowledge_due_at: due, decide_due_at: due, decided_at: decided, status: status as 'accepted',
        }).execute();
      // 3 due in the quarter: 2 decided in time, 1 late; one withdrawn and one due the quarter after are left out.
      await referral(inQuarter('2026-07-10'), inQuarter('2026-07-09'));
      await referral(inQuarter('2026-08-10'), inQuarter('2026-08-10', '11:00:00'));
      await referral(inQuarter('2026-09-10'), inQuarter('2026-09-12'));
      await referral(inQuarter('2026-09-11'), null, 'withdrawn');
      await referral(inQuarter('2026-10-02'), null, 'received');
      expect(await governance.measures.liveFigure('referral_deadline_compliance', quarter, null)).toEqual({ value: 66.7, numerator: 2, denominator: 3 });

      const incident = async (category: string, day: string) =>
        (await db().insertInto('incidents').values({ source_organisation_id: from.id, source_reference: `INC-${unique()}`, occurred_at: inQuarter(day), category_code: category, area: 'Byker' }).returning('id').executeTakeFirstOrThrow()).id;
      const asb = [await incident('asb_nuisance', '2026-07-01'), await incident('noise', '2026-08-01'), await incident('asb_personal', '2026-09-30')];
      await incident('burglary', '2026-08-01');
      await incident('asb_nuisance', '2026-06-30T22:00:00'.slice(0, 10));
      expect(await governance.measures.liveFigure('asb_incidents_per_1000', quarter, null)).toMatchObject({ value: null, numerator: 3 });
      expect(await governance.measures.liveFigure('asb_incidents_per_1000', quarter, 1500)).toEqual({ value: 2, numerator: 3, denominator: 1500 });

      const victim = async (incidentId: string, personId: string | null, role = 'victim') => db().insertInto('incident_people').values({ incident_id: incidentId, role: role as 'victim', person_id: personId, given_name: 'Hidden', family_name: 'Victim' }).execute();
      const people = await Promise.all(['A', 'B', 'C'].map(async (name) => (await db().insertInto('people').values({ given_name: name, family_name: 'Victim', created_by_organisation_id: from.id }).returning('id').executeTakeFirstOrThrow()).id));
      await victim(asb[0]!, people[0]!);
      await victim(asb[1]!, people[0]!);
      await victim(asb[2]!, people[1]!);
      await victim(asb[2]!, people[2]!, 'witness');
      await victim(asb[1]!, null);
      // Person A is a victim twice, B once: one repeat victim out of two.
      expect(await governance.measures.liveFigure('repeat_victim_rate', quarter, null)).toEqual({ value: 50, numerator: 1, denominator: 2 });

      const application = async (outcomeSentAt: Date | null) => db().insertInto('case_review_applications').values({
        reference: `CR-2026-${unique()}`, applying_for: 'self', applicant_name: 'Applicant', contact_email: 'a@example.org', problem_description: 'p', problem_location: 'l', impact: 'i', vulnerable: false, hate_motivated: 'no',
        threshold_appears_met: true, threshold_rule: 'standard', qualifying_complaints: 3, tracking_token_hash: randomBytes(32).toString('hex'), acknowledge_due_at: now, decision_due_at: now, outcome_sent_at: outcomeSentAt,
      }).execute();
      await application(inQuarter('2026-07-15'));
      await application(inQuarter('2026-10-15'));
      await application(null);
      expect(await governance.measures.liveFigure('case_review_outcomes', quarter, null)).toEqual({ value: 1, numerator: 1, denominator: null });
      expect(quarterRange(quarter).from.toISOString()).toBe('2026-06-30T23:00:00.000Z');
    });
  });

  describe('events and the assembly', () => {
    it('registers partners and guests up to capacity, refusing duplicates and a full event with clear messages and nothing lost', async () => {
      const admin = await partnershipAdmin();
      const noVenue = await admin.agent.post('/governance/events/new', { title: 'Community Safety Assembly', kind: 'assembly', venue: '', ...dateBoxes('eventDate', '2099-03-12'), startTime: '09:30', endTime: '09:00', capacity: '2', agenda: '09:30 Welcome\nHidden harm' });
      expect(noVenue.statusCode).toBe(400);
      expect(noVenue.body).toContain('Enter the venue');
      expect(noVenue.body).toContain('The end time must be after the start time');
      expect(noVenue.body).toContain('09:30 Welcome');
      const created = await admin.agent.post('/governance/events/new', {
        title: 'Community Safety Assembly', kind: 'assembly', venue: 'Civic Centre, Newcastle', ...dateBoxes('eventDate', '2099-03-12'), startTime: '09:30', endTime: '15:30', capacity: '2',
        agenda: '09:30 Welcome\n10:00 Our priorities\nLunch', workshops: 'Hidden harm\nLow-level crime\nInformation sharing barriers\nBuilding public trust',
      });
      expect(created.statusCode).toBe(302);
      const eventPath = String(created.headers.location);
      const eventId = eventPath.split('/').pop()!;
      const page = await admin.agent.get(eventPath);
      expect(page.body).toContain('Information sharing barriers');
      expect(page.body).toContain('<strong>10:00</strong> Our priorities');

      const first = await createUser(testApp, { role: 'case_worker', email: `first-${unique()}@example.org` });
      const firstAgent = await signedInAgent(testApp, first.user);
      expect((await firstAgent.follow(await firstAgent.post(`${eventPath}/register`, {}))).body).toContain('You are registered for this event.');
      const twice = await firstAgent.post(`${eventPath}/register`, {});
      expect((await firstAgent.follow(twice)).body).toContain('You are already registered for this event.');

      const duplicateGuest = await admin.agent.post(`${eventPath}/guests/new`, { name: 'Someone Else', email: first.user.email.toUpperCase(), organisationName: 'Residents Association' });
      expect(duplicateGuest.statusCode).toBe(409);
      expect(duplicateGuest.body).toContain('Someone with this email address is already registered for this event');
      expect(duplicateGuest.body).toContain('value="Residents Association"');
      expect((await admin.agent.post(`${eventPath}/guests/new`, { name: 'Jo Guest', email: 'jo.guest@example.org', organisationName: 'Byker Residents Association' })).statusCode).toBe(302);

      const full = await admin.agent.post(`${eventPath}/guests/new`, { name: 'Late Guest', email: 'late@example.org', organisationName: 'Walker Tenants' });
      expect(full.statusCode).toBe(409);
      expect(full.body).toContain('The event is full: every place has been taken.');
      expect(full.body).toContain('value="Late Guest"');
      const third = await signedInAgent(testApp, (await createUser(testApp, { role: 'analyst' })).user);
      expect((await third.follow(await third.post(`${eventPath}/register`, {}))).body).toContain('The event is full');
      const registrations = await db().selectFrom('event_registrations').select(['email', 'user_id']).where('event_id', '=', eventId).orderBy('registered_at').execute();
      expect(registrations).toEqual([{ email: first.user.email, user_id: first.user.id }, { email: 'jo.guest@example.org', user_id: null }]);
      // Who registered is personal data: only managers see it, and the read is audited.
      expect((await firstAgent.get(eventPath)).body).not.toContain('jo.guest@example.org');
      expect((await admin.agent.get(eventPath)).body).toContain('jo.guest@example.org');
      expect(await auditActions('GOVERNANCE_EVENT_VIEWED')).toBeGreaterThan(0);
    });

    it('takes feedback from guests by the survey link once the event has started, and tracks "you said, we did" to the public page', async () => {
      const admin = await partnershipAdmin();
      const owner = await createOrganisation(testApp, { name: `Tyneside Homes ${unique()}` });
      const past = await db().insertInto('governance_events').values({ title: 'Assembly 2026', venue: 'Town Hall', starts_at: new Date(Date.now() - 86_400_000), ends_at: new Date(Date.now() - 80_000_000), capacity: 100, survey_token: `past-${unique()}` }).returning(['id', 'survey_token']).executeTakeFirstOrThrow();
      const future = await db().insertInto('governance_events').values({ title: 'Assembly 2099', venue: 'Town Hall', starts_at: new Date('2099-01-01T10:00:00Z'), ends_at: new Date('2099-01-01T15:00:00Z'), capacity: 100, survey_token: `future-${unique()}` }).returning(['survey_token']).executeTakeFirstOrThrow();

      const guest = new TestAgent(testApp.app);
      expect((await guest.get(`/event-feedback/${future.survey_token}`)).body).toContain('The survey opens when the event starts.');
      expect((await guest.get('/event-feedback/no-such-token')).statusCode).toBe(404);
      const survey = await guest.get(`/event-feedback/${past.survey_token}`);
      expect(survey.statusCode).toBe(200);
      const unanswered = await guest.post(`/event-feedback/${past.survey_token}`, { wentWell: 'The workshops' });
      expect(unanswered.statusCode).toBe(400);
      expect(unanswered.body).toContain('Select an overall rating');
      expect(unanswered.body).toContain('The workshops');
      const sent = await guest.post(`/event-feedback/${past.survey_token}`, { overallRating: '4', usefulnessRating: '5', wentWell: 'The workshops', improve: 'More time for questions' });
      expect(sent.headers.location).toBe(`/event-feedback/${past.survey_token}/thanks`);
      const summary = await admin.agent.get(`/governance/events/${past.id}`);
      expect(summary.body).toContain('4 out of 5 on average');
      expect(summary.body).toContain('More time for questions');

      const noOwner = await admin.agent.post(`/governance/events/${past.id}/follow-ups/new`, { youSaid: 'Residents do not know who to call about ASB', weWill: 'Publish one number', ownerOrganisationId: '' });
      expect(noOwner.statusCode).toBe(400);
      expect(noOwner.body).toContain('Select the organisation responsible');
      expect((await admin.agent.post(`/governance/events/${past.id}/follow-ups/new`, { youSaid: 'Residents do not know who to call about ASB', weWill: 'Publish one number', ownerOrganisationId: owner.id })).statusCode).toBe(302);
      const followUp = await db().selectFrom('event_follow_ups').select('id').where('event_id', '=', past.id).executeTakeFirstOrThrow();
      const doneWithoutSaying = await admin.agent.post(`/governance/events/${past.id}/follow-ups/${followUp.id}`, { status: 'done', weDid: '' });
      expect((await admin.agent.follow(doneWithoutSaying)).body).toContain('Enter what was done before marking the action done');
      await admin.agent.post(`/governance/events/${past.id}/follow-ups/${followUp.id}`, { status: 'done', weDid: 'One ASB number on every council letter' });
      const row = await db().selectFrom('event_follow_ups').select(['status', 'completed_on']).where('id', '=', followUp.id).executeTakeFirstOrThrow();
      expect(row.status).toBe('done');
      expect(row.completed_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const publicPage = await guest.get('/transparency');
      expect(publicPage.body).toContain('Residents do not know who to call about ASB');
      expect(publicPage.body).toContain('One ASB number on every council letter');
      expect(publicPage.body).toContain(owner.name);
    });
  });

  describe('the public transparency page', () => {
    it('works without signing in, in three languages, with the ASB Case Review statistics, licence and how to apply; no personal data', async () => {
      const anonymous = new TestAgent(testApp.app);
      const page = await anonymous.get('/transparency');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Community safety: what we do and how we are doing');
      expect(page.body).toContain('Applications that did not meet the threshold for a review');
      expect(page.body).toContain('Reviews that resulted in recommendations');
      expect(page.body).toContain('href="/asb-case-review"');
      expect(page.body).toContain('Open Government Licence v3.0');
      expect(page.body).toContain('https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/');
      for (const personal of ['Hidden', 'Victim', 'Measure Subject', 'a@example.org', 'Applicant', 'jo.guest@example.org', 'Signatory']) {
        expect(page.body, personal).not.toContain(personal);
      }
      expect((await anonymous.get('/transparency?lang=cy')).body).toContain('Diogelwch cymunedol: beth a wnawn a sut rydym yn gwneud');
      expect((await anonymous.get('/transparency?lang=ms')).body).toContain('Keselamatan komuniti');
      expect((await anonymous.get('/sign-in')).body).toContain('href="/transparency"');
    });

    it('suppresses small numbers in the page and the CSV alike, so that none can be recovered by subtraction', async () => {
      const source = await createOrganisation(testApp);
      const at = new Date('2026-08-15T12:00:00Z');
      const add = async (area: string, category: string, count: number) => {
        for (let i = 0; i < count; i++) {
          await db().insertInto('incidents').values({ source_organisation_id: source.id, source_reference: `T-${unique()}-${i}`, occurred_at: at, category_code: category, area }).execute();
        }
      };
      // Byker already holds 3 ASB incidents in this quarter from the measures test on this database.
      const before = await db().selectFrom('incidents').innerJoin('incident_categories', 'incident_categories.code', 'incidents.category_code').select(['area', 'harm_group']).where('occurred_at', '>=', new Date('2026-06-30T23:00:00Z')).where('occurred_at', '<', new Date('2026-09-30T23:00:00Z')).execute();
      await add('Walker', 'asb_nuisance', 2);
      await add('Walker', 'burglary', 11);
      await add('Heaton', 'asb_nuisance', 9);
      await add('Heaton', 'burglary', 6);
      const counts = new Map<string, number>();
      for (const row of [...before, ...[...Array(2)].map(() => ({ area: 'Walker', harm_group: 'asb' })), ...[...Array(11)].map(() => ({ area: 'Walker', harm_group: 'crime' })), ...[...Array(9)].map(() => ({ area: 'Heaton', harm_group: 'asb' })), ...[...Array(6)].map(() => ({ area: 'Heaton', harm_group: 'crime' }))]) {
        counts.set(`${row.area}|${row.harm_group}`, (counts.get(`${row.area}|${row.harm_group}`) ?? 0) + 1);
      }
      const governance = createGovernanceServices(db(), testApp.services.audit, testApp.services.caseReviews, { baseUrl: TEST_BASE_URL, now: () => new Date('2026-11-30T12:00:00Z') });
      const t = ((key: string) => key) as Parameters<typeof governance.transparency.incidentTable>[1];
      const table = await governance.transparency.incidentTable('2026-Q3', t);
      const csv = parse(governance.transparency.incidentsCsv(table, t)) as string[][];
      const truth = table.rowLabels.map((area) => table.columnLabels.map((group) => counts.get(`${area}|${group.replace('transparency.harmGroups.', '')}`) ?? 0));
      expect(table).toEqual(suppressTable(table.rowLabels, table.columnLabels, truth));
      const walker = csv.find((row) => row[0] === 'Walker')!;
      expect(walker[table.columnLabels.indexOf('transparency.harmGroups.asb') + 1]).toBe('[c]');
      // Every figure in the CSV is 0, 5 or more, or [c]; and each row of figures ends with its (possibly hidden) total.
      for (const row of csv.slice(1)) {
        for (const value of row.slice(1)) expect(value === '[c]' || value === '0' || Number(value) >= 5, `${row[0]}: ${value}`).toBe(true);
      }
      // A row with exactly one hidden cell and a shown total would give the hidden cell away.
      for (const row of csv.slice(1)) {
        const hidden = row.slice(1).filter((value) => value === '[c]').length;
        expect(hidden === 0 || hidden >= 2, row.join(',')).toBe(true);
      }

      const download = await new TestAgent(testApp.app).get('/transparency/incidents.csv?quarter=2026-Q3');
      expect(download.statusCode).toBe(200);
      expect(download.headers['content-type']).toContain('text/csv');
      expect(download.headers['content-disposition']).toContain('attachment');
    });
  });
});
