import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { mulberry32 } from '../server/modules/analytics/nearRepeat/knox.ts';
import { AuditTrail } from '../server/modules/audit/auditTrail.ts';
import { IncidentImportService } from '../server/modules/incidents/incidentImportService.ts';
import { ImportFileStore } from '../server/modules/incidents/importFiles.ts';
import { normalisePostcode, parseDateOfBirth } from '../server/modules/incidents/incidentRecord.ts';
import { LinkageService } from '../server/modules/linkage/linkageService.ts';
import { syntheticIncidentPeople } from '../server/modules/linkage/synthetic.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../server/db/schema.ts';
import { systemActor } from '../server/shared/actor.ts';
import { createBenchDatabase } from './benchDatabase.ts';
import { round, valueOf } from './benchSupport.ts';

const HEADER = 'Reference,Date,Type,Summary,Address,Postcode,Latitude,Longitude,Person 1 Role,Person 1 Forename,Person 1 Surname,Person 1 DOB,Person 1 Phone,Person 1 Address,Person 1 Postcode,Person 2 Role,Person 2 Forename,Person 2 Surname,Person 2 DOB,Person 2 Address,Person 2 Postcode';
// A council's own codes (mapped below) mixed with partnership codes and police.uk crime types.
const TYPES = ['NOISE-DOM', 'NOISE-COM', 'ASB-PERS', 'WELFARE', 'neighbour_dispute', 'missed_appointment', 'Anti-social behaviour', 'Criminal damage and arson', 'drug_activity', 'Violence and sexual offences'];
const SOURCE_CODES: Record<string, string> = { 'noise-dom': 'noise', 'noise-com': 'noise', 'asb-pers': 'asb_personal', welfare: 'concern_for_welfare' };
const STREETS = ['Elm Court', 'Shields Road', 'Heaton Park Road', 'Byker Bank', 'Walker Road', 'Westgate Road', 'Chillingham Road'];
// The second person named is always the alleged perpetrator, so the benchmark knows which record is which.
const FIRST_ROLES = ['victim', 'complainant', 'witness', 'person at risk'];

/**
 * `npm run bench -- ingest [--rows N] [--batch N] [--no-link]`: writes N incident rows (default 1,000,000) as
 * a CSV file — mixed date formats, a council's own codes, 0–2 people per incident, about 1% bad
 * rows — then imports it through the same service the browser uses: upload to disk, check every
 * row, import the good ones in one transaction, then link the people it named (as the app does
 * after an import commits). On real PostgreSQL, in a database of its own.
 */
export async function runIngestBenchmark(args: string[]): Promise<unknown> {
  const rows = Number(valueOf(args, '--rows') ?? 1_000_000);
  const batchSize = Number(valueOf(args, '--batch') ?? 5000);
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
    // Entity resolution of every person the file named, as the app does after an import commits.
    const linking = args.includes('--no-link') ? null : await new LinkageService(db, new AuditTrail(db)).linkPending({ actor });
    const quality = linking ? await linkageQuality(db, generated.truth) : null;
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
      invalidRowsByProblem: problemCounts(result.row_errors),
      incidentsStored: result.rows_imported,
      peopleStored: Number(people.n),
      generateSeconds: round(generateSeconds),
      uploadSeconds: round(uploadSeconds),
      validateSeconds: round(validateSeconds),
      importSeconds: round(importSeconds),
      wallSeconds: round(total),
      linking: linking && { ...linking, seconds: round(linking.seconds), quality },
      wallSecondsIncludingLinking: linking ? round(total + linking.seconds) : null,
      targetIncludingLinkingUnder600s: linking ? total + linking.seconds < 600 : null,
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

/** Which synthetic person each row's first and second person is (-1: none), for linkage quality. */
interface PeopleTruth {
  first: Int32Array;
  second: Int32Array;
}

/**
 * Writes the benchmark's CSV file, streamed. The people come from a population of rows ÷ 2
 * synthetic people (so the same people recur across incidents), each mention a FEBRL-style
 * corrupted copy: the linkage step then has real work and a known answer.
 */
async function writeIncidents(file: string, rows: number): Promise<{ withPeople: number; truth: PeopleTruth }> {
  const random = mulberry32(20_260_315);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const mentions = syntheticIncidentPeople(Math.ceil(rows * 1.2), Math.max(10, Math.floor(rows / 2)));
  let nextMention = 0;
  const truth: PeopleTruth = { first: new Int32Array(rows).fill(-1), second: new Int32Array(rows).fill(-1) };
  const out = createWriteStream(file);
  let buffer = `${HEADER}\n`;
  let withPeople = 0;
  const ukDate = (yyyymmdd: string) => (yyyymmdd.length === 8 ? `${yyyymmdd.slice(6, 8)}/${yyyymmdd.slice(4, 6)}/${yyyymmdd.slice(0, 4)}` : '');
  const person = (role: string, slot: Int32Array, index: number, withPhone: boolean) => {
    const mention = nextMention % mentions.records.length;
    nextMention += 1;
    slot[index] = mentions.truth[mention]!;
    const record = mentions.records[mention]!;
    const address = [record.streetNumber, record.addressLine].filter(Boolean).join(' ') + (record.locality ? `, ${record.locality}` : '');
    // A typo can make a birth date or postcode that is not one; an agency's system would not
    // hold those, so they are left blank (the row's own bad dates and places are the 1% below).
    const dateOfBirth = parseDateOfBirth(ukDate(record.dateOfBirth)) ? ukDate(record.dateOfBirth) : '';
    const postcode = normalisePostcode(record.postcode) ? record.postcode : '';
    return [role, record.givenName, record.surname, dateOfBirth, ...(withPhone ? [record.phone] : []), `"${address}"`, postcode];
  };
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
    const first = people < 0.85 ? person(pick(FIRST_ROLES), truth.first, index, true) : ['', '', '', '', '', '', ''];
    const second = people < 0.25 ? person('alleged perpetrator', truth.second, index, false) : ['', '', '', '', '', ''];
    if (people < 0.85) withPeople += 1;
    const line = [
      `INC-${index}`, date, pick(TYPES), 'Reported by phone; officer attended', `${1 + Math.floor(random() * 200)} ${pick(STREETS)}`,
      `NE6 ${1 + Math.floor(random() * 9)}${pick(['AA', 'AB', 'BD', 'HX'])}`, latitude, (-1.7 + random() * 0.2).toFixed(5),
      ...first, ...second,
    ].join(',');
    buffer += `${line}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return { withPeople, truth };
}

/**
 * Pairwise precision and recall of the linking: two stored records are a predicted pair when
 * linked to the same OneRoof person, a true pair when they are the same synthetic person.
 */
async function linkageQuality(db: Kysely<Database>, truth: PeopleTruth) {
  const rows = await db
    .selectFrom('incident_people')
    .innerJoin('incidents', 'incidents.id', 'incident_people.incident_id')
    .select(['incidents.source_reference', 'incident_people.role', 'incident_people.person_id'])
    .execute();
  const predicted = new Map<string, number>();
  const actual = new Map<number, number>();
  const both = new Map<string, number>();
  const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const row of rows) {
    const index = Number(row.source_reference.slice('INC-'.length));
    const person = (row.role === 'alleged_perpetrator' ? truth.second : truth.first)[index]!;
    bump(actual, person);
    if (row.person_id) {
      bump(predicted, row.person_id);
      bump(both, `${row.person_id}|${person}`);
    }
  }
  const pairs = (map: Map<unknown, number>) => [...map.values()].reduce((sum, n) => sum + (n * (n - 1)) / 2, 0);
  const truePositives = pairs(both as Map<unknown, number>);
  const precision = truePositives / Math.max(1, pairs(predicted as Map<unknown, number>));
  const recall = truePositives / Math.max(1, pairs(actual as Map<unknown, number>));
  return { records: rows.length, distinctPeople: actual.size, oneRoofPeople: predicted.size, precision: round(precision), recall: round(recall), f1: round((2 * precision * recall) / Math.max(1e-9, precision + recall)) };
}

/** How many of the stored row errors name each field and problem (the report keeps the first ones). */
function problemCounts(rowErrors: unknown): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const error of Array.isArray(rowErrors) ? (rowErrors as { field?: string; message?: string }[]) : []) {
    const key = `${error.field ?? '?'}: ${error.message ?? '?'}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
