import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface GrantSummary {
  id: string;
  case_id: string;
  case_reference: string;
  user_id: string;
  user_name: string;
  organisation_name: string;
  reason: string;
  granted_at: Date;
  expires_at: Date;
  reviewed_at: Date | null;
  review_outcome: string | null;
  reviewer_name: string | null;
  review_comment: string | null;
}

export class BreakGlassRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Any case with the reference, whoever can see it: break-glass is for cases one cannot. */
  async findCaseByReference(reference: string, executor: Executor = this.#db) {
    return executor.selectFrom('cases').select(['id', 'reference']).where('reference', '=', reference).executeTakeFirst();
  }

  /** A grant that runs from now for `minutes`, by the database's clock (the one access checks use). */
  async insertGrant(trx: Transaction<Database>, grant: { userId: string; caseId: string; reason: string; minutes: number }) {
    return trx
      .insertInto('break_glass_grants')
      .values({
        user_id: grant.userId,
        case_id: grant.caseId,
        reason: grant.reason,
        expires_at: sql<Date>`now() + make_interval(mins => ${grant.minutes})`,
      })
      .returning(['id', 'expires_at'])
      .executeTakeFirstOrThrow();
  }

  /** Grants waiting for review first, then the newest. */
  async list(page: { limit: number; offset: number }): Promise<GrantSummary[]> {
    return this.#summaries(this.#db)
      .orderBy(sql`grant_row.reviewed_at is not null`)
      .orderBy('grant_row.granted_at', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
  }

  async count(): Promise<number> {
    const row = await this.#db.selectFrom('break_glass_grants').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async find(grantId: string, executor: Executor = this.#db): Promise<GrantSummary | undefined> {
    if (!isUuid(grantId)) return undefined;
    return this.#summaries(executor).where('grant_row.id', '=', grantId).executeTakeFirst();
  }

  /** Records the outcome once; false when someone else reviewed it first. */
  async markReviewed(trx: Transaction<Database>, grantId: string, reviewerId: string, outcome: string): Promise<boolean> {
    const result = await trx
      .updateTable('break_glass_grants')
      .set({ reviewed_by: reviewerId, reviewed_at: sql<Date>`now()`, review_outcome: outcome })
      .where('id', '=', grantId)
      .where('reviewed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  // The reviewer's comment is the reason on the BREAK_GLASS_REVIEWED audit event: the
  // grants table has no column for it, and the audit log is where reviews are evidenced.
  #summaries(executor: Executor) {
    return executor
      .selectFrom('break_glass_grants as grant_row')
      .innerJoin('cases as kase', 'kase.id', 'grant_row.case_id')
      .innerJoin('users as grantee', 'grantee.id', 'grant_row.user_id')
      .innerJoin('organisations as grantee_organisation', 'grantee_organisation.id', 'grantee.organisation_id')
      .leftJoin('users as reviewer', 'reviewer.id', 'grant_row.reviewed_by')
      .select((eb) => [
        'grant_row.id',
        'grant_row.case_id',
        'kase.reference as case_reference',
        'grant_row.user_id',
        'grantee.name as user_name',
        'grantee_organisation.name as organisation_name',
        'grant_row.reason',
        'grant_row.granted_at',
        'grant_row.expires_at',
        'grant_row.reviewed_at',
        'grant_row.review_outcome',
        'reviewer.name as reviewer_name',
        eb
          .selectFrom('audit_events')
          .select('audit_events.reason')
          .where('audit_events.action', '=', 'BREAK_GLASS_REVIEWED')
          .where('audit_events.record_type', '=', 'break_glass_grant')
          .where(sql<boolean>`audit_events.record_id = grant_row.id::text`)
          .orderBy('audit_events.seq', 'desc')
          .limit(1)
          .as('review_comment'),
      ]);
  }
}
