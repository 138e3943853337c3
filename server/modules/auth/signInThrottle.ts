import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.ts';

export interface ThrottlePolicy {
  maxFailures: number;
  lockMinutes: number;
}

const MAX_LOCK_MS = 24 * 60 * 60 * 1000;

/**
 * Counts failed attempts per key ('email:…', 'ip:…', 'mfa:…') in the database, so every app
 * process sees the same count. Reaching the limit locks the key; each further lock doubles.
 */
export class SignInThrottle {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Seconds until the first of these keys unlocks, or 0 when none is locked. */
  async lockedForSeconds(keys: string[]): Promise<number> {
    const rows = await this.#db
      .selectFrom('sign_in_throttle')
      .select('locked_until')
      .where('key', 'in', keys)
      .where('locked_until', '>', new Date())
      .execute();
    const until = Math.max(0, ...rows.map((row) => row.locked_until?.getTime() ?? 0));
    return until === 0 ? 0 : Math.ceil((until - Date.now()) / 1000);
  }

  /** Counts a failure against the key; true when this failure locked it. */
  async registerFailure(key: string, policy: ThrottlePolicy): Promise<boolean> {
    const row = await this.#db
      .insertInto('sign_in_throttle')
      .values({ key, failures: 1 })
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet({
          // Failures older than the lock period no longer count towards a lock.
          failures: sql`case when sign_in_throttle.last_failure_at < now() - make_interval(mins => ${policy.lockMinutes})
                          then 1 else sign_in_throttle.failures + 1 end`,
          last_failure_at: sql`now()`,
        }),
      )
      .returning(['failures', 'lock_count'])
      .executeTakeFirstOrThrow();
    if (row.failures < policy.maxFailures) return false;
    const lockMs = Math.min(policy.lockMinutes * 60_000 * 2 ** row.lock_count, MAX_LOCK_MS);
    await this.#db
      .updateTable('sign_in_throttle')
      .set({ failures: 0, lock_count: row.lock_count + 1, locked_until: new Date(Date.now() + lockMs) })
      .where('key', '=', key)
      .execute();
    return true;
  }

  async clear(key: string): Promise<void> {
    await this.#db.deleteFrom('sign_in_throttle').where('key', '=', key).execute();
  }
}

export const throttleKeys = {
  email: (email: string) => `email:${email.trim().toLowerCase()}`,
  ip: (ip: string) => `ip:${ip}`,
  mfa: (userId: string) => `mfa:${userId}`,
};
