import type { SharingAgreementsService } from './sharingAgreementsService.ts';

interface Logger {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

const HOURLY = 60 * 60_000;

/**
 * Review reminders and expiry run once an hour in each app process. No queue or lock is
 * needed: each agreement is marked reminded (or expired) in the statement that selects it, so a
 * second process finds nothing left to do, and a day's granularity makes an hourly tick ample.
 */
export class SharingAgreementScheduler {
  readonly #service: SharingAgreementsService;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(service: SharingAgreementsService, log: Logger) {
    this.#service = service;
    this.#log = log;
  }

  start(): void {
    this.#timer = setInterval(() => void this.tick(), HOURLY);
    this.#timer.unref();
    void this.tick();
  }

  async tick(): Promise<void> {
    if (this.#running) return;
    this.#running = this.#service
      .remindAndExpire()
      .then((result) => {
        if (result.reminded > 0 || result.expired > 0) this.#log.info({ sharingAgreements: result }, 'sharing agreement reviews and expiries processed');
      })
      .catch((error: unknown) => this.#log.error({ err: error instanceof Error ? error.message : String(error) }, 'sharing agreement reminders failed'));
    try {
      await this.#running;
    } finally {
      this.#running = undefined;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
