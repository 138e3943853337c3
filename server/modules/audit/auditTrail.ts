import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import type { AuditAction } from './auditActions.ts';
import { CoalescedRun } from '../../shared/coalescedRun.ts';
import { type ChainedFields, chainHash, GENESIS_HASH, normaliseDetails } from './auditChain.ts';
import { AuditRepository, type InboxRow, type NewAuditRow } from './auditRepository.ts';

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

/** Events chained per transaction of the chainer: enough to absorb a busy minute in a few commits. */
const CHAIN_BATCH = 2_000;

/**
 * The only way to write the audit log. `run` executes a unit of work in one transaction whose
 * last statement puts its audit entries in the inbox, so the change and its audit events commit
 * or roll back together without waiting for any other transaction. After the commit, `run` waits
 * until a chainer run has moved the events into the hash chain (ADR 0030): concurrent requests
 * share one chaining transaction instead of queueing one commit each behind the chain lock.
 */
export class AuditTrail {
  readonly #db: Kysely<Database>;
  readonly #repository: AuditRepository;
  readonly #chaining: CoalescedRun;

  constructor(db: Kysely<Database>, options: { onChainingError?: (error: unknown) => void } = {}) {
    this.#db = db;
    this.#repository = new AuditRepository(db);
    this.#chaining = new CoalescedRun(
      async () => void (await this.chainPending()),
      options.onChainingError ?? ((error) => console.error('Chaining audit events failed; they stay in the inbox for the next run', error)),
    );
  }

  async run<T>(actor: Actor, work: (trx: Transaction<Database>, audit: RecordAudit) => Promise<T>): Promise<T> {
    let appended = false;
    const result = await this.#db.transaction().execute(async (trx) => {
      const entries: AuditEntry[] = [];
      const value = await work(trx, (entry) => entries.push(entry));
      appended = await this.append(trx, actor, entries);
      return value;
    });
    if (appended) await this.chained();
    return result;
  }

  /** Records entries on their own, e.g. a refused action whose work was rolled back. */
  async record(actor: Actor, ...entries: AuditEntry[]): Promise<void> {
    await this.run(actor, async (_trx, audit) => entries.forEach(audit));
  }

  /**
   * Puts entries in the inbox inside the caller's transaction. A caller that manages its own
   * transaction should await `chained()` after committing; otherwise the next chainer run (at the
   * latest the periodic one) takes them.
   */
  async append(trx: Transaction<Database>, actor: Actor, entries: AuditEntry[]): Promise<boolean> {
    if (entries.length === 0) return false;
    const occurredAt = new Date().toISOString();
    await this.#repository.insertIntoInbox(
      trx,
      entries.map((entry) => ({
        occurred_at: occurredAt,
        actor_user_id: actor.userId,
        actor_label: actor.label,
        organisation_id: entry.organisationId === undefined ? actor.organisationId : entry.organisationId,
        action: entry.action,
        record_type: entry.recordType ?? null,
        record_id: entry.recordId ?? null,
        ip: actor.ip,
        request_id: actor.requestId,
        reason: entry.reason ?? null,
        details: JSON.stringify(normaliseDetails(entry.details)),
        break_glass: entry.breakGlass ?? false,
      })),
    );
    return true;
  }

  /** Resolves once every event committed before the call is in the chain (or chaining failed and was logged). */
  chained(): Promise<void> {
    return this.#chaining.request({ promptly: true });
  }

  /** Resolves once no chaining run is going or waiting (tests, shutdown). */
  settled(): Promise<void> {
    return this.#chaining.settled();
  }

  /**
   * Moves every committed inbox event into the chain, oldest first, a batch per transaction under
   * the chain lock: each gets the next seq and a hash over its predecessor's. Returns how many.
   */
  async chainPending(): Promise<number> {
    let chained = 0;
    for (;;) {
      const moved = await this.#db.transaction().execute(async (trx) => {
        const head = await this.#repository.lockChainAndReadHead(trx);
        const pending = await this.#repository.takeFromInbox(trx, CHAIN_BATCH);
        await this.#repository.insert(trx, toChainRows(pending, head));
        return pending.length;
      });
      chained += moved;
      if (moved < CHAIN_BATCH) return chained;
    }
  }
}

function toChainRows(pending: InboxRow[], head: { seq: string; hash: string } | undefined): NewAuditRow[] {
  let seq = BigInt(head?.seq ?? 0);
  let prevHash = head?.hash ?? GENESIS_HASH;
  return pending.map((event) => {
    seq += 1n;
    const fields: ChainedFields = {
      seq: seq.toString(),
      occurredAt: event.occurred_at.toISOString(),
      actorUserId: event.actor_user_id,
      actorLabel: event.actor_label,
      organisationId: event.organisation_id,
      action: event.action,
      recordType: event.record_type,
      recordId: event.record_id,
      ip: event.ip,
      requestId: event.request_id,
      reason: event.reason,
      details: event.details,
      breakGlass: event.break_glass,
    };
    const hash = chainHash(prevHash, fields);
    const row: NewAuditRow = {
      seq: fields.seq,
      occurred_at: fields.occurredAt,
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
}
