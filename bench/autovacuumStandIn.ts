import { type Kysely, sql } from 'kysely';
import type { Database } from '../server/db/schema.ts';

/**
 * Where the server runs with `autovacuum = off` (this development machine's PostgreSQL does), a
 * benchmark that writes for minutes measures dead rows piling up, which no production server
 * would have. This stands in for autovacuum on the benchmark's own database only: every
 * `everyMs` it vacuums each table past autovacuum's default trigger (50 rows + 20 % dead).
 * Returns undefined, doing nothing, where autovacuum is on.
 */
export async function autovacuumStandIn(db: Kysely<Database>, everyMs = 30_000): Promise<{ stop: () => Promise<number> } | undefined> {
  const setting = await sql<{ autovacuum: string }>`show autovacuum`.execute(db);
  if (setting.rows[0]?.autovacuum !== 'off') return undefined;
  let vacuums = 0;
  let running: Promise<void> = Promise.resolve();
  const pass = async () => {
    const due = await sql<{ name: string }>`
      select quote_ident(schemaname) || '.' || quote_ident(relname) as name from pg_stat_user_tables
      where n_dead_tup > 50 + 0.2 * n_live_tup`.execute(db);
    for (const table of due.rows) {
      await sql`vacuum (analyze) ${sql.raw(table.name)}`.execute(db);
      vacuums += 1;
    }
  };
  const timer = setInterval(() => {
    running = running.then(pass).catch((error: unknown) => console.error('autovacuum stand-in failed', error));
  }, everyMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
      return vacuums;
    },
  };
}
