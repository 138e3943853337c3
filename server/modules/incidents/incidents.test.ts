import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { systemActor } from '../../shared/actor.ts';
import { IncidentImportService } from './incidentImportService.ts';
import { ImportFileStore } from './importFiles.ts';

let testApp: TestApp;
const db = () => testApp.database.db;
const unique = () => Math.random().toString(36).slice(2, 8);

const HEADER = 'Reference,Date,Type,Summary,Postcode,Latitude,Longitude,Person 1 Role,Person 1 Forename,Person 1 Surname,Person 1 DOB,Notes';
const GOOD_ROWS = [
  'N-1,14/03/2026 21:40,noise,Loud music,NE6 1AA,54.97,-1.58,complainant,Joan,Partridge,03/02/1948,first',
  'N-2,2026-03-15,neighbour_dispute,Shouting,ne6 1ab,,,victim,Sam,Hale,1990-05-01,',
  'N-3,2026-03-16T08:00:00Z,concern_for_welfare,No answer at the door,,,,,,,,',
];
const BAD_ROW = 'N-4,31/02/2026,noise,Bad date,NE6 1AA,48.85,2.35,,,,,';

function csv(...rows: string[]): string {
  return `${[HEADER, ...rows].join('\r\n')}\r\n`;
}

async function uploader(role: 'case_worker' | 'case_manager' | 'organisation_admin' = 'case_manager') {
  const organisation = await createOrganisation(testApp, { name: `Council ${unique()}` });
  const fixture = await createUser(testApp, { role, organisationId: organisation.id });
  return { organisation, user: fixture.user, agent: await signedInAgent(testApp, fixture.user) };
}

async function upload(agent: TestAgent, content: string | Buffer, fileName = 'incidents.csv') {
  const form = new FormData();
  form.append('file', new Blob([content]), fileName);
  return agent.postMultipart('/incidents/imports/new', form);
}

/** Uploads, accepts the guessed columns, checks the whole file and waits for the report. */
async function uploadAndCheck(agent: TestAgent, content: string | Buffer) {
  const uploaded = await upload(agent, content);
  expect(uploaded.statusCode, uploaded.body).toBe(302);
  const importId = String(uploaded.headers.location).split('/')[3]!;
  const mappingPage = await agent.get(`/incidents/imports/${importId}/mapping`);
  expect(mappingPage.statusCode).toBe(200);
  const columns = Object.fromEntries([...mappingPage.body.matchAll(/<select class="govuk-select[^"]*" id="(column-[^"]+)" name="[^"]+"[^>]*>([\s\S]*?)<\/select>/g)].map((match) => [match[1]!, /<option value="([^"]*)" selected>/.exec(match[2]!)?.[1] ?? '']));
  const saved = await agent.post(`/incidents/imports/${importId}/mapping`, columns);
  expect(saved.statusCode, saved.body).toBe(302);
  expect((await agent.get(`/incidents/imports/${importId}/preview`)).statusCode).toBe(200);
  expect((await agent.post(`/incidents/imports/${importId}/validate`)).statusCode).toBe(302);
  await testApp.services.incidentImports.idle();
  return { importId, report: await agent.get(`/incidents/imports/${importId}`) };
}

async function importGood(agent: TestAgent, importId: string) {
  expect((await agent.post(`/incidents/imports/${importId}/import`)).statusCode).toBe(302);
  await testApp.services.incidentImports.idle();
  return db().selectFrom('incident_imports').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
}

describe.each(availableBackends())('incident import on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
  });
  afterAll(async () => testApp.close());

  describe('the upload journey', () => {
    it('uploads, guesses the columns, reports the bad row and imports the good ones with their people pending linkage', { timeout: 120_000 }, async () => {
      const { agent, organisation } = await uploader();
      const { importId, report } = await uploadAndCheck(agent, csv(...GOOD_ROWS, BAD_ROW));
      expect(report.statusCode).toBe(200);
      expect(report.body).toContain('Check complete');
      expect(report.body).toMatch(/<td class="govuk-table__cell">5<\/td>\s*<td class="govuk-table__cell">Date<\/td>\s*<td class="govuk-table__cell">is not a real date or time<\/td>/);
      expect(report.body).toContain('48.85, 2.35 is outside the United Kingdom');
      expect(report.body).toContain('Import the 3 good rows');
      const errorsCsv = await agent.get(`/incidents/imports/${importId}/errors.csv`);
      expect(errorsCsv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(errorsCsv.body).toContain('5,Date,is not a real date or time');

      const done = await importGood(agent, importId);
      expect(done).toMatchObject({ status: 'imported', rows_total: 4, rows_valid: 3, rows_invalid: 1, rows_imported: 3, rows_already_held: 0 });
      const stored = await db().selectFrom('incidents').selectAll().where('source_organisation_id', '=', organisation.id).orderBy('source_reference').execute();
      expect(stored.map((incident) => [incident.source_reference, incident.category_code, incident.occurred_precision, incident.postcode])).toEqual([
        ['N-1', 'noise', 'minute', 'NE6 1AA'],
        ['N-2', 'neighbour_dispute', 'day', 'NE6 1AB'],
        ['N-3', 'concern_for_welfare', 'minute', null],
      ]);
      expect(stored[0]!.occurred_at.toISOString()).toBe('2026-03-14T21:40:00.000Z');
      const people = await db().selectFrom('incident_people').selectAll().where('incident_id', 'in', stored.map((incident) => incident.id)).orderBy('family_name').execute();
      expect(people.map((person) => [person.role, person.family_name, person.date_of_birth, person.link_status])).toEqual([
        // Linked after the commit: a new person, or one an earlier test's import made.
        ['victim', 'Hale', '1990-05-01', expect.stringMatching(/^(new_person|auto_linked)$/)],
        ['complainant', 'Partridge', '1948-02-03', expect.stringMatching(/^(new_person|auto_linked)$/)],
      ]);

      const list = await agent.get(`/incidents?importId=${importId}`);
      expect(list.statusCode).toBe(200);
      expect(list.body).toContain('3 incidents');
      expect(list.body).toContain('N-1');
      const shown = await agent.get(`/incidents/${stored[0]!.id}`);
      expect(shown.statusCode).toBe(200);
      expect(shown.body).toContain('Partridge');
      expect(shown.body).toMatch(/New person|Matched automatically/);
      const audit = await db().selectFrom('audit_events').select('action').where('record_id', 'in', [importId, stored[0]!.id]).execute();
      expect(audit.map((event) => event.action)).toEqual(expect.arrayContaining(['INCIDENT_IMPORT_UPLOADED', 'INCIDENT_IMPORT_REPORT_VIEWED', 'INCIDENTS_IMPORTED', 'INCIDENT_VIEWED']));
      const history = await agent.get('/incidents/imports');
      expect(history.body).toContain('incidents.csv');
    });

    it('imports nothing when asked, and deletes the file', async () => {
      const { agent, organisation } = await uploader('case_worker');
      const { importId } = await uploadAndCheck(agent, csv(...GOOD_ROWS, BAD_ROW));
      expect((await agent.post(`/incidents/imports/${importId}/discard`)).statusCode).toBe(302);
      const row = await db().selectFrom('incident_imports').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
      expect(row.status).toBe('discarded');
      expect(await count(organisation.id)).toBe(0);
      // A discarded import cannot be imported afterwards.
      await agent.post(`/incidents/imports/${importId}/import`);
      await testApp.services.incidentImports.idle();
      expect(await count(organisation.id)).toBe(0);
    });

    it('re-importing the same file stores nothing twice and says how many were already held', async () => {
      const { agent, organisation } = await uploader();
      const first = await uploadAndCheck(agent, csv(...GOOD_ROWS));
      await importGood(agent, first.importId);
      const second = await uploadAndCheck(agent, csv(...GOOD_ROWS, 'N-9,01/04/2026,noise,New one,,,,,,,,'));
      const done = await importGood(agent, second.importId);
      expect(done).toMatchObject({ rows_imported: 1, rows_already_held: 3 });
      expect(await count(organisation.id)).toBe(4);
      const page = await agent.get(`/incidents/imports/${second.importId}`);
      expect(page.body).toContain('1 incident imported');
      expect(page.body).toContain('3 were already held and were not copied');
    });

    it('saves the chosen columns as a template that the next file with the same columns uses', async () => {
      const { agent, organisation } = await uploader();
      const header = 'Log No,When,Code';
      const uploaded = await upload(agent, `${header}\nL1,01/03/2026,noise\n`);
      const importId = String(uploaded.headers.location).split('/')[3]!;
      const saved = await agent.post(`/incidents/imports/${importId}/mapping`, { 'column-reference': 'Log No', 'column-occurredAt': 'When', 'column-category': 'Code', templateName: 'ASB system' });
      expect(saved.statusCode).toBe(302);
      const template = await db().selectFrom('incident_mapping_templates').selectAll().where('organisation_id', '=', organisation.id).executeTakeFirstOrThrow();
      expect(template).toMatchObject({ name: 'ASB system', mapping: { reference: 'Log No', occurredAt: 'When', category: 'Code' } });
      const next = await upload(agent, `${header}\nL2,02/03/2026,noise\n`);
      const nextRow = await db().selectFrom('incident_imports').select('mapping').where('id', '=', String(next.headers.location).split('/')[3]!).executeTakeFirstOrThrow();
      expect(nextRow.mapping).toEqual({ columns: { reference: 'Log No', occurredAt: 'When', category: 'Code' }, policeUk: false });
    });

    it('refuses a mapping without the essential columns, keeping what was chosen', async () => {
      const { agent } = await uploader();
      const uploaded = await upload(agent, 'Colour,Size\nred,big\n');
      const importId = String(uploaded.headers.location).split('/')[3]!;
      const page = await agent.post(`/incidents/imports/${importId}/mapping`, { 'column-summary': 'Colour' });
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('There is a problem');
      expect(page.body).toContain('Choose the column that holds this');
      expect(page.body).toContain('<option value="Colour" selected>');
      expect(page.body).toContain('Columns not used: Size');
    });
  });

  describe('bad input', () => {
    const uploadProblem = async (content: string | Buffer, fileName = 'incidents.csv') => {
      const { agent } = await uploader();
      const response = await upload(agent, content, fileName);
      return response;
    };

    it('refuses an empty file, a PNG and a zip file on the upload page, storing nothing', async () => {
      const before = await db().selectFrom('incident_imports').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      const empty = await uploadProblem('');
      expect(empty.statusCode).toBe(400);
      expect(empty.body).toContain('The selected file is empty');
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]), Buffer.alloc(64)]);
      const pngResponse = await uploadProblem(png, 'incidents.csv');
      expect(pngResponse.statusCode).toBe(400);
      expect(pngResponse.body).toContain('The selected file is a PNG file, not a CSV file');
      const zip = Buffer.concat([Buffer.from('PK\u0003\u0004', 'latin1'), Buffer.alloc(26), Buffer.from('incidents.csv'), Buffer.alloc(40)]);
      const zipResponse = await uploadProblem(zip, 'incidents.zip');
      expect(zipResponse.statusCode).toBe(400);
      expect(zipResponse.body).toContain('not a CSV file');
      const noFile = await (await uploader()).agent.post('/incidents/imports/new', {});
      expect(noFile.statusCode).toBe(400);
      expect(noFile.body).toContain('Select a CSV file');
      const after = await db().selectFrom('incident_imports').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      // Refused files leave no import behind, except the ones discarded straight away.
      expect(Number(after.n)).toBe(Number(before.n));
    });

    it('reads Windows-1252 and UTF-8 with a byte order mark alike', async () => {
      const text = 'Reference,Date,Type,Summary\nW-1,01/03/2026,noise,Café owner – £50 damage\n';
      const windows = Buffer.from(text.replace('–', '-'), 'latin1');
      const { agent, organisation } = await uploader();
      const first = await uploadAndCheck(agent, windows);
      expect(first.report.body).toContain('The row is good.');
      await importGood(agent, first.importId);
      const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replace('W-1', 'U-1'), 'utf8')]);
      const second = await uploadAndCheck(agent, bom);
      await importGood(agent, second.importId);
      const rows = await db().selectFrom('incidents').select(['source_reference', 'summary']).where('source_organisation_id', '=', organisation.id).orderBy('source_reference').execute();
      expect(rows).toEqual([
        { source_reference: 'U-1', summary: 'Café owner – £50 damage' },
        { source_reference: 'W-1', summary: 'Café owner - £50 damage' },
      ]);
      const encodings = await db().selectFrom('incident_imports').select('encoding').where('id', 'in', [first.importId, second.importId]).orderBy('created_at').execute();
      expect(encodings.map((row) => row.encoding)).toEqual(['windows-1252', 'utf-8-bom']);
    });

    it('reports ragged rows, duplicates within the file and unknown columns with row-level messages', async () => {
      const { agent } = await uploader();
      const content = [
        'Reference,Date,Type,Favourite colour',
        'R-1,01/03/2026,noise,blue',
        'R-2,01/03/2026',
        'R-3,01/03/2026,noise,red,surprise',
        'R-1,02/03/2026,noise,green',
        'R-5,2026-03,noise,',
      ].join('\n');
      const { report, importId } = await uploadAndCheck(agent, content);
      expect(report.body).toContain('has fewer values than the header row has columns (2/4)');
      expect(report.body).toContain('has more values than the header row has columns (5/4)');
      expect(report.body).toContain('repeats the reference of row 2');
      const row = await db().selectFrom('incident_imports').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ rows_total: 5, rows_valid: 2, rows_invalid: 3, rows_duplicate: 1 });
      expect(row.row_errors.map((error) => [error.row, error.field])).toEqual([[3, 'row'], [4, 'row'], [5, 'reference']]);
    });

    it('fails a file that stops being CSV half-way, and stores nothing of it', async () => {
      const { agent, organisation } = await uploader();
      const content = `Reference,Date,Type\nX-1,01/03/2026,noise\nX-2,01/03/2026,"${'x'.repeat(1_100_000)}\n`;
      const { report, importId } = await uploadAndCheck(agent, content);
      expect(report.body).toContain('Import failed');
      expect(report.body).toContain('is too long to be a CSV row');
      expect((await db().selectFrom('incident_imports').select('status').where('id', '=', importId).executeTakeFirstOrThrow()).status).toBe('failed');
      expect(await count(organisation.id)).toBe(0);
    });
  });

  describe('all or nothing', () => {
    it('commits nothing when the database refuses a row half-way through, after earlier batches were written', async () => {
      const organisation = await createOrganisation(testApp);
      await sql`create or replace function refuse_boom() returns trigger language plpgsql as $$ begin if new.source_reference = 'BOOM' then raise exception 'refused by test'; end if; return new; end $$`.execute(db());
      await sql`create trigger refuse_boom before insert on incidents for each row execute function refuse_boom()`.execute(db());
      try {
        const service = new IncidentImportService(db(), testApp.services.audit, new ImportFileStore(testApp.config.dataDir), { batchSize: 2 });
        const rows = ['Reference,Date,Type', ...Array.from({ length: 7 }, (_unused, index) => `OK-${index},01/03/2026,noise`), 'BOOM,01/03/2026,noise', 'OK-9,01/03/2026,noise'];
        const result = await service.importFile({ organisationId: organisation.id, userId: null }, Readable.from([rows.join('\n')]), 'boom.csv', { channel: 'command' }, systemActor('test'));
        expect(result).toMatchObject({ status: 'failed', failure: 'incidents.failures.unexpected', rows_imported: 0, rows_valid: 9 });
        expect(await count(organisation.id)).toBe(0);
        const imported = await db().selectFrom('audit_events').select('action').where('record_id', '=', result.id).execute();
        expect(imported.map((event) => event.action)).not.toContain('INCIDENTS_IMPORTED');
      } finally {
        await sql`drop trigger refuse_boom on incidents`.execute(db());
      }
    });

    it('marks work interrupted by a restart as failed', async () => {
      const organisation = await createOrganisation(testApp);
      const stuck = await db().insertInto('incident_imports').values({ organisation_id: organisation.id, channel: 'upload', status: 'importing' }).returning('id').executeTakeFirstOrThrow();
      expect(await testApp.services.incidentImports.recoverInterrupted()).toBeGreaterThanOrEqual(1);
      const row = await db().selectFrom('incident_imports').select(['status', 'failure']).where('id', '=', stuck.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'failed', failure: 'incidents.failures.interrupted' });
    });

    it("a start-up fails only work whose process stopped beating, not another live process's import", async () => {
      const organisation = await createOrganisation(testApp);
      const running = (status: 'validating' | 'importing', heartbeat: ReturnType<typeof sql<Date>>) =>
        db().insertInto('incident_imports').values({ organisation_id: organisation.id, channel: 'upload', status, heartbeat_at: heartbeat }).returning('id').executeTakeFirstOrThrow();
      const live = await running('importing', sql<Date>`now() - interval '20 seconds'`);
      const liveChecking = await running('validating', sql<Date>`now()`);
      const stale = await running('importing', sql<Date>`now() - interval '10 minutes'`);
      const staleChecking = await running('validating', sql<Date>`now() - interval '3 minutes'`);
      // A second process starting on the same database.
      const secondProcess = new IncidentImportService(db(), testApp.services.audit, new ImportFileStore(testApp.config.dataDir), { staleAfterMs: 120_000 });
      expect(await secondProcess.recoverInterrupted()).toBe(2);
      const statusOf = async (id: string) => (await db().selectFrom('incident_imports').select(['status', 'failure']).where('id', '=', id).executeTakeFirstOrThrow());
      expect(await statusOf(live.id)).toEqual({ status: 'importing', failure: null });
      expect(await statusOf(liveChecking.id)).toEqual({ status: 'validating', failure: null });
      expect(await statusOf(stale.id)).toEqual({ status: 'failed', failure: 'incidents.failures.interrupted' });
      expect(await statusOf(staleChecking.id)).toEqual({ status: 'failed', failure: 'incidents.failures.interrupted' });
      // Once the live one stops beating too, the next sweep fails it.
      await db().updateTable('incident_imports').set({ heartbeat_at: sql<Date>`now() - interval '121 seconds'` }).where('id', '=', live.id).execute();
      expect(await secondProcess.recoverInterrupted()).toBe(1);
      expect(await statusOf(live.id)).toEqual({ status: 'failed', failure: 'incidents.failures.interrupted' });
      expect(await statusOf(liveChecking.id)).toEqual({ status: 'validating', failure: null });
      await db().updateTable('incident_imports').set({ status: 'failed' }).where('id', '=', liveChecking.id).execute();
    });

    it('stamps a heartbeat when work starts, and work failed by a sweep meanwhile cannot finish as imported', async () => {
      const { agent } = await uploader();
      const { importId } = await uploadAndCheck(agent, csv(...GOOD_ROWS));
      const checked = await db().selectFrom('incident_imports').select(['status', 'heartbeat_at']).where('id', '=', importId).executeTakeFirstOrThrow();
      expect(checked.status).toBe('validated');
      expect(checked.heartbeat_at).toBeInstanceOf(Date);
      const organisationId = (await db().selectFrom('incident_imports').select('organisation_id').where('id', '=', importId).executeTakeFirstOrThrow()).organisation_id;
      const importing = new IncidentImportService(db(), testApp.services.audit, new ImportFileStore(testApp.config.dataDir), { staleAfterMs: 120_000 });
      await importing.startImport({ organisationId, userId: null }, importId, systemActor('test'));
      // Another process's sweep judges this import stopped before its transaction has finished.
      const swept = await db().updateTable('incident_imports').set({ status: 'failed', failure: 'incidents.failures.interrupted' }).where('id', '=', importId).where('status', '=', 'importing').executeTakeFirst();
      expect(Number(swept.numUpdatedRows)).toBe(1);
      await importing.idle();
      const row = await db().selectFrom('incident_imports').select(['status', 'failure', 'rows_imported']).where('id', '=', importId).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'failed', failure: 'incidents.failures.interrupted', rows_imported: 0 });
      expect((await db().selectFrom('incidents').select('id').where('import_id', '=', importId).execute()).length).toBe(0);
    });
  });

  describe('police.uk files', () => {
    it('imports street-level ASB rows as they come, by month, idempotently, with the licence shown', async () => {
      const { agent, organisation, user } = await uploader();
      const { readFileSync } = await import('node:fs');
      const lines = readFileSync(new URL('../../db/seeds/data/northumbria_asb_2022_street_sample.csv', import.meta.url), 'utf8').split('\n').slice(0, 121).join('\n');
      const importer = { organisationId: organisation.id, userId: user.id };
      const first = await testApp.services.incidentImports.importFile(importer, Readable.from([lines]), 'northumbria.csv', { channel: 'upload' }, systemActor('test'));
      expect(first).toMatchObject({ status: 'imported', channel: 'police_uk', rows_total: 120, rows_invalid: 0, rows_imported: 120 });
      const again = await testApp.services.incidentImports.importFile(importer, Readable.from([lines]), 'northumbria.csv', { channel: 'police_uk' }, systemActor('test'));
      expect(again).toMatchObject({ status: 'imported', rows_imported: 0, rows_already_held: 120 });
      const sample = await db().selectFrom('incidents').selectAll().where('source_organisation_id', '=', organisation.id).orderBy('source_reference').limit(1).executeTakeFirstOrThrow();
      expect(sample).toMatchObject({ occurred_precision: 'month', category_code: 'asb_nuisance', source_category: 'Anti-social behaviour', lsoa_code: expect.stringMatching(/^E01/) });
      expect(sample.address).toMatch(/^On or near /);
      const list = await agent.get('/incidents');
      expect(list.body).toContain('Open Government Licence v3.0');
      expect((await agent.get(`/incidents/${sample.id}`)).body).toContain('licensed under the Open Government Licence v3.0');
    });
  });

  describe('access', () => {
    it("answers 'not found' for another organisation's incidents and imports, and leaves them out of lists", async () => {
      const owner = await uploader();
      const { importId } = await uploadAndCheck(owner.agent, csv(GOOD_ROWS[0]!));
      await importGood(owner.agent, importId);
      const incident = await db().selectFrom('incidents').select('id').where('source_organisation_id', '=', owner.organisation.id).executeTakeFirstOrThrow();
      const stranger = await uploader();
      expect((await stranger.agent.get(`/incidents/${incident.id}`)).statusCode).toBe(404);
      expect((await stranger.agent.get(`/incidents/imports/${importId}`)).statusCode).toBe(404);
      expect((await stranger.agent.get(`/incidents/imports/${importId}/errors.csv`)).statusCode).toBe(404);
      expect((await stranger.agent.post(`/incidents/imports/${importId}/discard`)).statusCode).toBe(404);
      expect((await stranger.agent.get('/incidents')).body).not.toContain('Partridge');
      expect((await stranger.agent.get(`/incidents?importId=${importId}`)).body).toContain('0 incidents');
      expect((await stranger.agent.get('/incidents/not-a-uuid')).statusCode).toBe(404);
      // An analyst may see incidents but not upload them.
      const analyst = await createUser(testApp, { role: 'analyst', organisationId: owner.organisation.id });
      const analystAgent = await signedInAgent(testApp, analyst.user);
      expect((await analystAgent.get(`/incidents/${incident.id}`)).statusCode).toBe(200);
      expect((await analystAgent.get('/incidents/imports/new')).statusCode).toBe(403);
    });
  });
});

async function count(organisationId: string): Promise<number> {
  const row = await db().selectFrom('incidents').select((eb) => eb.fn.countAll<string>().as('n')).where('source_organisation_id', '=', organisationId).executeTakeFirstOrThrow();
  return Number(row.n);
}
