import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { type DatabaseHandle, type DatabaseKind, newPglite, openPglite, openPostgres } from '../../server/db/database.ts';
import { postgresUrlForTests, withDatabaseName } from './postgresUrl.ts';

export interface TestDatabase extends DatabaseHandle {
  /** Drops the database (Postgres) or discards it (PGlite). */
  drop(): Promise<void>;
  /** A connection string, for Postgres databases only (e.g. for a second app process). */
  url?: string;
}

/** The backends this run can test on: always PGlite, and Postgres when a server is reachable. */
export function availableBackends(): DatabaseKind[] {
  return inject('postgresTemplate') ? ['pglite', 'postgres'] : ['pglite'];
}

/** The backend for tests that need only one: Postgres when available, as in production. */
export function preferredBackend(): DatabaseKind {
  return inject('postgresTemplate') ? 'postgres' : 'pglite';
}

let counter = 0;

export async function createTestDatabase(kind: DatabaseKind = preferredBackend()): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const pglite = newPglite({ loadDataDir: new Blob([readFileSync(inject('pgliteSnapshot'))]) });
    const handle = await openPglite(pglite, 'memory');
    return { ...handle, drop: () => handle.close() };
  }
  const template = inject('postgresTemplate');
  const serverUrl = await postgresUrlForTests();
  if (!template || !serverUrl) throw new Error('No PostgreSQL server for this test run');
  counter += 1;
  const name = `oneroof_t_${inject('runId')}_${process.pid}_${counter}_${randomBytes(2).toString('hex')}`;
  await withAdmin(serverUrl, async (admin) => {
    // Copies of one template cannot start at the same instant; retry briefly when they collide.
    for (let attempt = 0; ; attempt += 1) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  });
  const url = withDatabaseName(serverUrl, name);
  const handle = openPostgres(url, { poolSize: 5 });
  return {
    ...handle,
    url,
    drop: async () => {
      await handle.close();
      await withAdmin(serverUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function withAdmin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
