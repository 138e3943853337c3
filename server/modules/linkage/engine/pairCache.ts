/**
 * A per-thread memo of a small answer (a level, or a yes/no) for an unordered pair of dictionary
 * tokens: open addressing over typed arrays, so a look-up allocates nothing (a Map keyed by
 * tokenA × size + tokenB boxes every key once dictionaries pass 46,341 values). When half full it
 * starts again empty, which bounds memory at about 9 bytes a slot.
 */
export class PairCache {
  readonly #first: Int32Array;
  readonly #second: Int32Array;
  readonly #answers: Int8Array;
  readonly #mask: number;
  #size = 0;

  constructor(slotsPowerOfTwo = 20) {
    const slots = 1 << slotsPowerOfTwo;
    this.#first = new Int32Array(slots).fill(-1);
    this.#second = new Int32Array(slots);
    this.#answers = new Int8Array(slots);
    this.#mask = slots - 1;
  }

  /** The answer for tokens (a, b) in either order, computing and keeping it the first time. */
  get(tokenA: number, tokenB: number, compute: () => number): number {
    const low = tokenA < tokenB ? tokenA : tokenB;
    const high = tokenA < tokenB ? tokenB : tokenA;
    let slot = (Math.imul(low, 0x9e3779b1) ^ Math.imul(high, 0x85ebca6b)) & this.#mask;
    for (;;) {
      const stored = this.#first[slot]!;
      if (stored === -1) break;
      if (stored === low && this.#second[slot] === high) return this.#answers[slot]!;
      slot = (slot + 1) & this.#mask;
    }
    const answer = compute();
    if (this.#size * 2 >= this.#mask) {
      this.#first.fill(-1);
      this.#size = 0;
      slot = (Math.imul(low, 0x9e3779b1) ^ Math.imul(high, 0x85ebca6b)) & this.#mask;
    }
    this.#first[slot] = low;
    this.#second[slot] = high;
    this.#answers[slot] = answer;
    this.#size += 1;
    return answer;
  }
}

/** One cache per dictionary (so per field and per run), per thread. */
export function pairCacheFor(dictionaries: WeakMap<readonly string[], PairCache>, dictionary: readonly string[]): PairCache {
  let cache = dictionaries.get(dictionary);
  if (!cache) {
    // Small dictionaries need few slots; large ones up to 2^22 (about 38 MB).
    cache = new PairCache(Math.min(22, Math.max(12, Math.ceil(Math.log2(Math.max(2, dictionary.length))) + 4)));
    dictionaries.set(dictionary, cache);
  }
  return cache;
}
