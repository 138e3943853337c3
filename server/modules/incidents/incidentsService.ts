import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { NotFound } from '../../shared/errors.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { checkIncident, type FieldProblem, type ValidIncident } from './incidentRecord.ts';
import { type IncidentFilters, IncidentsRepository } from './incidentsRepository.ts';

export const INCIDENT_PAGE_SIZE = 50;
export const API_BATCH_LIMIT = 1000;

/** Whose incidents a viewer sees: for now, only those their own organisation sent. */
export interface IncidentViewer {
  organisationId: string;
}

export type BatchOutcome =
  | { kind: 'stored'; status: 201; body: BatchReceipt }
  | { kind: 'replayed'; status: number; body: unknown }
  | { kind: 'keyReused' }
  | { kind: 'invalid'; problems: (FieldProblem & { index: number })[] };

export interface BatchReceipt {
  importId: string;
  received: number;
  created: number;
  alreadyHeld: number;
  incidents: { reference: string; id: string | null; created: boolean }[];
}

/**
 * Incidents as people and systems see them: the list and one incident (reads of personal data,
 * audited), and batches pushed through the API (all or nothing, idempotent by key).
 */
export class IncidentsService {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditTrail;
  readonly #repository: IncidentsRepository;
  afterCommit: ((importId: string) => Promise<void>) | undefined;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#db = db;
    this.#audit = audit;
    this.#repository = new IncidentsRepository(db);
  }

  categories() {
    return this.#repository.categories();
  }

  async list(viewer: IncidentViewer, filters: IncidentFilters, page: number, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const result = await this.#repository.listIncidents(trx, viewer.organisationId, filters, INCIDENT_PAGE_SIZE, (page - 1) * INCIDENT_PAGE_SIZE);
      audit({ action: 'INCIDENT_LIST_VIEWED', details: { filters: { ...filters, from: filters.from?.toISOString(), to: filters.to?.toISOString() }, page, shown: result.rows.length } });
      return result;
    });
  }

  async show(viewer: IncidentViewer, incidentId: string, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const found = await this.#repository.incident(trx, incidentId, viewer.organisationId);
      if (!found) throw new NotFound();
      audit({ action: 'INCIDENT_VIEWED', recordType: 'incident', recordId: incidentId, details: { people: found.people.length } });
      return found;
    });
  }

  /**
   * One API batch: a retried request with the same key and body gets the first answer again;
   * the same key with another body is refused. Every incident is checked before any is stored;
   * one bad incident stores none.
   */
  async receiveBatch(client: { keyId: string; organisationId: string }, idempotencyKey: string, items: unknown[], actor: Actor): Promise<BatchOutcome> {
    const requestSha256 = createHash('sha256').update(JSON.stringify(items)).digest('hex');
    const earlier = await this.#repository.idempotencyRecord(this.#db, client.keyId, idempotencyKey);
    if (earlier) return earlier.request_sha256 === requestSha256 ? { kind: 'replayed', status: earlier.response_status, body: earlier.response_body } : { kind: 'keyReused' };
    const lookup = await this.#repository.categoryLookup(client.organisationId);
    const problems: (FieldProblem & { index: number })[] = [];
    const incidents: ValidIncident[] = [];
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const checked = checkIncident(item, lookup);
      if (!checked.ok) return problems.push(...checked.problems.map((problem) => ({ ...problem, index })));
      const first = seen.get(checked.incident.reference);
      if (first !== undefined) return problems.push({ index, field: 'reference', message: 'incidents.validation.duplicateInBatch', value: String(first) });
      seen.set(checked.incident.reference, index);
      incidents.push(checked.incident);
    });
    if (problems.length > 0) return { kind: 'invalid', problems };
    try {
      const receipt = await this.#audit.run(actor, async (trx, audit) => {
        const importRow = await this.#repository.createImport({ organisationId: client.organisationId, createdBy: null, apiKeyId: client.keyId, channel: 'api', status: 'importing' }, trx);
        const stored = await this.#repository.storeBatch(trx, client.organisationId, importRow.id, incidents);
        const idOf = new Map(stored.created.map((row) => [row.reference, row.id]));
        const body: BatchReceipt = {
          importId: importRow.id,
          received: incidents.length,
          created: stored.created.length,
          alreadyHeld: stored.alreadyHeld,
          incidents: incidents.map((incident) => ({ reference: incident.reference, id: idOf.get(incident.reference) ?? null, created: idOf.has(incident.reference) })),
        };
        await this.#repository.updateImport(importRow.id, { status: 'imported', rows_total: incidents.length, rows_valid: incidents.length, rows_imported: stored.created.length, rows_already_held: stored.alreadyHeld, finished_at: new Date() }, trx);
        await this.#repository.saveIdempotencyRecord(trx, client.keyId, idempotencyKey, requestSha256, 201, body);
        audit({ action: 'INCIDENTS_IMPORTED', recordType: 'incident_import', recordId: importRow.id, details: { created: stored.created.length, alreadyHeld: stored.alreadyHeld, channel: 'api' } });
        return body;
      });
      if (receipt.created > 0) await this.#linkAfterCommit(receipt.importId);
      return { kind: 'stored', status: 201, body: receipt };
    } catch (error) {
      // Two requests with one key at the same moment: the one that lost replays the winner's answer.
      if ((error as { code?: string }).code === '23505') {
        const winner = await this.#repository.idempotencyRecord(this.#db, client.keyId, idempotencyKey);
        if (winner) return winner.request_sha256 === requestSha256 ? { kind: 'replayed', status: winner.response_status, body: winner.response_body } : { kind: 'keyReused' };
      }
      throw error;
    }
  }

  // Entity resolution runs after the batch has committed, never inside its transaction.
  async #linkAfterCommit(importId: string): Promise<void> {
    try {
      await this.afterCommit?.(importId);
    } catch (error) {
      console.error(`Linking the people of API batch ${importId} failed; they stay pending`, error);
    }
  }
}
