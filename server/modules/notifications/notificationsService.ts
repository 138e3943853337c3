import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { NotFound } from '../../shared/errors.ts';
import type { CurrentUser } from '../../types.ts';
import { NotificationsRepository } from './notificationsRepository.ts';

export const NOTIFICATIONS_PAGE_SIZE = 50;

/** Each person's own notifications: other modules insert them, people read them here. */
export class NotificationsService {
  readonly #repository: NotificationsRepository;

  constructor(db: Kysely<Database>) {
    this.#repository = new NotificationsRepository(db);
  }

  async list(user: CurrentUser, page: number) {
    const [notifications, total] = await Promise.all([
      this.#repository.list(user.id, { limit: NOTIFICATIONS_PAGE_SIZE, offset: (page - 1) * NOTIFICATIONS_PAGE_SIZE }),
      this.#repository.count(user.id),
    ]);
    return { notifications, total };
  }

  async unreadCount(userId: string): Promise<number> {
    return this.#repository.unreadCount(userId);
  }

  /** Someone else's notification is "not found", like one that does not exist. */
  async markRead(user: CurrentUser, notificationId: string): Promise<void> {
    if (!(await this.#repository.markRead(user.id, notificationId))) throw new NotFound();
  }
}
