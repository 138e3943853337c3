/**
 * Background work that many callers may ask for at once, done one run at a time: a request made
 * while a run is going is folded with every other such request into one more run afterwards.
 * `request()` resolves when a run that started after the request has finished, so a caller that
 * needs the result can wait for it and one that does not can ignore the promise. A run asked for
 * without `promptly` starts no sooner than `minIntervalMs` after the last one began, so a steady
 * trickle of requests (an agency's system pushing one incident at a time) costs one run per
 * interval, not one per request; a prompt request (a person waiting for their import) skips the wait.
 */
export class CoalescedRun {
  readonly #work: () => Promise<void>;
  readonly #onError: (error: unknown) => void;
  readonly #minIntervalMs: number;
  #running: Promise<void> | undefined;
  #pending: { promise: Promise<void>; resolve: () => void; promptly: boolean } | undefined;
  #lastStarted = -Infinity;
  #wake: (() => void) | undefined;

  constructor(work: () => Promise<void>, onError: (error: unknown) => void, options: { minIntervalMs?: number } = {}) {
    this.#work = work;
    this.#onError = onError;
    this.#minIntervalMs = options.minIntervalMs ?? 0;
  }

  request(options: { promptly?: boolean } = {}): Promise<void> {
    if (!this.#pending) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((done) => (resolve = done));
      this.#pending = { promise, resolve, promptly: false };
    }
    if (options.promptly) {
      this.#pending.promptly = true;
      this.#wake?.();
    }
    const { promise } = this.#pending;
    this.#running ??= this.#drain();
    return promise;
  }

  /** Resolves once no run is going or waiting (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    while (this.#pending) {
      const wait = this.#lastStarted + this.#minIntervalMs - performance.now();
      if (!this.#pending.promptly && wait > 0) {
        const timer = new Promise<void>((done) => {
          this.#wake = done;
          setTimeout(done, wait).unref();
        });
        await timer;
        this.#wake = undefined;
      }
      const { resolve } = this.#pending;
      this.#pending = undefined;
      this.#lastStarted = performance.now();
      try {
        await this.#work();
      } catch (error) {
        this.#onError(error);
      }
      resolve();
    }
    this.#running = undefined;
  }
}
