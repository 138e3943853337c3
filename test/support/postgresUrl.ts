import pg from 'pg';

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The PostgreSQL server tests may create databases on: DATABASE_URL when set, otherwise a
 * local server if one answers. Undefined means the suite runs on PGlite alone.
 */
export async function postgresUrlForTests(): Promise<string | undefined> {
  const candidate = process.env.DATABASE_URL || LOCAL_SERVER;
  const client = new pg.Client({ connectionString: candidate, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return candidate;
  } catch {
    if (process.env.DATABASE_URL) throw new Error(`DATABASE_URL is set but the server does not answer: ${process.env.DATABASE_URL}`);
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function withDatabaseName(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
