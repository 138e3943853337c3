import type { Session } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { sha256Hex } from '../shared/crypto.ts';
import { isDatabaseUnavailable } from '../shared/errors.ts';

type Callback = (error?: unknown) => void;
type SessionCallback = (error: unknown, session?: Session | null) => void;

/**
 * Keeps sessions in PostgreSQL so that a restart keeps people signed in and several app
 * processes share them. Rows are keyed by a hash of the session id: a copy of the table cannot
 * be replayed as cookies.
 */
export class DatabaseSessionStore {
  readonly #db: Kysely<Database>;
  readonly #idleMs: number;

  constructor(db: Kysely<Database>, idleMs: number) {
    this.#db = db;
    this.#idleMs = idleMs;
  }

  get(sessionId: string, callback: SessionCallback): void {
    this.#db
      .selectFrom('sessions')
      .select(['data', 'expires_at'])
      .where('sid_hash', '=', sha256Hex(sessionId))
      .executeTakeFirst()
      .then((row) => {
        if (!row || row.expires_at.getTime() <= Date.now()) return callback(null, null);
        callback(null, reviveSession(row.data));
      }, callback);
  }

  set(sessionId: string, session: Session, callback: Callback): void {
    const expiresAt = new Date(Date.now() + this.#idleMs);
    const userId = session.userId ?? session.pending?.userId ?? null;
    const data = JSON.stringify(session);
    this.#db
      .insertInto('sessions')
      .values({ sid_hash: sha256Hex(sessionId), user_id: userId, data, expires_at: expiresAt })
      .onConflict((conflict) =>
        conflict.column('sid_hash').doUpdateSet({ user_id: userId, data, expires_at: expiresAt, updated_at: new Date() }),
      )
      .execute()
      // With the database gone, a page's answer (the 503 page above all) must still reach the
      // browser: the session keeps its stored state and the change is lost, failing closed.
      .then(() => callback(), (error: unknown) => callback(isDatabaseUnavailable(error) ? undefined : error));
  }

  destroy(sessionId: string, callback: Callback): void {
    this.#db
      .deleteFrom('sessions')
      .where('sid_hash', '=', sha256Hex(sessionId))
      .execute()
      .then(() => callback(), callback);
  }
}

function reviveSession(data: unknown): Session {
  const session = data as Session & { cookie: { expires?: string | Date | null } };
  if (typeof session.cookie?.expires === 'string') session.cookie.expires = new Date(session.cookie.expires);
  return session;
}

export async function deleteExpiredSessions(db: Kysely<Database>): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', new Date()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteSessionsOfUser(db: Kysely<Database>, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}
