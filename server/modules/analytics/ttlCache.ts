/** Results kept for a short time per key; a failed load is forgotten at once. */
export class TtlCache {
  readonly #entries = new Map<string, { until: number; value: Promise<unknown> }>();
  readonly #seconds: number;
  readonly #maxEntries: number;

  constructor(seconds: number, maxEntries = 200) {
    this.#seconds = seconds;
    this.#maxEntries = maxEntries;
  }

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.until > now) return hit.value as Promise<T>;
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    const value = load();
    this.#entries.set(key, { until: now + this.#seconds * 1000, value });
    value.catch(() => this.#entries.delete(key));
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}
