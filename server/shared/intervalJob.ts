/** What an interval job reports to: the app's logger. */
export interface JobLogger {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/**
 * A timer in this process that runs one job every `everyMs`, never two at once: a tick while the
 * last run is still going is skipped. A failed run is logged and the timer carries on; `stop()`
 * waits for a run in progress. Used by the schedulers when there is no job queue (the embedded
 * store) or when an operator chooses the interval.
 */
export class IntervalJob<T> {
  readonly #run: () => Promise<T | undefined>;
  readonly #log: JobLogger;
  readonly #failure: string;
  readonly #everyMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<T | undefined> | undefined;

  constructor(run: () => Promise<T | undefined>, options: { log: JobLogger; everyMs: number; failureMessage: string }) {
    this.#run = run;
    this.#log = options.log;
    this.#everyMs = options.everyMs;
    this.#failure = options.failureMessage;
  }

  /** Starts the timer; with `runNow` the first run starts at once rather than after one interval. */
  start(options: { runNow?: boolean } = {}): void {
    this.#timer = setInterval(() => void this.tick(), this.#everyMs);
    this.#timer.unref();
    if (options.runNow) void this.tick();
  }

  /** One run, unless the previous one is still going (then undefined). */
  async tick(): Promise<T | undefined> {
    if (this.#running) return undefined;
    const run = this.#run().catch((error: unknown) => {
      this.#log.error({ err: error instanceof Error ? error.message : String(error) }, this.#failure);
      return undefined;
    });
    this.#running = run;
    try {
      return await run;
    } finally {
      this.#running = undefined;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
