import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';

type Counted = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A `@fastify/rate-limit` store in PostgreSQL: one row per key and window, counted with one
 * upsert on the database clock, so every app process shares the count (the plugin's own store is
 * per process). A limit set on a route counts apart from the plugin's global one, as with the
 * plugin's other stores.
 */
export function postgresRateLimitStore(db: Kysely<Database>): FastifyRateLimitStoreCtor {
  class PostgresRateLimitStore implements FastifyRateLimitStore {
    readonly #prefix: string;

    constructor(_options: FastifyRateLimitOptions, prefix = '') {
      this.#prefix = prefix;
    }

    incr(key: string, callback: Counted, timeWindow: number): void {
      countHit(db, `${this.#prefix}${key}`, timeWindow).then((result) => callback(null, result), (error: Error) => callback(error));
    }

    child(routeOptions: FastifyRateLimitOptions & { routeInfo?: { method?: string | string[]; url?: string } }): FastifyRateLimitStore {
      const route = `${String(routeOptions.routeInfo?.method ?? '')} ${routeOptions.routeInfo?.url ?? ''}`;
      return new PostgresRateLimitStore(routeOptions, `${this.#prefix}${route}|`);
    }
  }
  return PostgresRateLimitStore;
}

/** Counts one hit for `key`; a window that has run out starts again at this hit. */
export async function countHit(db: Kysely<Database>, key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
  const window = sql`(${windowMs}::int * interval '1 millisecond')`;
  const result = await sql<{ hits: number; ttl_ms: number }>`
    insert into rate_limit_counters as counter (key, window_started_at, hits) values (${key}, clock_timestamp(), 1)
    on conflict (key) do update set
      hits = case when counter.window_started_at + ${window} <= clock_timestamp() then 1 else counter.hits + 1 end,
      window_started_at = case when counter.window_started_at + ${window} <= clock_timestamp() then clock_timestamp() else counter.window_started_at end
    returning hits, greatest(0, ceil(extract(epoch from counter.window_started_at + ${window} - clock_timestamp()) * 1000))::int as ttl_ms`.execute(db);
  const row = result.rows[0]!;
  return { current: row.hits, ttl: row.ttl_ms };
}

/** Counters whose window ended more than a day ago (no window here is longer than an hour). */
export async function deleteStaleRateLimitCounters(db: Kysely<Database>): Promise<number> {
  const result = await sql`delete from rate_limit_counters where window_started_at < now() - interval '1 day'`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
