import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface PersonFlags {
  person_id: string;
  rectification_requested: string | null;
  rectification_requested_at: Date | null;
  restriction_reason: string | null;
  restricted_at: Date | null;
}

/** Rectification and restriction flags on a person (UK GDPR Arts 16 and 18). */
export class PersonFlagsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async find(personId: string, executor: Executor = this.#db): Promise<PersonFlags | undefined> {
    return executor
      .selectFrom('person_data_protection_flags')
      .select(['person_id', 'rectification_requested', 'rectification_requested_at', 'restriction_reason', 'restricted_at'])
      .where('person_id', '=', personId)
      .executeTakeFirst();
  }

  async restrictedAmong(personIds: string[]): Promise<string[]> {
    if (personIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('person_data_protection_flags')
      .select('person_id')
      .where('person_id', 'in', personIds)
      .where('restricted_at', 'is not', null)
      .execute();
    return rows.map((row) => row.person_id);
  }

  /** Keeps the date a flag was first raised while it stays raised; clears it with the flag. */
  async save(trx: Transaction<Database>, personId: string, userId: string, flags: { rectificationRequested: string | null; restrictionReason: string | null }) {
    const rectification = flags.rectificationRequested;
    const restriction = flags.restrictionReason;
    await sql`
      insert into person_data_protection_flags as f (person_id, rectification_requested, rectification_requested_at, rectification_requested_by,
        restriction_reason, restricted_at, restricted_by)
      values (${personId}, ${rectification}, case when ${rectification}::text is null then null else now() end,
        case when ${rectification}::text is null then null else ${userId}::uuid end,
        ${restriction}, case when ${restriction}::text is null then null else now() end, case when ${restriction}::text is null then null else ${userId}::uuid end)
      on conflict (person_id) do update set
        rectification_requested = excluded.rectification_requested,
        rectification_requested_at = case when excluded.rectification_requested is null then null else coalesce(f.rectification_requested_at, now()) end,
        rectification_requested_by = case when excluded.rectification_requested is null then null else coalesce(f.rectification_requested_by, excluded.rectification_requested_by) end,
        restriction_reason = excluded.restriction_reason,
        restricted_at = case when excluded.restriction_reason is null then null else coalesce(f.restricted_at, now()) end,
        restricted_by = case when excluded.restriction_reason is null then null else coalesce(f.restricted_by, excluded.restricted_by) end,
        updated_at = now()`.execute(trx);
  }
}

/**
 * SQL for "this person's processing is restricted": alert rules and linkage leave such people
 * out (`not ${isRestricted(sql\`ip.person_id\`)}`). Kept here so the rule has one definition.
 */
export function isRestricted(personColumn: RawBuilder<unknown>) {
  return sql<boolean>`exists (select 1 from person_data_protection_flags restriction where restriction.person_id = ${personColumn} and restriction.restricted_at is not null)`;
}
