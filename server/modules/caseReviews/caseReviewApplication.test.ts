import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAgent } from '../../../test/support/agent.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { createTestApp, TEST_BASE_URL, type TestApp } from '../../../test/support/testApp.ts';
import { addDays, londonToday } from '../../shared/dates.ts';

let testApp: TestApp;

const db = () => testApp.database.db;

function dateBoxes(field: string, isoDate: string) {
  const [year, month, day] = isoDate.split('-');
  return { [`${field}-day`]: String(Number(day)), [`${field}-month`]: String(Number(month)), [`${field}-year`]: year! };
}

const daysAgo = (days: number) => addDays(londonToday(), -days);

/** Answers every page of the form the way a person would, ending on "check your answers". */
async function fillApplication(agent: TestAgent, options: { email?: string; incidents?: number; vulnerable?: 'yes' | 'no' } = {}) {
  const steps: [string, Record<string, string | string[]>][] = [
    ['/asb-case-review/who-is-applying', { applyingFor: 'self' }],
    ['/asb-case-review/your-name', { applicantName: 'Nia Jones' }],
    ['/asb-case-review/contact-details', { email: options.email ?? 'nia@example.org', phone: '' }],
    ['/asb-case-review/the-problem', { problemDescription: 'Loud music and shouting every night from the flat above.' }],
    ['/asb-case-review/where', { problemLocation: 'Elm Court, Byker' }],
  ];
  for (const [url, form] of steps) expect((await agent.post(url, form)).statusCode, url).toBe(302);
  const incidents = options.incidents ?? 3;
  for (let number = 1; number <= incidents; number += 1) {
    const added = await agent.post(`/asb-case-review/incidents/${number}`, { ...dateBoxes('occurredOn', daysAgo(number * 20)), description: `Music until 3am (${number})`, reportedTo: ['council', 'police'], agencyReferences: `REF-${number}` });
    expect(added.statusCode).toBe(302);
    expect(added.headers.location).toBe('/asb-case-review/incidents');
    const more = await agent.post('/asb-case-review/incidents', { addAnother: number < incidents ? 'yes' : 'no' });
    expect(more.headers.location).toBe(number < incidents ? `/asb-case-review/incidents/${number + 1}` : '/asb-case-review/impact');
  }
  for (const [url, form] of [
    ['/asb-case-review/impact', { impact: 'I cannot sleep and my children are frightened.' }],
    ['/asb-case-review/vulnerability', { vulnerable: options.vulnerable ?? 'no', vulnerabilityDetails: '' }],
    ['/asb-case-review/hate', { hateMotivated: 'no' }],
  ] as const) {
    expect((await agent.post(url, form)).statusCode, url).toBe(302);
  }
  const check = await agent.get('/asb-case-review/check-answers');
  expect(check.statusCode).toBe(200);
  return check;
}

describe.each(availableBackends())('the public ASB Case Review form on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
  });
  afterAll(async () => testApp?.close());

  describe('the public ASB Case Review form', () => {
    it('walks a member of the public through every page to a reference, an e-mail with a tracking link and an audited record', async () => {
      const agent = new TestAgent(testApp.app);
      const start = await agent.get('/asb-case-review');
      expect(start.statusCode).toBe(200);
      expect(start.body).toContain('Ask for an ASB Case Review');
      expect(start.body).toContain('3 complaints about the same problem');
      expect(start.body).toContain('href="/asb-case-review/who-is-applying"');

      // Nothing chosen: a GOV.UK error summary that links to the field.
      const empty = await agent.post('/asb-case-review/who-is-applying', {});
      expect(empty.statusCode).toBe(400);
      expect(empty.body).toContain('govuk-error-summary');
      expect(empty.body).toContain('href="#applyingFor"');
      expect(empty.body).toContain('Select whether you are applying for yourself or for someone else');
      expect(empty.body).toMatch(/<title>Error: /);

      const someoneElse = await agent.post('/asb-case-review/who-is-applying', { applyingFor: 'someone_else' });
      expect(someoneElse.headers.location).toBe('/asb-case-review/your-name');
      const tooLong = await agent.post('/asb-case-review/your-name', { applicantName: 'x'.repeat(201) });
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.body).toContain('Your name must be 200 characters or fewer');
      expect(tooLong.body).toContain(`value="${'x'.repeat(201)}"`);
      expect((await agent.post('/asb-case-review/your-name', { applicantName: 'Gareth Evans' })).headers.location).toBe('/asb-case-review/person-affected');
      expect((await agent.post('/asb-case-review/person-affected', { victimName: 'Megan Evans', relationship: 'Father' })).headers.location).toBe('/asb-case-review/contact-details');

      const badEmail = await agent.post('/asb-case-review/contact-details', { email: 'gareth-at-example', phone: '0191 496 0000' });
      expect(badEmail.statusCode).toBe(400);
      expect(badEmail.body).toContain('Enter an email address in the correct format, like name@example.com');
      expect(badEmail.body).toContain('value="gareth-at-example"');
      expect(badEmail.body).toContain('value="0191 496 0000"');
      await agent.post('/asb-case-review/contact-details', { email: 'gareth@example.org', phone: '0191 496 0000' });
      await agent.post('/asb-case-review/the-problem', { problemDescription: 'Young people gather in the stairwell and threaten my daughter.' });
      const where = await agent.post('/asb-case-review/where', { problemLocation: 'Ash Court, Walker' });
      expect(where.headers.location).toBe('/asb-case-review/incidents/1');

      // The answers are kept in the session: going back shows them.
      expect((await agent.get('/asb-case-review/your-name')).body).toContain('value="Gareth Evans"');

      const impossible = await agent.post('/asb-case-review/incidents/1', { 'occurredOn-day': '31', 'occurredOn-month': '2', 'occurredOn-year': '2026', description: 'Threats on the stairs', reportedTo: 'police' });
      expect(impossible.statusCode).toBe(400);
      expect(impossible.body).toContain('The date of the incident must be a real date');
      expect(impossible.body).toContain('href="#occurredOn-day"');
      expect(impossible.body).toContain('Threats on the stairs');
      expect(impossible.body).toMatch(/value="police" checked/);
      const future = await agent.post('/asb-case-review/incidents/1', { ...dateBoxes('occurredOn', addDays(londonToday(), 1)), description: 'Threats on the stairs', reportedTo: 'police' });
      expect(future.body).toContain('The date of the incident must be today or in the past');
      const both = await agent.post('/asb-case-review/incidents/1', { ...dateBoxes('occurredOn', daysAgo(3)), description: 'Threats on the stairs', reportedTo: ['police', 'not_reported'] });
      expect(both.body).toContain('not both');

      for (const [number, days] of [[1, 3], [2, 40], [3, 100]] as const) {
        const added = await agent.post(`/asb-case-review/incidents/${number}`, { ...dateBoxes('occurredOn', daysAgo(days)), description: `Threats on the stairs ${number}`, reportedTo: ['police', 'housing_provider'], agencyReferences: `NP-${number}` });
        expect(added.headers.location).toBe('/asb-case-review/incidents');
        const list = await agent.get('/asb-case-review/incidents');
        expect(list.body).toContain(number === 1 ? 'You have added 1 incident' : `You have added ${number} incidents`);
        const noChoice = await agent.post('/asb-case-review/incidents', {});
        expect(noChoice.statusCode).toBe(400);
        await agent.post('/asb-case-review/incidents', { addAnother: number < 3 ? 'yes' : 'no' });
      }
      await agent.post('/asb-case-review/impact', { impact: 'She is afraid to leave the flat.' });
      await agent.post('/asb-case-review/vulnerability', { vulnerable: 'yes', vulnerabilityDetails: 'She has a learning disability.' });
      expect((await agent.post('/asb-case-review/hate', { hateMotivated: 'not_sure' })).headers.location).toBe('/asb-case-review/check-answers');

      const check = await agent.get('/asb-case-review/check-answers');
      for (const shown of ['Gareth Evans', 'Megan Evans', 'Father', 'gareth@example.org', 'Ash Court, Walker', 'Threats on the stairs 3', 'NP-2', 'She has a learning disability.']) expect(check.body).toContain(shown);
      // A change from "check your answers" comes back to it.
      expect((await agent.post('/asb-case-review/where', { problemLocation: 'Ash Court, Walker, NE6' })).headers.location).toBe('/asb-case-review/check-answers');

      const sent = await agent.post('/asb-case-review/check-answers', { website: '' });
      expect(sent.statusCode).toBe(302);
      expect(sent.headers.location).toBe('/asb-case-review/confirmation');
      const confirmation = await agent.follow(sent);
      const reference = /data-testid="reference">([^<]+)</.exec(confirmation.body)?.[1];
      expect(reference).toMatch(new RegExp(`^CR-${londonToday().slice(0, 4)}-\\d{6}$`));
      expect(confirmation.body).toContain('appears to meet the threshold for a review');

      const application = await db().selectFrom('case_review_applications').selectAll().where('reference', '=', reference!).executeTakeFirstOrThrow();
      expect(application).toMatchObject({ applying_for: 'someone_else', applicant_name: 'Gareth Evans', victim_name: 'Megan Evans', problem_location: 'Ash Court, Walker, NE6', vulnerable: true, hate_motivated: 'not_sure', threshold_appears_met: true, threshold_rule: 'standard', qualifying_complaints: 3, status: 'received' });
      const incidents = await db().selectFrom('case_review_incidents').selectAll().where('application_id', '=', application.id).orderBy('position').execute();
      expect(incidents.map((incident) => [incident.occurred_on, incident.reported_to, incident.agency_references])).toEqual([
        [daysAgo(3), ['police', 'housing_provider'], 'NP-1'],
        [daysAgo(40), ['police', 'housing_provider'], 'NP-2'],
        [daysAgo(100), ['police', 'housing_provider'], 'NP-3'],
      ]);

      const email = await db().selectFrom('email_outbox').selectAll().where('to_address', '=', 'gareth@example.org').executeTakeFirstOrThrow();
      expect(email.subject).toContain(reference);
      const link = new RegExp(`${TEST_BASE_URL}/asb-case-review/track/([A-Za-z0-9_-]+)`).exec(email.body_text);
      expect(link).not.toBeNull();
      const token = link![1]!;
      // Only the hash of the tracking token is stored.
      expect(application.tracking_token_hash).not.toContain(token);
      expect(JSON.stringify(application)).not.toContain(token);

      const audit = await db().selectFrom('audit_events').selectAll().where('action', '=', 'CASE_REVIEW_APPLIED').where('record_id', '=', application.id).executeTakeFirstOrThrow();
      expect(audit.actor_label).toBe(`applicant:${reference}`);
      expect(audit.actor_user_id).toBeNull();
      expect(audit.ip).toBe('127.0.0.1');

      // The draft is gone: starting again starts empty.
      expect((await agent.get('/asb-case-review/your-name')).body).not.toContain('Gareth Evans');

      const tracking = await new TestAgent(testApp.app).get(`/asb-case-review/track/${token}`);
      expect(tracking.statusCode).toBe(200);
      expect(tracking.body).toContain(reference);
      expect(tracking.body).toContain('We have received your application.');
      expect(tracking.body).not.toContain('Megan Evans');
      expect((await new TestAgent(testApp.app).get('/asb-case-review/track/not-a-real-token')).statusCode).toBe(404);
    });

    it('tells the applicant when the threshold does not appear to be met: two complaints in the period', async () => {
      const agent = new TestAgent(testApp.app);
      await fillApplication(agent, { email: 'two@example.org', incidents: 2 });
      const confirmation = await agent.follow(await agent.post('/asb-case-review/check-answers', {}));
      expect(confirmation.body).toContain('does not appear to meet the threshold');
      const row = await db().selectFrom('case_review_applications').select(['threshold_appears_met', 'qualifying_complaints']).where('contact_email', '=', 'two@example.org').executeTakeFirstOrThrow();
      expect(row).toEqual({ threshold_appears_met: false, qualifying_complaints: 2 });
    });

    it('sends nobody to "check your answers" or the confirmation before the form is complete', async () => {
      const agent = new TestAgent(testApp.app);
      expect((await agent.get('/asb-case-review/check-answers')).headers.location).toBe('/asb-case-review/who-is-applying');
      expect((await agent.post('/asb-case-review/check-answers', {})).headers.location).toBe('/asb-case-review/who-is-applying');
      expect((await agent.get('/asb-case-review/confirmation')).headers.location).toBe('/asb-case-review');
      expect((await agent.get('/asb-case-review/incidents/7')).headers.location).toBe('/asb-case-review/incidents');
    });

    it('lets the applicant remove an incident', async () => {
      const agent = new TestAgent(testApp.app);
      await fillApplication(agent, { email: 'remove@example.org', incidents: 2 });
      const removed = await agent.post('/asb-case-review/incidents/1/remove', {});
      expect(removed.headers.location).toBe('/asb-case-review/incidents');
      const list = await agent.follow(removed);
      expect(list.body).toContain('Incident 1 has been removed');
      expect(list.body).toContain('You have added 1 incident');
      expect(list.body).toContain('Music until 3am (2)');
      expect(list.body).not.toContain('Music until 3am (1)');
    });

    it('silently discards a submission whose honeypot field is filled, while looking successful', async () => {
      const before = await db().selectFrom('case_review_applications').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
      const agent = new TestAgent(testApp.app);
      await fillApplication(agent, { email: 'robot@example.org' });
      const sent = await agent.post('/asb-case-review/check-answers', { website: 'https://cheap-pills.example' });
      expect(sent.headers.location).toBe('/asb-case-review/confirmation');
      const confirmation = await agent.follow(sent);
      expect(confirmation.statusCode).toBe(200);
      expect(confirmation.body).toMatch(/data-testid="reference">CR-\d{4}-\d{6}</);
      const after = await db().selectFrom('case_review_applications').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
      expect(Number(after.count)).toBe(Number(before.count));
      expect(await db().selectFrom('email_outbox').select('id').where('to_address', '=', 'robot@example.org').execute()).toEqual([]);
    });

    it('speaks Welsh, with Welsh plural forms, when asked', async () => {
      const agent = new TestAgent(testApp.app);
      const start = await agent.get('/asb-case-review?lang=cy');
      expect(start.body).toContain('<html lang="cy"');
      expect(start.body).toContain('Gofyn am Adolygiad Achos YGG');
      await fillApplication(agent, { email: 'cymraeg@example.org', incidents: 2 });
      expect((await agent.get('/asb-case-review/incidents')).body).toContain('Rydych wedi ychwanegu 2 ddigwyddiad');
      const invalid = await agent.post('/asb-case-review/contact-details', { email: 'nid-e-bost' });
      expect(invalid.body).toContain('Rhowch gyfeiriad e-bost yn y fformat cywir');
      await agent.post('/asb-case-review/contact-details', { email: 'cymraeg@example.org' });
      await agent.post('/asb-case-review/check-answers', {});
      const email = await db().selectFrom('email_outbox').selectAll().where('to_address', '=', 'cymraeg@example.org').executeTakeFirstOrThrow();
      expect(email.subject).toMatch(/^Cais Adolygiad Achos YGG CR-/);
    });

    it('refuses an oversized form post', async () => {
      const agent = new TestAgent(testApp.app);
      const response = await agent.post('/asb-case-review/the-problem', { problemDescription: 'x'.repeat(70 * 1024) });
      expect(response.statusCode).toBe(413);
    });

    it('rejects text over the limit with a clear message and keeps it', async () => {
      const agent = new TestAgent(testApp.app);
      const response = await agent.post('/asb-case-review/the-problem', { problemDescription: 'y'.repeat(2001) });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('The description must be 2,000 characters or fewer');
      expect(response.body).toContain('y'.repeat(2001));
    });
  });

  describe('the public form rate limit', () => {
    let limited: TestApp;
    beforeAll(async () => {
      limited = await createTestApp({ kind, env: { CASE_REVIEW_SUBMISSIONS_PER_HOUR: '2' } });
    });
    afterAll(async () => limited?.close());

    it('answers a third application from one address within the hour with the "too many requests" page', async () => {
      const agent = new TestAgent(limited.app);
      const statuses: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        await fillApplication(agent, { email: `limit${attempt}@example.org` });
        statuses.push((await agent.post('/asb-case-review/check-answers', {})).statusCode);
      }
      expect(statuses).toEqual([302, 302, 429]);
      const refused = agent.lastResponse!;
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.body).toContain('Too many');
      const stored = await limited.database.db.selectFrom('case_review_applications').select('contact_email').orderBy('contact_email').execute();
      expect(stored.map((row) => row.contact_email)).toEqual(['limit1@example.org', 'limit2@example.org']);
    });
  });
});
