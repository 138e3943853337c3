import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Database } from '../../db/schema.ts';
import { OutboxRepository } from './outboxRepository.ts';

export interface MailerLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/**
 * Sends the e-mail outbox through SMTP when SMTP_URL is set. Without it, messages stay in the
 * outbox for an administrator to read on the outbox page (how a demo or test instance works).
 */
export class OutboxMailer {
  readonly #db: Kysely<Database>;
  readonly #repository: OutboxRepository;
  readonly #transport: Transporter;
  readonly #from: string;
  readonly #logger: MailerLogger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(db: Kysely<Database>, smtpUrl: string, from: string, logger: MailerLogger) {
    this.#db = db;
    this.#repository = new OutboxRepository(db);
    this.#transport = nodemailer.createTransport(smtpUrl);
    this.#from = from;
    this.#logger = logger;
  }

  start(intervalMs = 10_000): void {
    this.#timer = setInterval(() => void this.sendPending(), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
    this.#transport.close();
  }

  /** Sends what is pending; overlapping calls share one run. Returns how many were sent. */
  sendPending(): Promise<number> {
    this.#running ??= this.#sendBatch().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #sendBatch(): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      const messages = await this.#repository.claimPending(trx, 20);
      let sent = 0;
      for (const message of messages) {
        try {
          await this.#transport.sendMail({ from: this.#from, to: message.to_address, subject: message.subject, text: message.body_text });
          await this.#repository.markSent(trx, message.id);
          sent += 1;
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          await this.#repository.markFailed(trx, message.id, message.attempts + 1, reason);
          this.#logger.warn({ messageId: message.id, reason }, 'e-mail not sent');
        }
      }
      if (sent > 0) this.#logger.info({ sent }, 'e-mails sent');
      return sent;
    });
  }
}
