import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { randomToken, sha256Hex } from '../../shared/crypto.ts';

export type TokenPurpose = 'invite' | 'password_reset';

type Executor = Kysely<Database> | Transaction<Database>;

/** Invitation and password-reset links: random, stored only as a hash, single use, expiring. */
export class OneTimeTokensRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async issue(executor: Executor, userId: string, purpose: TokenPurpose, lifetimeMs: number, createdBy: string | null): Promise<string> {
    const token = randomToken(32);
    // A new link replaces any earlier unused one for the same purpose.
    await executor
      .updateTable('one_time_tokens')
      .set({ used_at: new Date() })
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .execute();
    await executor
      .insertInto('one_time_tokens')
      .values({
        user_id: userId,
        purpose,
        token_hash: sha256Hex(token),
        expires_at: new Date(Date.now() + lifetimeMs),
        created_by: createdBy,
      })
      .execute();
    return token;
  }

  /** The user a still-valid token belongs to, without using it up. */
  async peek(token: string, purpose: TokenPurpose): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('one_time_tokens')
      .select('user_id')
      .where('token_hash', '=', sha256Hex(token))
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .executeTakeFirst();
    return row?.user_id;
  }

  /** Uses the token up; only one of any number of concurrent requests gets the user id. */
  async consume(trx: Transaction<Database>, token: string, purpose: TokenPurpose): Promise<string | undefined> {
    const row = await trx
      .updateTable('one_time_tokens')
      .set({ used_at: new Date() })
      .where('token_hash', '=', sha256Hex(token))
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning('user_id')
      .executeTakeFirst();
    return row?.user_id;
  }

  async lastIssuedAt(userId: string, purpose: TokenPurpose): Promise<Date | undefined> {
    const row = await this.#db
      .selectFrom('one_time_tokens')
      .select('created_at')
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.created_at;
  }
}
