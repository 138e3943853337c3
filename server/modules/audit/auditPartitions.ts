import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.ts';

/** Months of partitions kept ready beyond the current one, so a missed night changes nothing. */
export const AUDIT_PARTITION_MONTHS_AHEAD = 3;

/**
 * Makes sure `audit_events` has its monthly partitions from this month (UTC) to `monthsAhead`
 * ahead, moving any of their events out of the default partition (migration 0022, ADR 0031).
 * Idempotent; returns how many partitions it created. Run at start-up and nightly.
 */
export async function ensureAuditPartitions(db: Kysely<Database>, monthsAhead = AUDIT_PARTITION_MONTHS_AHEAD): Promise<number> {
  const result = await sql<{ created: number }>`select audit_events_ensure_partitions(${monthsAhead}::int) as created`.execute(db);
  return result.rows[0]!.created;
}
