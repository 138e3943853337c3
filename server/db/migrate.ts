import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

export const migrationsDirectory = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

// Any constant will do; it only has to be the same in every process that migrates.
const MIGRATION_LOCK_KEY = 741_852_963;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Applies plain SQL files from server/db/migrations in name order, each in its own transaction,
 * recording them in schema_migrations. An advisory lock lets several app processes start at once.
 */
export async function migrate(db: Kysely<Database>, directory = migrationsDirectory): Promise<MigrationResult> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.sql')).sort();
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(connection);
    try {
      await sql`create table if not exists schema_migrations (
        name text primary key,
        applied_at timestamptz not null default now()
      )`.execute(connection);
      const done = await sql<{ name: string }>`select name from schema_migrations`.execute(connection);
      const appliedBefore = new Set(done.rows.map((row) => row.name));
      const applied: string[] = [];
      for (const file of files) {
        if (appliedBefore.has(file)) continue;
        const text = await readFile(path.join(directory, file), 'utf8');
        await connection.transaction().execute(async (trx) => {
          await sql.raw(text).execute(trx);
          await sql`insert into schema_migrations (name) values (${file})`.execute(trx);
        });
        applied.push(file);
      }
      return { applied, alreadyApplied: appliedBefore.size };
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(connection);
    }
  });
}
