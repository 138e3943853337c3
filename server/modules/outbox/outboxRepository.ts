import type { Kysely, Transaction } from 'kysely';
import type { Database, EmailOutboxRow } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface NewEmail {
  organisationId: string | null;
  to: string;
  subject: string;
  body: string;
}

export class OutboxRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async enqueue(executor: Executor, email: NewEmail): Promise<string> {
    const row = await executor
      .insertInto('email_outbox')
      .values({ organisation_id: email.organisationId, to_address: email.to, subject: email.subject, body_text: email.body })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async list(organisationId: string | undefined, limit: number): Promise<EmailOutboxRow[]> {
    let query = this.#db.selectFrom('email_outbox').selectAll();
    if (organisationId) query = query.where('organisation_id', '=', organisationId);
    return query.orderBy('created_at', 'desc').limit(limit).execute();
  }

  async findById(id: string): Promise<EmailOutboxRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.#db.selectFrom('email_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Claims pending messages for sending; SKIP LOCKED lets several processes share the work. */
  async claimPending(trx: Transaction<Database>, limit: number): Promise<EmailOutboxRow[]> {
    return trx
      .selectFrom('email_outbox')
      .selectAll()
      .where('status', '=', 'pending')
      .where('attempts', '<', 5)
      .orderBy('created_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
  }

  async markSent(trx: Transaction<Database>, id: string): Promise<void> {
    await trx.updateTable('email_outbox').set({ status: 'sent', sent_at: new Date(), last_error: null }).where('id', '=', id).execute();
  }

  async markFailed(trx: Transaction<Database>, id: string, attempts: number, error: string): Promise<void> {
    await trx
      .updateTable('email_outbox')
      .set({ attempts, last_error: error.slice(0, 500), status: attempts >= 5 ? 'failed' : 'pending' })
      .where('id', '=', id)
      .execute();
  }
}
