import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { NotFound } from '../../shared/errors.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { outboxPolicy } from './outboxPolicy.ts';
import { type OutboxMessage, OutboxRepository } from './outboxRepository.ts';

export const OUTBOX_LIST_LIMIT = 200;

export interface OutboxSettings {
  /** True when SMTP_URL is set and the mailer delivers the outbox. */
  sendsEmail: boolean;
}

export interface OutboxMessageView {
  message: OutboxMessage;
  /** The text itself, or undefined when it is withheld. */
  body: string | undefined;
}

/** The e-mail outbox as administrators read it. */
export class OutboxService {
  readonly #repository: OutboxRepository;
  readonly #audit: AuditTrail;
  readonly #settings: OutboxSettings;

  constructor(db: Kysely<Database>, audit: AuditTrail, settings: OutboxSettings) {
    this.#repository = new OutboxRepository(db);
    this.#audit = audit;
    this.#settings = settings;
  }

  get sendsEmail(): boolean {
    return this.#settings.sendsEmail;
  }

  list(viewer: CurrentUser): Promise<OutboxMessage[]> {
    return this.#repository.list(outboxPolicy(viewer).listScope, OUTBOX_LIST_LIMIT);
  }

  /** One message. Messages of other organisations are "not found" to organisation administrators. */
  async view(viewer: CurrentUser, messageId: string, actor: Actor): Promise<OutboxMessageView> {
    const message = await this.#repository.findById(messageId);
    if (!message || !outboxPolicy(viewer).canSee(message)) throw new NotFound();
    // Bodies carry one-time sign-in links. Once SMTP delivers them, only the recipient should
    // hold them; without SMTP this page is how an administrator passes the link on.
    const body = this.#settings.sendsEmail ? undefined : message.body_text;
    await this.#audit.record(actor, {
      action: 'OUTBOX_MESSAGE_VIEWED',
      recordType: 'email_outbox',
      recordId: message.id,
      details: { to: message.to_address, bodyShown: body !== undefined },
    });
    return { message, body };
  }
}
