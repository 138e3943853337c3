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

export interface OutboxMessage extends EmailOutboxRow {
  organisation_name: string | null;
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

  /** Newest first; `organisationId` limits the list to one organisation's messages. */
  async list(organisationId: string | undefined, limit: number): Promise<OutboxMessage[]> {
    let query = this.#withOrganisationName();
    if (organisationId) query = query.where('email_outbox.organisation_id', '=', organisationId);
    return query.orderBy('email_outbox.created_at', 'desc').limit(limit).execute();
  }

  async findById(id: string): Promise<OutboxMessage | undefined> {
    if (!isUuid(id)) return undefined;
    return this.#withOrganisationName().where('email_outbox.id', '=', id).executeTakeFirst();
  }

  /** The newest message to an address, e.g. the invitation just put in the outbox. */
  async latestTo(executor: Executor, to: string): Promise<EmailOutboxRow | undefined> {
    return executor.selectFrom('email_outbox').selectAll().where('to_address', '=', to).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  }

  #withOrganisationName() {
    return this.#db
      .selectFrom('email_outbox')
      .leftJoin('organisations', 'organisations.id', 'email_outbox.organisation_id')
      .selectAll('email_outbox')
      .select('organisations.name as organisation_name');
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
