import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';

export class NotificationsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(userId: string, page: { limit: number; offset: number }) {
    return this.#db
      .selectFrom('notifications')
      .select(['id', 'kind', 'case_id', 'referral_id', 'details', 'created_at', 'read_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
  }

  async count(userId: string): Promise<number> {
    const row = await this.#db.selectFrom('notifications').select((eb) => eb.fn.countAll<string>().as('count')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Answered from the partial index on unread notifications: cheap enough for every page. */
  async unreadCount(userId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Marks one of the user's own notifications read; false when they have no such notification. */
  async markRead(userId: string, notificationId: string): Promise<boolean> {
    if (!isUuid(notificationId)) return false;
    const result = await this.#db
      .updateTable('notifications')
      .set({ read_at: sql<Date>`coalesce(read_at, now())` })
      .where('id', '=', notificationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
