import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent, type UserFixture } from '../../../test/factories/index.ts';
import { createSharingAgreement } from '../../../test/factories/sharingAgreements.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { londonToday } from '../../shared/dates.ts';

/** The world each backend's tests search: a lead council, a partner taking part, and an agency whose case the others must never see. */
interface World {
  councilManager: UserFixture;
  councilAgent: TestAgent;
  john: string;
  william: string;
  sarah: string;
  gwen: string;
  hidden: string;
  councilCase: { id: string; reference: string };
  partnerCase: { id: string; reference: string };
  hiddenCase: { id: string; reference: string };
}

describe.each(availableBackends())('search on %s', (kind) => {
  let testApp: TestApp;
  let world: World;

  beforeAll(async () => {
    testApp = await createTestApp({ kind });
    world = await buildWorld(testApp);
  });
  afterAll(async () => testApp.close());

  const auditOf = (userId: string, action: string) =>
    testApp.database.db.selectFrom('audit_events').select(['action', 'details', 'record_type']).where('actor_user_id', '=', userId).where('action', '=', action).orderBy('seq').execute();

  describe('Find a person', () => {
    it('finds "John Smith" from a misspelling, a sound-alike and the name written surname first', async () => {
      for (const typed of ['Jon Smyth', 'Smith John', 'Smith, John', 'jOhN sMiTh']) {
        const page = await world.councilAgent.get(`/people?name=${encodeURIComponent(typed)}`);
        expect(page.statusCode, typed).toBe(200);
        expect(page.body, typed).toContain(`/people/${world.john}"`);
      }
      const exact = await world.councilAgent.get('/people?name=John+Smith');
      expect(reasonsFor(exact.body, world.john)).toContain('Name matches exactly');
      const misspelt = await world.councilAgent.get('/people?name=Jon+Smyth');
      expect(reasonsFor(misspelt.body, world.john)).toContain('Sounds the same');
    });

    it('finds a person from one of their names alone, and from letters swapped in the surname', async () => {
      expect((await world.councilAgent.get('/people?name=Gwen')).body).toContain(`/people/${world.gwen}"`);
      expect((await world.councilAgent.get('/people?name=Hughes')).body).toContain(`/people/${world.gwen}"`);
      expect((await world.councilAgent.get('/people?name=John+Smtih')).body).toContain(`/people/${world.john}"`);
    });

    it('finds "William Jones" from "Bill Jones" and says the first name is another form of it', async () => {
      const page = await world.councilAgent.get('/people?name=Bill+Jones');
      expect(page.body).toContain(`/people/${world.william}"`);
      expect(reasonsFor(page.body, world.william)).toContain('Another form of the first name searched for');
    });

    it('finds a person by another name they use, and says which', async () => {
      const page = await world.councilAgent.get('/people?name=Sally+Ward');
      expect(page.body).toContain(`/people/${world.sarah}"`);
      expect(page.body).toContain('Sarah Connolly');
      expect(reasonsFor(page.body, world.sarah)).toContain('Also known as Sally Ward');
    });

    it('finds people on a case the organisation takes part in but does not lead', async () => {
      const page = await world.councilAgent.get('/people?name=Gwen+Hughes');
      expect(page.body).toContain(`/people/${world.gwen}"`);
    });

    it('narrows by date of birth, whole or the year, allowing day and month swapped', async () => {
      const search = (day: string, month: string, year: string) =>
        world.councilAgent.get(`/people?name=John+Smith&dateOfBirth-day=${day}&dateOfBirth-month=${month}&dateOfBirth-year=${year}`);
      const exact = await search('4', '3', '1987');
      expect(exact.body).toContain(`/people/${world.john}"`);
      expect(reasonsFor(exact.body, world.john)).toContain('Date of birth matches');
      expect(exact.body).toContain('Only people with this date of birth or linked to this postcode are shown.');
      const swapped = await search('3', '4', '1987');
      expect(reasonsFor(swapped.body, world.john)).toContain('Date of birth matches with the day and month swapped');
      const year = await search('', '', '1987');
      expect(reasonsFor(year.body, world.john)).toContain('Born in 1987');
      for (const other of [await search('5', '5', '1960'), await search('', '', '1960')]) {
        expect(other.statusCode).toBe(200);
        expect(other.body).not.toContain(`/people/${world.john}"`);
        expect(other.body).toContain('0 people found');
      }
    });

    it('narrows by postcode, full or district, through the places on cases the user can see', async () => {
      for (const postcode of ['NE6 1AA', 'ne61aa', 'NE6']) {
        const page = await world.councilAgent.get(`/people?name=John+Smith&postcode=${encodeURIComponent(postcode)}`);
        expect(page.body, postcode).toContain(`/people/${world.john}"`);
      }
      expect(reasonsFor((await world.councilAgent.get('/people?name=John+Smith&postcode=NE6')).body, world.john)).toContain('Lives at or is linked to a place in NE6');
      const elsewhere = await world.councilAgent.get('/people?name=John+Smith&postcode=SR1+1AA');
      expect(elsewhere.body).not.toContain(`/people/${world.john}"`);
    });

    it('explains bad input in the error summary and keeps what was typed', async () => {
      const nextYear = new Date().getFullYear() + 1;
      const page = await world.councilAgent.get(`/people?name=J&dateOfBirth-day=1&dateOfBirth-month=1&dateOfBirth-year=${nextYear}&postcode=ZZZZ`);
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('govuk-error-summary');
      for (const message of ['Enter at least 2 letters of the name', 'Date of birth must be in the past', 'Enter a full postcode, like NE6 1AA, or the first part, like NE6']) {
        expect(page.body).toContain(message);
      }
      expect(page.body).toMatch(/<input[^>]*id="name"[^>]*value="J"/);
      expect(page.body).toContain(`value="${nextYear}"`);
      expect(page.body).toContain('value="ZZZZ"');
      const halfDate = await world.councilAgent.get('/people?name=John+Smith&dateOfBirth-day=4&dateOfBirth-year=1987');
      expect(halfDate.statusCode).toBe(400);
      expect(halfDate.body).toContain('Date of birth must include a day, month and year, or the year only');
      const empty = await world.councilAgent.get('/people?name=');
      expect(empty.body).toContain('Enter a name to search for');
    });

    it('shows the form alone, unaudited, until something is searched for', async () => {
      const user = await createUser(testApp, { role: 'case_worker' });
      const agent = await signedInAgent(testApp, user.user);
      const page = await agent.get('/people');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Find a person');
      expect(page.body).not.toContain('govuk-error-summary');
      expect(await auditOf(user.user.id, 'PERSON_SEARCHED')).toEqual([]);
    });

    it('records each search, with what was searched for and how many were found, in the audit log', async () => {
      const worker = await createUser(testApp, { role: 'case_worker', organisationId: world.councilManager.user.organisation_id });
      const agent = await signedInAgent(testApp, worker.user);
      await agent.get('/people?name=Jon+Smyth&dateOfBirth-year=1987&postcode=NE6');
      const events = await auditOf(worker.user.id, 'PERSON_SEARCHED');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ record_type: 'person', details: { name: 'Jon Smyth', dateOfBirth: '1987', postcode: 'NE6', results: 1 } });
    });
  });

  describe('Search cases', () => {
    it('finds a case by the whole reference or part of it', async () => {
      const whole = await world.councilAgent.get(`/cases/search?reference=${world.councilCase.reference.toLowerCase()}`);
      expect(whole.body).toContain(`/cases/${world.councilCase.id}"`);
      expect(whole.body).toContain('Reference matches');
      const part = world.councilCase.reference.slice(-6);
      const partial = await world.councilAgent.get(`/cases/search?reference=${part}`);
      expect(partial.body).toContain(`/cases/${world.councilCase.id}"`);
      expect(partial.body).toContain(`Reference contains ${part}`);
    });

    it('finds cases by a fuzzy name of someone on them, by place and by filters, with the count', async () => {
      const byName = await world.councilAgent.get('/cases/search?person=Jon+Smyth');
      expect(byName.statusCode).toBe(200);
      expect(byName.body).toContain(`/cases/${world.councilCase.id}"`);
      expect(byName.body).toContain('John Smith is on this case');
      expect(byName.body).toContain('1 case found');
      const byPostcode = await world.councilAgent.get('/cases/search?location=ne6+1aa');
      expect(byPostcode.body).toContain(`/cases/${world.councilCase.id}"`);
      expect(byPostcode.body).toContain('Place: 12 Elm Court, NE6 1AA');
      const byAddress = await world.councilAgent.get('/cases/search?location=elm+court&caseType=anti_social_behaviour&status=open');
      expect(byAddress.body).toContain(`/cases/${world.councilCase.id}"`);
      const byOfficer = await world.councilAgent.get(`/cases/search?leadOfficerId=${world.councilManager.user.id}`);
      expect(byOfficer.body).toContain(`/cases/${world.councilCase.id}"`);
      expect(byOfficer.body).not.toContain(`/cases/${world.partnerCase.id}"`);
      const wrongStatus = await world.councilAgent.get('/cases/search?location=elm+court&status=closed');
      expect(wrongStatus.body).toContain('0 cases found');
    });

    it('pages through many results', async () => {
      const manager = await createUser(testApp, { role: 'case_manager' });
      const agent = await signedInAgent(testApp, manager.user);
      await testApp.database.db
        .insertInto('cases')
        .values(Array.from({ length: 30 }, (_, n) => ({ reference: `VUL-2020-${String(700_000 + n)}`, case_type: 'vulnerability', summary: `Paged ${n}`, lead_organisation_id: manager.user.organisation_id })))
        .execute();
      const first = await agent.get('/cases/search?caseType=vulnerability');
      expect(first.body).toContain('30 cases found');
      expect(first.body).toContain('govuk-pagination');
      expect(first.body).toContain('/cases/search?caseType=vulnerability&amp;page=2');
      const second = await agent.get('/cases/search?caseType=vulnerability&page=2');
      expect((second.body.match(/Paged \d+/g) ?? []).length).toBe(5);
    });

    it('explains bad input and keeps what was typed', async () => {
      const page = await world.councilAgent.get('/cases/search?person=J&location=Ab&reference=ASB');
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('govuk-error-summary');
      expect(page.body).toContain('Enter at least 2 letters of the name');
      expect(page.body).toContain('Enter a postcode, or at least 3 letters of the address');
      expect(page.body).toContain('value="ASB"');
      expect(page.body).toContain('value="Ab"');
    });

    it('records each search in the audit log, and not an empty form', async () => {
      const worker = await createUser(testApp, { role: 'case_worker', organisationId: world.councilManager.user.organisation_id });
      const agent = await signedInAgent(testApp, worker.user);
      expect((await agent.get('/cases/search')).statusCode).toBe(200);
      await agent.get('/cases/search?person=Jon+Smyth&status=open');
      const events = await auditOf(worker.user.id, 'CASE_SEARCHED');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ record_type: 'case', details: { person: 'jon smyth', status: 'open', results: 1 } });
    });
  });

  describe('need to know', () => {
    it('never shows a person known only through a case the organisation neither leads nor takes part in', async () => {
      for (const url of ['/people?name=Jon+Smith', '/people?name=Smith', '/people?name=Jon+Smith&dateOfBirth-year=1975', '/people?name=Jonathan+Smith&postcode=NE6']) {
        const page = await world.councilAgent.get(url);
        expect(page.statusCode, url).toBe(200);
        expect(page.body, url).not.toContain(world.hidden);
      }
      const exact = await world.councilAgent.get('/people?name=Jon+Smith&dateOfBirth-day=5&dateOfBirth-month=5&dateOfBirth-year=1975');
      expect(exact.body).toContain('0 people found');
      expect((await world.councilAgent.get(`/people/${world.hidden}`)).statusCode).toBe(404);
    });

    it('never shows or counts that case in case search', async () => {
      for (const url of [
        `/cases/search?reference=${world.hiddenCase.reference}`,
        '/cases/search?person=Jon+Smith',
        '/cases/search?location=NE6+1AB',
        '/cases/search?location=Hidden+Yard',
        '/cases/search?caseType=hate_incident',
      ]) {
        const results = resultsOf((await world.councilAgent.get(url)).body);
        expect(results, url).toMatch(/\d+ cases? found/);
        expect(results, url).not.toContain(world.hiddenCase.id);
        expect(results, url).not.toContain(world.hiddenCase.reference);
      }
      expect((await world.councilAgent.get(`/cases/search?reference=${world.hiddenCase.reference}`)).body).toContain('0 cases found');
      expect((await world.councilAgent.get('/cases/search?location=NE6+1AB')).body).toContain('0 cases found');
    });
  });

  describe('Download the case list', () => {
    it('streams the list as CSV, row by row as the list filters it, with formulas made harmless, and audits the count', async () => {
      const council = await createOrganisation(testApp, { name: 'Export Council' });
      const police = await createOrganisation(testApp, { name: '@Export Police' });
      await createSharingAgreement(testApp, [police.id, council.id]);
      const manager = await createUser(testApp, { role: 'case_manager', organisationId: council.id, name: 'Morgan Price' });
      const policeManager = await createUser(testApp, { role: 'case_manager', organisationId: police.id, name: '=Evil Officer' });
      const agent = await signedInAgent(testApp, manager.user);
      const policeAgent = await signedInAgent(testApp, policeManager.user);
      const formulaCase = await openCase(agent, { summary: 'Formula in the area', area: '=HYPERLINK("http://evil.example","Click")' });
      const plainCase = await openCase(agent, { summary: 'Plain case', area: 'Byker, east' });
      const partnerCase = await openCase(policeAgent, { summary: 'Police lead, council takes part', area: '-2+3', caseType: 'domestic_abuse' });
      expect((await policeAgent.post(`/cases/${partnerCase.id}/agencies`, { organisationId: council.id })).statusCode).toBe(302);
      const hiddenCase = await openCase(policeAgent, { summary: 'Police only', area: 'Secret' });
      const closedCase = await openCase(agent, { summary: 'Closed case', area: 'Closed area' });
      await testApp.database.db.updateTable('cases').set({ status: 'closed', closed_at: new Date(), outcome_code: 'resolved' }).where('id', '=', closedCase.id).execute();
      // Opened one after another, a second apart, so that the order is certain.
      const opened = [formulaCase, plainCase, partnerCase, hiddenCase, closedCase];
      for (const [index, kase] of opened.entries()) {
        await testApp.database.db.updateTable('cases').set({ opened_at: new Date(Date.UTC(2026, 0, 10, 12, 0, index)) }).where('id', '=', kase.id).execute();
      }

      const response = await agent.get('/cases/export.csv?view=organisation&sort=opened&direction=asc');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(String(response.headers['content-disposition'])).toMatch(/^attachment; filename="cases-\d{4}-\d{2}-\d{2}\.csv"/);
      expect(response.body.startsWith('\uFEFF')).toBe(true);
      expect(response.body).toContain('\r\n');
      const rows = parseCsv(response.body.slice(1));
      expect(rows).toEqual([
        ['Reference', 'Type', 'Status', 'Priority', 'Risk level', 'Lead agency', 'Lead officer', 'Area', 'Opened', 'Next review', 'Closed', 'Outcome'],
        [formulaCase.reference, 'Anti-social behaviour', 'Open', 'Medium', '', 'Export Council', 'Morgan Price', `'=HYPERLINK("http://evil.example","Click")`, '2026-01-10', '', '', ''],
        [plainCase.reference, 'Anti-social behaviour', 'Open', 'Medium', '', 'Export Council', 'Morgan Price', 'Byker, east', '2026-01-10', '', '', ''],
        [partnerCase.reference, 'Domestic abuse', 'Open', 'Medium', '', "'@Export Police", "'=Evil Officer", "'-2+3", '2026-01-10', '', '', ''],
      ]);

      const withClosed = parseCsv((await agent.get('/cases/export.csv?view=organisation&includeClosed=yes&sort=opened&direction=desc')).body.slice(1));
      expect(withClosed.map((row) => row[0])).toEqual(['Reference', closedCase.reference, partnerCase.reference, plainCase.reference, formulaCase.reference]);
      expect(withClosed[1]!.slice(9)).toEqual(['', londonToday(), 'Resolved']);
      expect(withClosed.flat().join(' ')).not.toContain(hiddenCase.reference);
      const mine = parseCsv((await agent.get('/cases/export.csv?view=mine&sort=reference&direction=asc')).body.slice(1));
      expect(mine.slice(1).map((row) => row[0])).toEqual([formulaCase.reference, plainCase.reference].sort());

      const events = await auditOf(manager.user.id, 'CASE_EXPORTED');
      expect(events.map((event) => (event.details as { count: number }).count)).toEqual([3, 4, 2]);
      expect(events[0]).toMatchObject({ record_type: 'case', details: { complete: true, filters: { view: 'organisation', includeClosed: false, sort: 'opened', direction: 'asc' } } });
    });

    it('writes just the headings when there is nothing to download', async () => {
      const manager = await createUser(testApp, { role: 'case_manager' });
      const response = await (await signedInAgent(testApp, manager.user)).get('/cases/export.csv');
      expect(response.statusCode).toBe(200);
      expect(parseCsv(response.body.slice(1))).toHaveLength(1);
    });

    it('is refused to roles without case:export, and offered only to those with it', async () => {
      for (const role of ['case_worker', 'analyst', 'read_only_partner', 'organisation_admin'] as const) {
        const user = await createUser(testApp, { role, organisationId: world.councilManager.user.organisation_id });
        const response = await (await signedInAgent(testApp, user.user)).get('/cases/export.csv');
        expect(response.statusCode, role).toBe(403);
        expect(response.body, role).not.toContain(world.councilCase.reference);
      }
      const worker = await createUser(testApp, { role: 'case_worker', organisationId: world.councilManager.user.organisation_id });
      expect((await (await signedInAgent(testApp, worker.user)).get('/cases')).body).not.toContain('/cases/export.csv');
      expect((await world.councilAgent.get('/cases')).body).toContain('/cases/export.csv?view=organisation');
    });
  });
});

async function buildWorld(testApp: TestApp): Promise<World> {
  const council = await createOrganisation(testApp, { name: 'Lead Council' });
  const police = await createOrganisation(testApp, { name: 'Elsewhere Police', type: 'police' });
  await createSharingAgreement(testApp, [police.id, council.id]);
  const councilManager = await createUser(testApp, { role: 'case_manager', organisationId: council.id });
  const policeManager = await createUser(testApp, { role: 'case_manager', organisationId: police.id });
  const councilAgent = await signedInAgent(testApp, councilManager.user);
  const policeAgent = await signedInAgent(testApp, policeManager.user);

  const councilCase = await openCase(councilAgent, { summary: 'Noise and threats at Elm Court' });
  const john = await addPerson(testApp, councilAgent, councilCase.id, { givenName: 'John', familyName: 'Smith', dateOfBirth: ['4', '3', '1987'] });
  const william = await addPerson(testApp, councilAgent, councilCase.id, { givenName: 'William', familyName: 'Jones', dateOfBirth: ['2', '11', '1990'] });
  const sarah = await addPerson(testApp, councilAgent, councilCase.id, { givenName: 'Sarah', familyName: 'Connolly', aliases: 'Sally Ward' });
  await addPlace(councilAgent, councilCase.id, '12 Elm Court', 'NE6 1AA');

  const partnerCase = await openCase(policeAgent, { summary: 'Police lead with the council taking part', caseType: 'domestic_abuse' });
  expect((await policeAgent.post(`/cases/${partnerCase.id}/agencies`, { organisationId: council.id })).statusCode).toBe(302);
  const gwen = await addPerson(testApp, policeAgent, partnerCase.id, { givenName: 'Gwen', familyName: 'Hughes' });

  // Known to the police alone: alike in name to John Smith, at a place in the same district.
  const hiddenCase = await openCase(policeAgent, { summary: 'Police only', caseType: 'hate_incident' });
  const hidden = await addPerson(testApp, policeAgent, hiddenCase.id, { givenName: 'Jon', familyName: 'Smith', dateOfBirth: ['5', '5', '1975'], aliases: 'Jonathan Smith' });
  await addPlace(policeAgent, hiddenCase.id, '3 Hidden Yard', 'NE6 1AB');
  return { councilManager, councilAgent, john, william, sarah, gwen, hidden, councilCase, partnerCase, hiddenCase };
}

async function openCase(agent: TestAgent, options: { summary: string; area?: string; caseType?: string }) {
  const response = await agent.post('/cases/new', { caseType: options.caseType ?? 'anti_social_behaviour', priority: 'medium', summary: options.summary, area: options.area ?? '' });
  expect(response.statusCode).toBe(302);
  const id = String(response.headers.location).split('/').pop()!;
  const page = await agent.follow(response);
  const reference = /[A-Z]{2,5}-\d{4}-\d{6}/.exec(page.body)![0];
  return { id, reference };
}

async function addPerson(testApp: TestApp, agent: TestAgent, caseId: string, person: { givenName: string; familyName: string; dateOfBirth?: [string, string, string]; aliases?: string }) {
  const [day, month, year] = person.dateOfBirth ?? ['', '', ''];
  const response = await agent.post(`/cases/${caseId}/people/new`, {
    role: 'victim', givenName: person.givenName, familyName: person.familyName, 'dateOfBirth-day': day, 'dateOfBirth-month': month, 'dateOfBirth-year': year, aliases: person.aliases ?? '',
  });
  expect(response.statusCode).toBe(302);
  const row = await testApp.database.db
    .selectFrom('people')
    .innerJoin('case_people', 'case_people.person_id', 'people.id')
    .select('people.id')
    .where('case_people.case_id', '=', caseId)
    .where('people.given_name', '=', person.givenName)
    .where('people.family_name', '=', person.familyName)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function addPlace(agent: TestAgent, caseId: string, addressLine1: string, postcode: string) {
  const response = await agent.post(`/cases/${caseId}/locations/new`, { addressLine1, postcode, locationType: 'dwelling' });
  expect(response.statusCode).toBe(302);
}

/** The page after the search form: the count and the results. */
function resultsOf(body: string): string {
  return body.slice(body.indexOf('</form>', body.indexOf('role="search"')));
}

/** The reasons listed in a person's results row. */
function reasonsFor(body: string, personId: string): string[] {
  const row = body.split('<tr class="govuk-table__row">').find((part) => part.includes(`/people/${personId}"`)) ?? '';
  return [...row.matchAll(/<li>([^<]*)<\/li>/g)].map((match) => match[1]!.replace(/&#39;/g, "'"));
}

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const character = text[i]!;
    if (quoted) {
      if (character === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') {
      row.push(field);
      field = '';
    } else if (character === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += character;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}
