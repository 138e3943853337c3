import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { mulberry32 } from '../server/modules/analytics/nearRepeat/knox.ts';
import { AuditTrail } from '../server/modules/audit/auditTrail.ts';
import { IncidentImportService } from '../server/modules/incidents/incidentImportService.ts';
import { ImportFileStore } from '../server/modules/incidents/importFiles.ts';
import { systemActor } from '../server/shared/actor.ts';
import { createBenchDatabase } from './benchDatabase.ts';
import { round, valueOf } from './benchSupport.ts';

const HEADER = 'Reference,Date,Type,Summary,Address,Postcode,Latitude,Longitude,Person 1 Role,Person 1 Forename,Person 1 Surname,Person 1 DOB,Person 1 Phone,Person 2 Role,Person 2 Forename,Person 2 Surname,Person 2 DOB';
// A council's own codes (mapped below) mixed with partnership codes and police.uk crime types.
const TYPES = ['NOISE-DOM', 'NOISE-COM', 'ASB-PERS', 'WELFARE', 'neighbour_dispute', 'missed_appointment', 'Anti-social behaviour', 'Criminal damage and arson', 'drug_activity', 'Violence and sexual offences'];
const SOURCE_CODES: Record<string, string> = { 'noise-dom': 'noise', 'noise-com': 'noise', 'asb-pers': 'asb_personal', welfare: 'concern_for_welfare' };
const GIVEN = ['Joan', 'Sam', 'Aisha', 'Tom', 'Megan', 'Callum', 'Priya', 'Gareth', 'Nurul', 'Rachel', 'Daniel', 'Kerry', 'Olu', 'Manon', 'Wil'];
const FAMILY = ['Partridge', 'Hale', 'Rahman', 'Walker', 'Jones', 'Reid', 'Shah', 'Evans', 'Hassan', 'Moore', 'Hughes', 'Lawson', 'Adeyemi', 'Smith', 'Brown'];
const STREETS = ['Elm Court', 'Shields Road', 'Heaton Park Road', 'Byker Bank', 'Walker Road', 'Westgate Road', 'Chillingham Road'];
const ROLES = ['victim', 'complainant', 'alleged perpetrator', 'witness', 'person at risk'];

/**
 * `npm run bench -- ingest [--rows N] [--batch N]`: writes N incident rows (default 1,000,000) as
 * a CSV file — mixed date formats, a council's own codes, 0–2 people per incident, about 1% bad
 * rows — then imports it through the same service the browser uses: upload to disk, check every
 * row, import the good ones in one transaction. On real PostgreSQL, in a database of its own.
 */
export async function runIngestBenchmark(args: string[]): Promise<unknown> {
  const rows = Number(valueOf(args, '--rows') ?? 1_000_000);
  const batchSize = Number(valueOf(args, '--batch') ?? 2000);
  const directory = await mkdtemp(path.join(os.tmpdir(), 'oneroof-ingest-'));
  const file = path.join(directory, 'incidents.csv');
  const database = await createBenchDatabase();
  try {
    let started = performance.now();
    const generated = await writeIncidents(file, rows);
    const generateSeconds = (performance.now() - started) / 1000;
    const db = database.handle.db;
    const organisation = await db.insertInto('organisations').values({ name: 'Bench City Council', type: 'district_borough_council' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('incident_category_mappings').values(Object.entries(SOURCE_CODES).map(([source_code, category_code]) => ({ organisation_id: organisation.id, source_code, category_code }))).execute();
    const service = new IncidentImportService(db, new AuditTrail(db), new ImportFileStore(directory), { batchSize });
    const importer = { organisationId: organisation.id, userId: null };
    const actor = systemActor('bench');

    started = performance.now();
    const uploaded = await service.upload(importer, createReadStream(file), 'incidents.csv', 'command', actor);
    const uploadSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await service.startValidation(importer, uploaded.id);
    await service.idle();
    const validateSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await service.startImport(importer, uploaded.id, actor);
    await service.idle();
    const importSeconds = (performance.now() - started) / 1000;

    const result = await db.selectFrom('incident_imports').selectAll().where('id', '=', uploaded.id).executeTakeFirstOrThrow();
    const people = await db.selectFrom('incident_people').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const total = uploadSeconds + validateSeconds + importSeconds;
    return {
      benchmark: 'ingest',
      database: 'PostgreSQL (own database, dropped afterwards)',
      rows,
      fileMiB: round((await stat(file)).size / 1024 / 1024),
      rowsWithPeople: generated.withPeople,
      batchSize,
      status: result.status,
      rowsValid: result.rows_valid,
      rowsInvalid: result.rows_invalid,
      incidentsStored: result.rows_imported,
      peopleStored: Number(people.n),
      generateSeconds: round(generateSeconds),
      uploadSeconds: round(uploadSeconds),
      validateSeconds: round(validateSeconds),
      importSeconds: round(importSeconds),
      wallSeconds: round(total),
      importRowsPerSecond: Math.round(rows / importSeconds),
      overallRowsPerSecond: Math.round(rows / total),
      peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
      targetImportUnder120s: importSeconds < 120,
      note: 'validate and import each read the whole file (the import is a second pass after the report); the machine may be shared, so figures are noisy',
    };
  } finally {
    await database.drop();
    await rm(directory, { recursive: true, force: true });
  }
}

/** Writes the benchmark's CSV file, streamed, and says how many rows name at least one person. */
async function writeIncidents(file: string, rows: number): Promise<{ withPeople: number }> {
  const random = mulberry32(20_260_315);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const out = createWriteStream(file);
  let buffer = `${HEADER}\n`;
  let withPeople = 0;
  const person = () => [pick(ROLES), pick(GIVEN), pick(FAMILY), `${String(1 + Math.floor(random() * 28)).padStart(2, '0')}/${String(1 + Math.floor(random() * 12)).padStart(2, '0')}/${1940 + Math.floor(random() * 65)}`];
  for (let index = 0; index < rows; index += 1) {
    const day = 1 + Math.floor(random() * 28);
    const month = 1 + Math.floor(random() * 12);
    const hour = Math.floor(random() * 24);
    const minute = Math.floor(random() * 60);
    const format = random();
    const pad = (value: number) => String(value).padStart(2, '0');
    let date = format < 0.4 ? `${pad(day)}/${pad(month)}/2025 ${pad(hour)}:${pad(minute)}` : format < 0.7 ? `2025-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:00Z` : format < 0.9 ? `${pad(day)}/${pad(month)}/2025` : `2025-${pad(month)}-${pad(day)}`;
    let latitude = (54.9 + random() * 0.2).toFixed(5);
    const bad = random();
    if (bad < 0.005) date = `31/02/2025`;
    else if (bad < 0.01) latitude = '48.85000';
    const people = random();
    const first = people < 0.85 ? person() : ['', '', '', ''];
    const second = people < 0.25 ? person() : ['', '', '', ''];
    if (people < 0.85) withPeople += 1;
    const line = [
      `INC-${index}`, date, pick(TYPES), 'Reported by phone; officer attended', `${1 + Math.floor(random() * 200)} ${pick(STREETS)}`,
      `NE6 ${1 + Math.floor(random() * 9)}${pick(['AA', 'AB', 'BD', 'HX'])}`, latitude, (-1.7 + random() * 0.2).toFixed(5),
      ...first, people < 0.85 ? `07${String(Math.floor(random() * 1e9)).padStart(9, '0')}` : '', ...second.slice(0, 4),
    ].join(',');
    buffer += `${line}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return { withPeople };
}
