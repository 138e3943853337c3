import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Database, IncidentImportMapping, IncidentImportRow, IncidentRowError } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { Conflict, NotFound, ValidationFailed } from '../../shared/errors.ts';
import { IntervalJob, type JobLogger } from '../../shared/intervalJob.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { guessMapping, looksLikePoliceUk, mappableFields, POLICE_UK_TEMPLATE_ID, policeUkMapping } from './incidentFields.ts';
import type { ValidIncident } from './incidentRecord.ts';
import { ImportFileProblem, ImportFileStore, readCsv, readHeaders } from './importFiles.ts';
import { mappingProblems, RowChecker, type RowOutcome } from './importRows.ts';
import { IncidentsRepository, type MappingTemplate } from './incidentsRepository.ts';

/** Who is importing: a signed-in user, or an operator naming the organisation. */
export interface Importer {
  organisationId: string;
  userId: string | null;
}

export interface ImportProgress {
  phase: 'validating' | 'importing';
  bytes: number;
  rows: number;
}

export interface ImportOptions {
  /** Incidents stored per statement. */
  batchSize?: number;
  /** The report keeps this many row problems; the counts cover every row. */
  maxStoredErrors?: number;
  /** Runs after an import has committed, outside its transaction: entity resolution of the new people. */
  afterCommit?: (importId: string) => Promise<void>;
  /** Running work with no heartbeat for this long belongs to a process that has stopped; it is failed. */
  staleAfterMs?: number;
}

export type ChannelOfFile = 'upload' | 'police_uk' | 'command';

const DEFAULT_BATCH = 5000;
const DEFAULT_MAX_ERRORS = 10_000;
const PROGRESS_EVERY_MS = 500;
const DEFAULT_STALE_AFTER_MS = 120_000;
const MAX_HEARTBEAT_EVERY_MS = 15_000;
/** Where a heartbeat that could not be written is reported; the service has no request logger. */
const consoleLog: JobLogger = { info: () => undefined, error: (details, message) => console.error(message, details) };

/**
 * CSV imports of incidents, step by step: upload (to disk), mapping, preview, validation of the
 * whole file, then import of the good rows in ONE transaction, or nothing. Validation and import
 * run in the background in this process; their live progress is kept in memory, their outcome
 * in `incident_imports`. See ADR on streaming imports.
 */
export class IncidentImportService {
  readonly #audit: AuditTrail;
  readonly #repository: IncidentsRepository;
  readonly #files: ImportFileStore;
  readonly #options: Required<Omit<ImportOptions, 'afterCommit'>> & Pick<ImportOptions, 'afterCommit'>;
  readonly #progress = new Map<string, ImportProgress>();
  readonly #running = new Set<Promise<void>>();
  #sweep: IntervalJob<number> | undefined;

  constructor(db: Kysely<Database>, audit: AuditTrail, files: ImportFileStore, options: ImportOptions = {}) {
    this.#audit = audit;
    this.#repository = new IncidentsRepository(db);
    this.#files = files;
    this.#options = {
      batchSize: options.batchSize ?? DEFAULT_BATCH,
      maxStoredErrors: options.maxStoredErrors ?? DEFAULT_MAX_ERRORS,
      staleAfterMs: options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
      afterCommit: options.afterCommit,
    };
  }

  /** Lets the linkage module be attached after both services exist. */
  set afterCommit(hook: ((importId: string) => Promise<void>) | undefined) {
    this.#options.afterCommit = hook;
  }

  /** Streams an upload to disk and reads its header row; a file that is empty or not CSV is refused here (ImportFileProblem). */
  async upload(importer: Importer, source: Readable, fileName: string, channel: ChannelOfFile, actor: Actor): Promise<IncidentImportRow> {
    const received = await this.#files.receive(source);
    let headers: string[];
    try {
      headers = await readHeaders(this.#files.pathOf(received.storageKey), received.encoding);
    } catch (error) {
      await this.#files.remove(received.storageKey);
      throw error;
    }
    const templates = await this.#repository.templates(importer.organisationId);
    const policeUk = channel === 'police_uk' || looksLikePoliceUk(headers);
    const mapping = policeUk ? policeUkMapping : guessMapping(headers);
    const saved = policeUk ? undefined : templates.find((template) => sameHeaders(template.mapping, headers));
    return this.#audit.run(actor, async (trx, audit) => {
      const row = await this.#repository.createImport(
        { organisationId: importer.organisationId, createdBy: importer.userId, channel: policeUk ? 'police_uk' : channel, fileName, fileBytes: received.sizeBytes, sha256: received.sha256, storageKey: received.storageKey, encoding: received.encoding, headers, mapping: saved?.mapping ?? mapping },
        trx,
      );
      audit({ action: 'INCIDENT_IMPORT_UPLOADED', recordType: 'incident_import', recordId: row.id, details: { fileName, bytes: received.sizeBytes, encoding: received.encoding } });
      return row;
    });
  }

  async get(importer: Importer, importId: string): Promise<IncidentImportRow> {
    const row = await this.#repository.findImport(importId, importer.organisationId);
    if (!row) throw new NotFound();
    return row;
  }

  templates(importer: Importer): Promise<MappingTemplate[]> {
    return this.#repository.templates(importer.organisationId);
  }

  /** A saved template (or the built-in police.uk one) as the mapping for this import. */
  async applyTemplate(importer: Importer, importId: string, templateId: string): Promise<void> {
    const row = await this.#requireStatus(importer, importId, ['uploaded']);
    const template = templateId === POLICE_UK_TEMPLATE_ID ? { mapping: policeUkMapping } : await this.#repository.template(importer.organisationId, templateId);
    if (!template) throw new NotFound();
    await this.#repository.updateImport(row.id, { mapping: JSON.stringify(template.mapping) });
  }

  /** Records the chosen mapping (and saves it as a template when named); refuses one that cannot work for this file. */
  async saveMapping(importer: Importer, importId: string, mapping: IncidentImportMapping, templateName: string | undefined, actor: Actor): Promise<void> {
    const row = await this.#requireStatus(importer, importId, ['uploaded']);
    const problems = mappingProblems(row.headers, mapping);
    await this.#repository.updateImport(row.id, { mapping: JSON.stringify(mapping) });
    if (problems.length > 0) throw new ValidationFailed(Object.fromEntries(problems.map((problem) => [`column-${problem.field}`, problem.message])));
    if (templateName) {
      await this.#audit.run(actor, async (trx, audit) => {
        const templateId = await this.#repository.saveTemplate(trx, importer.organisationId, templateName, mapping, importer.userId);
        await this.#repository.updateImport(row.id, { template_id: templateId }, trx);
        audit({ action: 'INCIDENT_MAPPING_TEMPLATE_SAVED', recordType: 'incident_mapping_template', recordId: templateId, details: { name: templateName } });
      });
    }
  }

  /** The first rows as the mapping reads them, each checked. Reading them is a read of personal data. */
  async preview(importer: Importer, importId: string, rows: number, actor: Actor): Promise<{ row: IncidentImportRow; outcomes: RowOutcome[]; fileProblem?: ImportFileProblem }> {
    const row = await this.#requireStatus(importer, importId, ['uploaded']);
    if (!row.mapping || mappingProblems(row.headers, row.mapping).length > 0) throw new Conflict('incidents.mapping.incomplete');
    const checker = new RowChecker(row.headers, row.mapping, await this.#repository.categoryLookup(importer.organisationId));
    const outcomes: RowOutcome[] = [];
    let fileProblem: ImportFileProblem | undefined;
    const reading = await this.#read(row);
    try {
      for await (const record of reading.records) {
        outcomes.push(checker.check(record));
        if (outcomes.length >= rows) break;
      }
    } catch (error) {
      // The whole-file check reports this too; the preview shows the rows before it.
      if (!(error instanceof ImportFileProblem)) throw error;
      fileProblem = error;
    } finally {
      reading.close();
    }
    await this.#audit.record(actor, { action: 'INCIDENT_IMPORT_PREVIEWED', recordType: 'incident_import', recordId: row.id, details: { rows: outcomes.length } });
    return { row, outcomes, ...(fileProblem ? { fileProblem } : {}) };
  }

  /** Starts checking every row in the background; the status page follows it. */
  async startValidation(importer: Importer, importId: string): Promise<void> {
    const row = await this.#requireStatus(importer, importId, ['uploaded']);
    if (!row.mapping || mappingProblems(row.headers, row.mapping).length > 0) throw new Conflict('incidents.mapping.incomplete');
    if (!(await this.#repository.claimImport(row.id, 'uploaded', 'validating'))) throw new Conflict('incidents.status.alreadyStarted');
    this.#background(row.id, () => this.#validate(row.id));
  }

  /** Starts importing the good rows in the background: all of them commit, or none. */
  async startImport(importer: Importer, importId: string, actor: Actor): Promise<void> {
    const row = await this.#requireStatus(importer, importId, ['validated']);
    if (row.rows_valid === 0) throw new Conflict('incidents.status.nothingToImport');
    if (!(await this.#repository.claimImport(row.id, 'validated', 'importing'))) throw new Conflict('incidents.status.alreadyStarted');
    this.#background(row.id, () => this.#import(row.id, actor));
  }

  /** Imports nothing: the file is deleted and the import kept in the history as discarded. */
  async discard(importer: Importer, importId: string, actor: Actor): Promise<void> {
    const row = await this.#requireStatus(importer, importId, ['uploaded', 'validated']);
    if (!(await this.#repository.claimImport(row.id, row.status, 'discarded', { finished_at: new Date() }))) throw new Conflict('incidents.status.alreadyStarted');
    await this.#files.remove(row.storage_key);
    await this.#audit.record(actor, { action: 'INCIDENT_IMPORT_DISCARDED', recordType: 'incident_import', recordId: row.id });
  }

  /** The import as stored, with how far its background work has got. */
  async status(importer: Importer, importId: string): Promise<{ row: IncidentImportRow; progress: ImportProgress | undefined; percent: number }> {
    const row = await this.get(importer, importId);
    const progress = this.#progress.get(row.id);
    const total = Number(row.file_bytes ?? 0);
    const percent = progress && total > 0 ? Math.min(99, Math.floor((progress.bytes / total) * 100)) : ['validated', 'imported'].includes(row.status) ? 100 : 0;
    return { row, progress, percent };
  }

  /** The rows the validation refused, as the report shows them (the stored ones; counts cover all). */
  async report(importer: Importer, importId: string, actor: Actor): Promise<IncidentImportRow> {
    const row = await this.get(importer, importId);
    await this.#audit.record(actor, { action: 'INCIDENT_IMPORT_REPORT_VIEWED', recordType: 'incident_import', recordId: row.id });
    return row;
  }

  history(importer: Importer, page: number, pageSize: number) {
    return this.#repository.listImports(importer.organisationId, pageSize, (page - 1) * pageSize);
  }

  /**
   * Work whose process stopped (killed, crashed, restarted) is marked failed: its transaction never
   * committed. Several processes may share the database, so "running" alone proves nothing; each
   * process's running work beats a heartbeat in its row, and only work whose heartbeat is older
   * than `staleAfterMs` is failed. A heartbeat needs no extra connection held open, works on the
   * embedded store, and the database's clock judges it, so process clocks need not agree.
   * Run at start-up and then by the sweep, so an import killed with its process ends failed
   * without anyone restarting anything.
   */
  async recoverInterrupted(): Promise<number> {
    const failed = await this.#repository.failInterrupted(this.#options.staleAfterMs / 1000);
    for (const row of failed) await this.#files.remove(row.storage_key);
    return failed.length;
  }

  /** Starts the sweep for work left by stopped processes, every half of the stale time. */
  startSweeping(log: JobLogger): void {
    this.#sweep ??= new IntervalJob(() => this.recoverInterrupted(), { log, everyMs: this.#options.staleAfterMs / 2, failureMessage: 'sweep of interrupted incident imports failed' });
    this.#sweep.start();
  }

  async stopSweeping(): Promise<void> {
    await this.#sweep?.stop();
  }

  /** Resolves when no background work is running (tests, the command line, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /**
   * A whole file in one call, waiting for each step: the command line, the demo data and the
   * benchmark. Stops after validation when `requireClean` and any row is refused.
   */
  async importFile(importer: Importer, source: Readable, fileName: string, options: { channel: ChannelOfFile; mapping?: IncidentImportMapping; requireClean?: boolean }, actor: Actor): Promise<IncidentImportRow> {
    const uploaded = await this.upload(importer, source, fileName, options.channel, actor);
    if (options.mapping) await this.#repository.updateImport(uploaded.id, { mapping: JSON.stringify(options.mapping) });
    await this.startValidation(importer, uploaded.id);
    await this.idle();
    const validated = await this.#repository.importById(uploaded.id);
    if (validated.status !== 'validated' || validated.rows_valid === 0 || (options.requireClean && validated.rows_invalid > 0)) return validated;
    await this.startImport(importer, uploaded.id, actor);
    await this.idle();
    return this.#repository.importById(uploaded.id);
  }

  async #requireStatus(importer: Importer, importId: string, statuses: IncidentImportRow['status'][]): Promise<IncidentImportRow> {
    const row = await this.get(importer, importId);
    if (!statuses.includes(row.status)) throw new Conflict('incidents.status.notNow');
    return row;
  }

  #background(importId: string, work: () => Promise<void>): void {
    const heartbeat = this.#heartbeat(importId);
    const job = work()
      .catch(async (error: unknown) => {
        if (error instanceof ImportNoLongerRunning) return;
        const failure = error instanceof ImportFileProblem ? error.messageKey : 'incidents.failures.unexpected';
        const values = error instanceof ImportFileProblem ? error.values : {};
        if (!(error instanceof ImportFileProblem)) console.error(`Incident import ${importId} failed`, error);
        const row = await this.#repository.importById(importId);
        await this.#repository.failRunning(importId, { failure, row_errors: JSON.stringify(failureErrors(values)), finished_at: new Date(), rows_imported: 0 });
        await this.#files.remove(row.storage_key);
      })
      .catch((error: unknown) => console.error(`Incident import ${importId} could not record its failure`, error))
      .finally(() => {
        void heartbeat.stop();
        this.#progress.delete(importId);
        this.#running.delete(job);
      });
    this.#running.add(job);
  }

  /**
   * Beats several times per stale period. A beat still waiting (on the row the import's own
   * transaction holds) is not stacked: the interval job skips a tick while the last one runs.
   */
  #heartbeat(importId: string): IntervalJob<void> {
    const beat = new IntervalJob(() => this.#repository.touchRunning([importId]), {
      log: consoleLog,
      everyMs: Math.min(this.#options.staleAfterMs / 4, MAX_HEARTBEAT_EVERY_MS),
      failureMessage: `Incident import ${importId} could not record its heartbeat`,
    });
    beat.start();
    return beat;
  }

  async #read(row: IncidentImportRow, phase?: ImportProgress['phase']) {
    const progress: ImportProgress | undefined = phase ? { phase, bytes: 0, rows: 0 } : undefined;
    if (progress) this.#progress.set(row.id, progress);
    return readCsv(this.#files.pathOf(row.storage_key!), row.encoding ?? 'utf-8', progress ? (bytes) => (progress.bytes = bytes) : undefined);
  }

  async #validate(importId: string): Promise<void> {
    const row = await this.#repository.importById(importId);
    const checker = new RowChecker(row.headers, row.mapping!, await this.#repository.categoryLookup(row.organisation_id));
    const counts = { total: 0, valid: 0, invalid: 0, duplicate: 0 };
    const errors: IncidentRowError[] = [];
    const reading = await this.#read(row, 'validating');
    const progress = this.#progress.get(importId)!;
    let lastWrite = Date.now();
    for await (const record of reading.records) {
      const outcome = checker.check(record);
      counts.total += 1;
      progress.rows = counts.total;
      if (outcome.ok) counts.valid += 1;
      else {
        counts.invalid += 1;
        if (outcome.duplicate) counts.duplicate += 1;
        for (const problem of outcome.problems) if (errors.length < this.#options.maxStoredErrors) errors.push({ row: outcome.row, ...problem });
      }
      if (Date.now() - lastWrite > PROGRESS_EVERY_MS) {
        lastWrite = Date.now();
        // Lets other work in the process (the status page) run during a long file.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const finished = await this.#repository.claimImport(importId, 'validating', 'validated', {
      rows_total: counts.total,
      rows_valid: counts.valid,
      rows_invalid: counts.invalid,
      rows_duplicate: counts.duplicate,
      row_errors: JSON.stringify(errors),
      bytes_processed: progress.bytes,
    });
    if (!finished) throw new ImportNoLongerRunning();
  }

  /** Reads the file again, stores every good row in batches inside one transaction, and only then marks the import done. */
  async #import(importId: string, actor: Actor): Promise<void> {
    const row = await this.#repository.importById(importId);
    const outcome = await this.#audit.run(actor, async (trx, audit) => {
      const checker = new RowChecker(row.headers, row.mapping!, await this.#repository.categoryLookup(row.organisation_id, trx));
      const reading = await this.#read(row, 'importing');
      const progress = this.#progress.get(importId)!;
      let batch: ValidIncident[] = [];
      let created = 0;
      let alreadyHeld = 0;
      // One batch is stored while the next is read and checked, so parsing and the database work
      // side by side. A failed store rejects `storing`; the next await rethrows it and the
      // transaction rolls back as before.
      let storing: Promise<void> = Promise.resolve();
      const flush = async () => {
        const sending = batch;
        batch = [];
        await storing;
        if (sending.length === 0) return;
        storing = this.#repository.storeBatch(trx, row.organisation_id, importId, sending).then((stored) => {
          created += stored.created.length;
          alreadyHeld += stored.alreadyHeld;
        });
        storing.catch(() => undefined);
      };
      for await (const record of reading.records) {
        const checked = checker.check(record);
        progress.rows += 1;
        if (!checked.ok) continue;
        batch.push(checked.incident);
        if (batch.length >= this.#options.batchSize) await flush();
      }
      await flush();
      await storing;
      // A sweep that judged this import stopped has failed it and removed its file: roll back.
      if (!(await this.#repository.claimImport(importId, 'importing', 'imported', { rows_imported: created, rows_already_held: alreadyHeld, finished_at: new Date() }, trx))) throw new ImportNoLongerRunning();
      audit({ action: 'INCIDENTS_IMPORTED', recordType: 'incident_import', recordId: importId, details: { created, alreadyHeld, channel: row.channel } });
      return { created };
    });
    await this.#files.remove(row.storage_key);
    if (outcome.created > 0) await this.#linkAfterCommit(importId);
  }

  // The single call site for entity resolution of the people an import brought in (their link_status is 'pending').
  async #linkAfterCommit(importId: string): Promise<void> {
    try {
      await this.#options.afterCommit?.(importId);
    } catch (error) {
      console.error(`Linking the people of incident import ${importId} failed; they stay pending`, error);
    }
  }
}

/** The import was failed by a sweep while this process still worked on it; its outcome stands. */
class ImportNoLongerRunning extends Error {}

/** A saved template fits a file when every column it names is in the file's header row. */
function sameHeaders(mapping: IncidentImportMapping, headers: string[]): boolean {
  const columns = Object.values(mapping.columns).filter(Boolean);
  return columns.length > 0 && columns.every((column) => headers.includes(column));
}

function failureErrors(values: Record<string, string | number>): IncidentRowError[] {
  return typeof values.row === 'number' ? [{ row: values.row, message: 'incidents.failures.rowUnreadable' }] : [];
}

/** A mapping from a posted form: `column-<field>` → header, blank meaning "not used". */
export function mappingFromForm(body: Record<string, unknown>, policeUk: boolean): IncidentImportMapping {
  const columns: Record<string, string> = {};
  for (const field of mappableFields) {
    const value = body[`column-${field}`];
    if (typeof value === 'string' && value.trim() !== '') columns[field] = value;
  }
  return { columns, policeUk };
}
