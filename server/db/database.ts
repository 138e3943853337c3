import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { claimEmbeddedStore } from './embeddedStoreLock.ts';
import type { Database } from './schema.ts';

// Calendar dates stay strings ('2026-11-25'): turning them into Date objects would shift them
// across midnight in any time zone west of UTC.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

export type DatabaseKind = 'postgres' | 'pglite';

export interface DatabaseHandle {
  db: Kysely<Database>;
  /**
   * Where analytics read from: a read replica when ANALYTICS_DATABASE_URL names one, otherwise
   * `db`. Only reads of figures go here; everything that writes uses `db`.
   */
  analytics: Kysely<Database>;
  kind: DatabaseKind;
  /** Where the data lives, for logs: a redacted URL or the embedded store's folder. */
  location: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  /** A read replica of databaseUrl for analytics queries (PostgreSQL only). */
  analyticsDatabaseUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
  onPoolError?: (error: Error) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const primary = openPostgres(options.databaseUrl, options);
    if (!options.analyticsDatabaseUrl) return primary;
    const replica = openPostgres(options.analyticsDatabaseUrl, options);
    return {
      ...primary,
      analytics: replica.db,
      close: async () => {
        await replica.close();
        await primary.close();
      },
    };
  }
  const directory = path.resolve(options.dataDir, 'pglite');
  mkdirSync(directory, { recursive: true });
  const release = claimEmbeddedStore(directory);
  try {
    const handle = await openPglite(newPglite({ dataDir: directory }), directory, options);
    return {
      ...handle,
      close: async () => {
        await handle.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

export function openPostgres(databaseUrl: string, options: Pick<DatabaseOptions, 'poolSize' | 'onPoolError'> = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'oneroof',
  });
  // A client losing its server must not crash the process: the pool drops an idle one and the
  // next query reconnects. A client that is checked out but between queries has no pool
  // listener, so each client gets its own; otherwise its 'error' event is an uncaught exception.
  pool.on('error', (error) => options.onPoolError?.(error));
  pool.on('connect', (client) => client.on('error', (error) => options.onPoolError?.(error)));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, analytics: db, kind: 'postgres', location: redactUrl(databaseUrl), close: () => db.destroy() };
}

/** A PGlite instance with the extensions the migrations create (fuzzy name search). */
export function newPglite(options: PGliteOptions = {}): PGlite {
  return new PGlite({ ...options, extensions: { pg_trgm, fuzzystrmatch } });
}

export async function openPglite(
  pglite: PGlite,
  location: string,
  options: Pick<DatabaseOptions, 'onPoolError'> = {},
): Promise<DatabaseHandle> {
  await pglite.waitReady;
  const pool = new pg.Pool(createPgConfig(pglite));
  pool.on('error', (error) => options.onPoolError?.(error));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    analytics: db,
    kind: 'pglite',
    location,
    close: async () => {
      await db.destroy();
      await pglite.close();
    },
  };
}

export async function pingDatabase(db: Kysely<Database>, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres';
  }
}
