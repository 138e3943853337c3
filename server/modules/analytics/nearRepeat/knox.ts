/**
 * The Knox test for near repeats, as in Ratcliffe's Near Repeat Calculator: every unordered pair
 * of events is counted in the cell of its spatial band × temporal band. Bands are closed on the
 * right and the first starts at 0, so with bands 100,200 a pair 100 m apart is in the first band
 * and one 100.5 m apart in the second; pairs beyond the last band of either kind are not counted.
 *
 * Cost: the close pairs (within the largest distance band) are found once through a grid whose
 * cells are at least that wide, so only events in neighbouring cells are compared, and each close
 * pair's distance band is stored. Every permutation then shuffles the dates (O(n)) and looks only
 * at the stored pairs (O(P)): O(n log n + C + I·(n + P)) in all, with C the candidate pairs in
 * neighbouring cells, P ≤ C the close pairs and I the permutations. Memory O(n + P): 4 bytes a
 * close pair, on shared memory read by every worker. Permutations are counted four at a time so
 * each stored pair is read once per four.
 */

/** One event: where (WGS84 degrees) and on which day (whole days since 1970-01-01). */
export interface NearRepeatEvent {
  longitude: number;
  latitude: number;
  day: number;
}

/** Mean Earth radius (IUGG), the one @turf/distance uses too. */
export const EARTH_RADIUS_M = 6_371_008.8;

const RADIANS = Math.PI / 180;

/**
 * Great-circle distance in metres (haversine) between two points given in radians. Written out
 * rather than taken from @turf/distance (which the tests use to check it): the engine measures tens
 * of millions of candidate pairs, and turf's per-call coordinate checks and unit conversions would
 * cost more than the formula itself.
 */
export function haversineMetres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const sinLat = Math.sin((lat2 - lat1) / 2);
  const sinLon = Math.sin((lon2 - lon1) / 2);
  const h = sinLat * sinLat + Math.cos(lat1) * Math.cos(lat2) * sinLon * sinLon;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Index of the band (closed on the right, first from 0) holding `value`, or -1 beyond the last. */
export function bandIndex(bands: readonly number[], value: number): number {
  for (let band = 0; band < bands.length; band += 1) if (value <= bands[band]!) return band;
  return -1;
}

/** Relative closeness of h to a band's edge at which the exact distance decides. */
const EDGE = 1e-9;

/** Bits of a packed pair that hold its distance band; the rest hold the partner's index. */
const BAND_BITS = 5;
const BAND_MASK = (1 << BAND_BITS) - 1;
export const MAX_DISTANCE_BANDS = 1 << BAND_BITS;
export const MAX_EVENTS = 2 ** (31 - BAND_BITS);
/** Row offsets are 32-bit. */
const MAX_PAIRS = 2 ** 30;

/**
 * The close pairs in compressed rows: event i's partners are `partners[offsets[i]..offsets[i+1])`,
 * each packed as (partner index << 5) | distance band, so the hot loop reads one array. Every
 * array sits on shared memory so workers read it without a copy. `days` is in the same (grid)
 * order as the rows.
 */
export interface ClosePairs {
  eventCount: number;
  days: Int32Array;
  offsets: Int32Array;
  partners: Int32Array;
}

export function findClosePairs(events: readonly NearRepeatEvent[], distanceBands: readonly number[]): ClosePairs {
  if (events.length > MAX_EVENTS) throw new RangeError(`Near-repeat analysis takes at most ${MAX_EVENTS} events`);
  if (distanceBands.length > MAX_DISTANCE_BANDS) throw new RangeError(`Near-repeat analysis takes at most ${MAX_DISTANCE_BANDS} distance bands`);
  const maxDistance = distanceBands[distanceBands.length - 1]!;
  // No pair further apart north–south than this can be within maxDistance: a cheap test first.
  const maxLatitudeApart = maxDistance / EARTH_RADIUS_M;
  const order = gridOrder(events, maxDistance);
  const n = events.length;
  const lat = new Float64Array(n);
  const lon = new Float64Array(n);
  const days = new Int32Array(new SharedArrayBuffer(n * 4));
  order.indices.forEach((original, i) => {
    lat[i] = events[original]!.latitude * RADIANS;
    lon[i] = events[original]!.longitude * RADIANS;
    days[i] = events[original]!.day;
  });

  const offsets = new Int32Array(new SharedArrayBuffer((n + 1) * 4));
  const partners = new GrowingArray(Int32Array, n * 8);
  const cosLat = lat.map(Math.cos);
  // Distance grows with the haversine h, so bands are compared as h: no asin or square root per
  // candidate. Only an h within a hair of a band's edge is settled by the distance itself.
  const bandH = distanceBands.map((band) => Math.sin(band / (2 * EARTH_RADIUS_M)) ** 2);
  const lastH = bandH[bandH.length - 1]! * (1 + EDGE);
  const compare = (i: number, from: number, to: number) => {
    const latI = lat[i]!, lonI = lon[i]!, cosI = cosLat[i]!;
    for (let j = from; j < to; j += 1) {
      const dLat = latI - lat[j]!;
      if (dLat > maxLatitudeApart || -dLat > maxLatitudeApart) continue;
      const sinLat = Math.sin(dLat / 2);
      const sinLon = Math.sin((lonI - lon[j]!) / 2);
      const h = sinLat * sinLat + cosI * cosLat[j]! * sinLon * sinLon;
      if (h > lastH) continue;
      let band = 0;
      while (band < bandH.length && h > bandH[band]! * (1 + EDGE)) band += 1;
      if (band < bandH.length && h >= bandH[band]! * (1 - EDGE)) band = bandIndex(distanceBands, haversineMetres(latI, lonI, lat[j]!, lon[j]!));
      if (band >= 0) partners.push((j << BAND_BITS) | band);
    }
  };
  for (const [key, range] of order.cells) {
    // Half the neighbourhood (this cell and the four cells with a larger key), so each pair is met once.
    const column = key % order.columns;
    const ahead = [
      column + 1 < order.columns ? key + 1 : -1,
      column > 0 ? key + order.columns - 1 : -1,
      key + order.columns,
      column + 1 < order.columns ? key + order.columns + 1 : -1,
    ]
      .map((neighbour) => order.cells.get(neighbour))
      .filter((cell) => cell !== undefined);
    for (let i = range.start; i < range.end; i += 1) {
      offsets[i] = partners.length;
      compare(i, i + 1, range.end);
      for (const cell of ahead) compare(i, cell.start, cell.end);
    }
  }
  offsets[n] = partners.length;
  return { eventCount: n, days, offsets, partners: partners.toShared() };
}

interface GridOrder {
  /** Original index of each event, sorted by grid cell. */
  indices: number[];
  columns: number;
  cells: Map<number, { start: number; end: number }>;
}

/**
 * Grid cells at least `maxDistance` wide, so any two events that close are in the same or
 * neighbouring cells. In latitude that is maxDistance/R; in longitude the width must hold at the
 * highest latitude in the data: hav(d/R) ≥ cos φ1 cos φ2 hav(Δλ) ≥ c² hav(Δλ), c = min cos φ.
 */
function gridOrder(events: readonly NearRepeatEvent[], maxDistance: number): GridOrder {
  let minLat = Infinity, minLon = Infinity, maxLon = -Infinity, maxAbsLat = 0;
  for (const event of events) {
    minLat = Math.min(minLat, event.latitude);
    minLon = Math.min(minLon, event.longitude);
    maxLon = Math.max(maxLon, event.longitude);
    maxAbsLat = Math.max(maxAbsLat, Math.abs(event.latitude));
  }
  const angle = maxDistance / EARTH_RADIUS_M;
  const latCell = angle / RADIANS;
  const sinHalf = Math.sin(angle / 2) / Math.max(Math.cos(maxAbsLat * RADIANS), 1e-9);
  const lonCell = sinHalf >= 1 ? 360 : (2 * Math.asin(sinHalf)) / RADIANS;
  const columns = Math.floor((maxLon - minLon) / lonCell) + 1;
  const keys = events.map((event) => Math.floor((event.latitude - minLat) / latCell) * columns + Math.floor((event.longitude - minLon) / lonCell));
  const indices = events.map((_, index) => index).sort((a, b) => keys[a]! - keys[b]! || a - b);
  const cells = new Map<number, { start: number; end: number }>();
  indices.forEach((original, position) => {
    const key = keys[original]!;
    const cell = cells.get(key);
    if (cell) cell.end = position + 1;
    else cells.set(key, { start: position, end: position + 1 });
  });
  return { indices, columns, cells };
}

type TypedArrayConstructor<T> = { new (length: number): T; new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };

/** An append-only typed array that doubles when full, copied once at the end onto shared memory. */
class GrowingArray<T extends Int32Array> {
  length = 0;
  private values: T;
  private readonly type: TypedArrayConstructor<T>;

  constructor(type: TypedArrayConstructor<T>, capacity: number) {
    this.type = type;
    this.values = new type(Math.max(16, capacity));
  }

  push(value: number): void {
    if (this.length === this.values.length) {
      if (this.length >= MAX_PAIRS) throw new RangeError(`More than ${MAX_PAIRS} pairs of events are within the largest distance band: use a smaller one, or fewer events.`);
      const bigger = new this.type(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length] = value;
    this.length += 1;
  }

  toShared(): T {
    const shared = new this.type(new SharedArrayBuffer(this.length * this.type.BYTES_PER_ELEMENT));
    shared.set(this.values.subarray(0, this.length));
    return shared;
  }
}

/** timeBandOf[Δdays] is the time band of a pair that many days apart, for 0 ≤ Δdays ≤ the last band. */
export function timeBandLookup(timeBands: readonly number[]): Int8Array {
  const lookup = new Int8Array(timeBands[timeBands.length - 1]! + 1);
  for (let days = 0; days < lookup.length; days += 1) lookup[days] = bandIndex(timeBands, days);
  return lookup;
}

/**
 * Counts the close pairs in each distance band × time band cell (row-major), given each event's day.
 */
export function countPairs(pairs: ClosePairs, days: Int32Array, timeBandOf: Int8Array, timeBandCount: number, counts: Int32Array): void {
  countPairsForBatch(pairs, days, 1, timeBandOf, timeBandCount, counts);
}

/**
 * The hot loop: counts for `batch` permutations at once, so each packed pair is read once per
 * batch. `days[event * batch + b]` is the event's day in permutation b (interleaved, so one cache
 * line holds an event's days in every permutation of the batch); `counts[b * cells + cell]`.
 * No unpredictable branch: days apart, offset by the longest band, is tested as one unsigned
 * compare and looked up in a table that holds both signs.
 */
export function countPairsForBatch(pairs: ClosePairs, days: Int32Array, batch: number, timeBandOf: Int8Array, timeBandCount: number, counts: Int32Array): void {
  counts.fill(0);
  const { offsets, partners } = pairs;
  const longest = timeBandOf.length - 1;
  const width = 2 * longest + 1;
  const cells = counts.length / batch;
  const timeBandOfOffset = new Int32Array(width);
  for (let offset = 0; offset < width; offset += 1) timeBandOfOffset[offset] = timeBandOf[Math.abs(offset - longest)]!;
  if (batch === 4) return countFour(pairs, days, width, longest, timeBandOfOffset, timeBandCount, cells, counts);
  const own = new Int32Array(batch);
  for (let i = 0; i < pairs.eventCount; i += 1) {
    for (let b = 0; b < batch; b += 1) own[b] = days[i * batch + b]! + longest;
    const end = offsets[i + 1]!;
    for (let k = offsets[i]!; k < end; k += 1) {
      const packed = partners[k]!;
      const partner = (packed >>> BAND_BITS) * batch;
      const band = (packed & BAND_MASK) * timeBandCount;
      for (let b = 0; b < batch; b += 1) {
        const offset = own[b]! - days[partner + b]!;
        if (offset >>> 0 < width) counts[b * cells + band + timeBandOfOffset[offset]!]! += 1;
      }
    }
  }
}

/** countPairsForBatch for a batch of four, written out so the JIT keeps everything in registers. */
function countFour(pairs: ClosePairs, days: Int32Array, width: number, longest: number, timeBandOfOffset: Int32Array, timeBandCount: number, cells: number, counts: Int32Array): void {
  const { offsets, partners } = pairs;
  const c1 = cells, c2 = 2 * cells, c3 = 3 * cells;
  for (let i = 0; i < pairs.eventCount; i += 1) {
    const d0 = days[4 * i]! + longest, d1 = days[4 * i + 1]! + longest, d2 = days[4 * i + 2]! + longest, d3 = days[4 * i + 3]! + longest;
    const end = offsets[i + 1]!;
    for (let k = offsets[i]!; k < end; k += 1) {
      const packed = partners[k]!;
      const j = (packed >>> BAND_BITS) * 4;
      const band = (packed & BAND_MASK) * timeBandCount;
      const o0 = d0 - days[j]!, o1 = d1 - days[j + 1]!, o2 = d2 - days[j + 2]!, o3 = d3 - days[j + 3]!;
      if (o0 >>> 0 < width) counts[band + timeBandOfOffset[o0]!]! += 1;
      if (o1 >>> 0 < width) counts[c1 + band + timeBandOfOffset[o1]!]! += 1;
      if (o2 >>> 0 < width) counts[c2 + band + timeBandOfOffset[o2]!]! += 1;
      if (o3 >>> 0 < width) counts[c3 + band + timeBandOfOffset[o3]!]! += 1;
    }
  }
}

/** mulberry32 (Tommy Ettinger, public domain): a small, fast 32-bit seedable generator in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** MurmurHash3's 32-bit finaliser: spreads nearby inputs far apart. */
function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Each permutation's own seed, so results do not depend on how permutations are split over workers. */
export function permutationSeed(seed: number, permutation: number): number {
  return mix32(mix32(seed ^ 0x9e3779b9) + Math.imul(permutation + 1, 0x9e3779b1));
}

/** Fisher–Yates shuffle of `source` into `target`. */
export function shuffleInto(source: Int32Array, target: Int32Array, random: () => number): void {
  target.set(source);
  for (let i = target.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const swap = target[i]!;
    target[i] = target[j]!;
    target[j] = swap;
  }
}

export interface PermutationTotals {
  /** Per cell, the sum of the permuted counts (integers, so exact whatever order they are added in). */
  sums: Float64Array;
  /** Per cell, how many permutations counted at least the observed number. */
  atLeastObserved: Int32Array;
}

export interface PermutationWork {
  pairs: ClosePairs;
  timeBands: readonly number[];
  distanceBandCount: number;
  observed: Int32Array;
  seed: number;
  from: number;
  to: number;
}

/** Permutations counted per pass over the pairs (see countPairsForBatch). */
const BATCH = 4;

/** Runs permutations `from` (inclusive) to `to` (exclusive), each with the dates shuffled among the events. */
export function runPermutations(work: PermutationWork): PermutationTotals {
  const timeBandOf = timeBandLookup(work.timeBands);
  const cells = work.distanceBandCount * work.timeBands.length;
  const sums = new Float64Array(cells);
  const atLeastObserved = new Int32Array(cells);
  const n = work.pairs.eventCount;
  const shuffled = new Int32Array(n);
  const interleaved = new Int32Array(n * BATCH);
  const counts = new Int32Array(cells * BATCH);
  for (let first = work.from; first < work.to; first += BATCH) {
    const batch = Math.min(BATCH, work.to - first);
    for (let b = 0; b < batch; b += 1) {
      shuffleInto(work.pairs.days, shuffled, mulberry32(permutationSeed(work.seed, first + b)));
      for (let event = 0; event < n; event += 1) interleaved[event * batch + b] = shuffled[event]!;
    }
    countPairsForBatch(work.pairs, interleaved.subarray(0, n * batch), batch, timeBandOf, work.timeBands.length, counts.subarray(0, cells * batch));
    for (let b = 0; b < batch; b += 1) {
      for (let cell = 0; cell < cells; cell += 1) {
        const count = counts[b * cells + cell]!;
        sums[cell]! += count;
        if (count >= work.observed[cell]!) atLeastObserved[cell]! += 1;
      }
    }
  }
  return { sums, atLeastObserved };
}
