import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface RequestSummary {
  id: string;
  reference: string;
  person_id: string;
  person_name: string;
  requester_name: string;
  requester_relationship: 'self' | 'representative';
  identity_verified: boolean;
  received_on: string;
  due_on: string;
  extension_months: number;
  extension_reason: string | null;
  status: 'open' | 'approved';
  redactions: string[];
  confirmed_candidates: string[];
  approved_at: Date | null;
  approver_name: string | null;
  creator_name: string | null;
  created_at: Date;
  version: number;
}

/** Subject access requests: the only SQL for the `subject_access_requests` table. */
export class SubjectAccessRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(trx: Transaction<Database>, request: {
    reference: string; personId: string; requesterName: string; requesterRelationship: 'self' | 'representative';
    identityVerified: boolean; receivedOn: string; dueOn: string; createdBy: string;
  }) {
    return trx
      .insertInto('subject_access_requests')
      .values({
        reference: request.reference,
        person_id: request.personId,
        requester_name: request.requesterName,
        requester_relationship: request.requesterRelationship,
        identity_verified: request.identityVerified,
        received_on: request.receivedOn,
        due_on: request.dueOn,
        created_by: request.createdBy,
      })
      .returning(['id', 'reference'])
      .executeTakeFirstOrThrow();
  }

  /** Open requests first, soonest due first; then the approved, newest first. */
  async list(status?: 'open' | 'approved'): Promise<RequestSummary[]> {
    let query = this.#summaries(this.#db);
    if (status) query = query.where('request.status', '=', status);
    return query.orderBy(sql`request.status = 'approved'`).orderBy('request.due_on').orderBy('request.created_at', 'desc').limit(500).execute();
  }

  async find(requestId: string, executor: Executor = this.#db, options: { lock?: boolean } = {}): Promise<RequestSummary | undefined> {
    if (!isUuid(requestId)) return undefined;
    if (options.lock) await executor.selectFrom('subject_access_requests').select('id').where('id', '=', requestId).forUpdate().execute();
    return this.#summaries(executor).where('request.id', '=', requestId).executeTakeFirst();
  }

  async saveDecisions(trx: Transaction<Database>, requestId: string, decisions: { redactions: string[]; confirmedCandidates: string[] }) {
    await trx
      .updateTable('subject_access_requests')
      .set({
        redactions: JSON.stringify(decisions.redactions),
        confirmed_candidates: JSON.stringify(decisions.confirmedCandidates),
        updated_at: sql<Date>`now()`,
        version: sql<number>`version + 1`,
      })
      .where('id', '=', requestId)
      .execute();
  }

  async extend(trx: Transaction<Database>, requestId: string, extension: { months: number; reason: string; dueOn: string }) {
    await trx
      .updateTable('subject_access_requests')
      .set({ extension_months: extension.months, extension_reason: extension.reason, due_on: extension.dueOn, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
      .where('id', '=', requestId)
      .execute();
  }

  async approve(trx: Transaction<Database>, requestId: string, approvedBy: string, approvedExport: unknown) {
    await trx
      .updateTable('subject_access_requests')
      .set({
        status: 'approved',
        approved_by: approvedBy,
        approved_at: sql<Date>`now()`,
        approved_export: JSON.stringify(approvedExport),
        updated_at: sql<Date>`now()`,
        version: sql<number>`version + 1`,
      })
      .where('id', '=', requestId)
      .execute();
  }

  async approvedExport(requestId: string, executor: Executor = this.#db): Promise<Record<string, unknown> | null> {
    if (!isUuid(requestId)) return null;
    const row = await executor.selectFrom('subject_access_requests').select('approved_export').where('id', '=', requestId).where('status', '=', 'approved').executeTakeFirst();
    return row?.approved_export ?? null;
  }

  #summaries(executor: Executor) {
    return executor
      .selectFrom('subject_access_requests as request')
      .innerJoin('people as person', 'person.id', 'request.person_id')
      .leftJoin('users as approver', 'approver.id', 'request.approved_by')
      .leftJoin('users as creator', 'creator.id', 'request.created_by')
      .select([
        'request.id',
        'request.reference',
        'request.person_id',
        sql<string>`person.given_name || ' ' || person.family_name`.as('person_name'),
        'request.requester_name',
        'request.requester_relationship',
        'request.identity_verified',
        'request.received_on',
        'request.due_on',
        'request.extension_months',
        'request.extension_reason',
        'request.status',
        'request.redactions',
        'request.confirmed_candidates',
        'request.approved_at',
        'approver.name as approver_name',
        'creator.name as creator_name',
        'request.created_at',
        'request.version',
      ]);
  }
}
