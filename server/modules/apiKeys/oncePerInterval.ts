// Past this many remembered keys, expired ones are swept out so the map cannot grow without end.
const SWEEP_THRESHOLD = 10_000;

/** Lets one event per key through in each interval; the rest are dropped. In memory, per process. */
export class OncePerInterval {
  readonly #intervalMs: number;
  readonly #lastAllowed = new Map<string, number>();

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  allow(key: string, now = Date.now()): boolean {
    const last = this.#lastAllowed.get(key);
    if (last !== undefined && now - last < this.#intervalMs) return false;
    if (this.#lastAllowed.size >= SWEEP_THRESHOLD) this.#forgetExpired(now);
    this.#lastAllowed.set(key, now);
    return true;
  }

  #forgetExpired(now: number): void {
    for (const [key, at] of this.#lastAllowed) {
      if (now - at >= this.#intervalMs) this.#lastAllowed.delete(key);
    }
  }
}
