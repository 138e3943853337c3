/**
 * Background work that many callers may ask for at once, done one run at a time: a request made
 * while a run is going is folded with every other such request into one more run afterwards.
 * `request()` resolves when a run that started after the request has finished, so a caller that
 * needs the result can wait for it and one that does not can ignore the promise.
 */
export class CoalescedRun {
  readonly #work: () => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #running: Promise<void> | undefined;
  #pending: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(work: () => Promise<void>, onError: (error: unknown) => void) {
    this.#work = work;
    this.#onError = onError;
  }

  request(): Promise<void> {
    if (!this.#pending) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((done) => (resolve = done));
      this.#pending = { promise, resolve };
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
      const { resolve } = this.#pending;
      this.#pending = undefined;
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
