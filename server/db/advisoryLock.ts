import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Runs `work` while holding a PostgreSQL session advisory lock, so only one app process at a time
 * does it (others wait their turn). The lock is held on a connection of its own; `work` uses the
 * pool as usual. The embedded store has one process, so there it simply runs.
 */
export async function withAdvisoryLock<T>(db: Kysely<Database>, kind: 'postgres' | 'pglite', key: number, work: () => Promise<T>): Promise<T> {
  if (kind !== 'postgres') return work();
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${key})`.execute(connection);
    try {
      return await work();
    } finally {
      await sql`select pg_advisory_unlock(${key})`.execute(connection);
    }
  });
}

/** Advisory lock keys, one per kind of work, so they never collide. */
export const advisoryLocks = {
  linkingPeople: 0x0e_11_4b_01,
  demoSeed: 0x0e_11_4b_02,
} as const;
