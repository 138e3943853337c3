import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { AuditEventRow, AuditEventsTable, AuditInboxTable, Database } from '../../db/schema.ts';

// Serialises chaining across every process writing to the same database, so that each row can
// name its predecessor's hash. Taken by the chainer (and by audit retention), never by a request's
// own transaction (ADR 0030).
const AUDIT_CHAIN_LOCK_KEY = 4_242_001;

export type NewInboxRow = Insertable<AuditInboxTable>;
export type InboxRow = Selectable<AuditInboxTable>;

export type NewAuditRow = Insertable<AuditEventsTable>;

export interface AuditSearch {
  actor?: string | undefined;
  action?: string | undefined;
  recordType?: string | undefined;
  recordId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  beforeSeq?: string | undefined;
  afterSeq?: string | undefined;
  limit: number;
}

export class AuditRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async lockChainAndReadHead(trx: Transaction<Database>): Promise<{ seq: string; hash: string } | undefined> {
    await sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`.execute(trx);
    const head = await trx.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    // After retention has removed every event, the chain continues from its anchor (ADR 0026).
    return head ?? (await this.latestAnchor(trx));
  }

  /** The newest retention anchor: the seq and hash of the last event retention removed. */
  async latestAnchor(executor: Kysely<Database> | Transaction<Database> = this.#db): Promise<{ seq: string; hash: string } | undefined> {
    return executor.selectFrom('audit_chain_anchors').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  }

  async insert(trx: Transaction<Database>, rows: NewAuditRow[]): Promise<void> {
    if (rows.length > 0) await trx.insertInto('audit_events').values(rows).execute();
  }

  /** Events of a unit of work, committed with it; no lock is taken. */
  async insertIntoInbox(trx: Transaction<Database>, rows: NewInboxRow[]): Promise<void> {
    if (rows.length > 0) await trx.insertInto('audit_inbox').values(rows).execute();
  }

  /**
   * Takes the oldest committed events out of the inbox, in the order they were written. Only
   * the chainer, holding the chain lock, calls this; the rows must go into the chain in the same
   * transaction.
   */
  async takeFromInbox(trx: Transaction<Database>, limit: number): Promise<InboxRow[]> {
    await sql`select set_config('oneroof.audit_chaining', 'on', true)`.execute(trx);
    const rows = await trx
      .deleteFrom('audit_inbox')
      .where('id', 'in', (query) => query.selectFrom('audit_inbox').select('id').orderBy('id').limit(limit))
      .returningAll()
      .execute();
    await sql`select set_config('oneroof.audit_chaining', 'off', true)`.execute(trx);
    return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  /** Events committed but not yet chained (a crash between the two leaves some until restart). */
  async inboxCount(): Promise<number> {
    const row = await this.#db.selectFrom('audit_inbox').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    return row.n;
  }

  async search(filters: AuditSearch): Promise<AuditEventRow[]> {
    let query = this.#db.selectFrom('audit_events').selectAll();
    if (filters.actor) {
      const actor = filters.actor.trim();
      query = /^[0-9a-f-]{36}$/i.test(actor)
        ? query.where('actor_user_id', '=', actor)
        : query.where('actor_label', 'ilike', `%${escapeLike(actor)}%`);
    }
    if (filters.action) query = query.where('action', '=', filters.action);
    if (filters.recordType) query = query.where('record_type', '=', filters.recordType);
    if (filters.recordId) query = query.where('record_id', '=', filters.recordId.trim());
    if (filters.from) query = query.where('occurred_at', '>=', filters.from);
    if (filters.to) query = query.where('occurred_at', '<', filters.to);
    if (filters.afterSeq) {
      // Paging towards newer rows: read ascending, then present newest first.
      const rows = await query.where('seq', '>', filters.afterSeq).orderBy('seq', 'asc').limit(filters.limit).execute();
      return rows.reverse();
    }
    if (filters.beforeSeq) query = query.where('seq', '<', filters.beforeSeq);
    return query.orderBy('seq', 'desc').limit(filters.limit).execute();
  }

  async findBySeq(seq: string): Promise<AuditEventRow | undefined> {
    return this.#db.selectFrom('audit_events').selectAll().where('seq', '=', seq).executeTakeFirst();
  }

  /** Names of the organisations named in a page of events (ids of removed ones are left out). */
  async organisationNames(ids: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.#db.selectFrom('organisations').select(['id', 'name']).where('id', 'in', unique).execute();
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  /** Rows in chain order, a batch at a time, for verification of very large logs. */
  async *inChainOrder(batchSize = 5_000, afterSeq = '0'): AsyncGenerator<AuditEventRow> {
    let after = afterSeq;
    for (;;) {
      const batch = await this.#db
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '>', after)
        .orderBy('seq', 'asc')
        .limit(batchSize)
        .execute();
      if (batch.length === 0) return;
      yield* batch;
      after = batch[batch.length - 1]!.seq;
    }
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}
