import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import type { AuditAction } from './auditActions.ts';
import { chainHash, GENESIS_HASH, normaliseDetails } from './auditChain.ts';
import { AuditRepository, type NewAuditRow } from './auditRepository.ts';

export interface AuditEntry {
  action: AuditAction;
  recordType?: string;
  recordId?: string;
  reason?: string;
  details?: Record<string, unknown>;
  breakGlass?: boolean;
  /** Overrides the actor's organisation, e.g. for a failed sign-in to a known account. */
  organisationId?: string | null;
}

export type RecordAudit = (entry: AuditEntry) => void;

/**
 * The only way to write the audit log. `run` executes a unit of work in one transaction and
 * appends its audit entries at the very end of that transaction, so the change and its audit
 * event commit or roll back together and the chain lock is held only for the commit.
 */
export class AuditTrail {
  readonly #db: Kysely<Database>;
  readonly #repository: AuditRepository;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#repository = new AuditRepository(db);
  }

  async run<T>(actor: Actor, work: (trx: Transaction<Database>, audit: RecordAudit) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(async (trx) => {
      const entries: AuditEntry[] = [];
      const result = await work(trx, (entry) => entries.push(entry));
      await this.append(trx, actor, entries);
      return result;
    });
  }

  /** Records entries on their own, e.g. a refused action whose work was rolled back. */
  async record(actor: Actor, ...entries: AuditEntry[]): Promise<void> {
    await this.#db.transaction().execute((trx) => this.append(trx, actor, entries));
  }

  async append(trx: Transaction<Database>, actor: Actor, entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const head = await this.#repository.lockChainAndReadHead(trx);
    let seq = BigInt(head?.seq ?? 0);
    let prevHash = head?.hash ?? GENESIS_HASH;
    const occurredAt = new Date().toISOString();
    const rows: NewAuditRow[] = entries.map((entry) => {
      seq += 1n;
      const fields = {
        seq: seq.toString(),
        occurredAt,
        actorUserId: actor.userId,
        actorLabel: actor.label,
        organisationId: entry.organisationId === undefined ? actor.organisationId : entry.organisationId,
        action: entry.action,
        recordType: entry.recordType ?? null,
        recordId: entry.recordId ?? null,
        ip: actor.ip,
        requestId: actor.requestId,
        reason: entry.reason ?? null,
        details: normaliseDetails(entry.details),
        breakGlass: entry.breakGlass ?? false,
      };
      const hash = chainHash(prevHash, fields);
      const row: NewAuditRow = {
        seq: fields.seq,
        occurred_at: occurredAt,
        actor_user_id: fields.actorUserId,
        actor_label: fields.actorLabel,
        organisation_id: fields.organisationId,
        action: fields.action,
        record_type: fields.recordType,
        record_id: fields.recordId,
        ip: fields.ip,
        request_id: fields.requestId,
        reason: fields.reason,
        details: JSON.stringify(fields.details),
        break_glass: fields.breakGlass,
        prev_hash: prevHash,
        hash,
      };
      prevHash = hash;
      return row;
    });
    await this.#repository.insert(trx, rows);
  }
}
