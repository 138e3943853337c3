import { distance as turfDistance } from '@turf/distance';
import { describe, expect, it } from 'vitest';
import { bandIndex, countPairs, findClosePairs, mulberry32, type NearRepeatEvent, timeBandLookup } from './knox.ts';
import { analyseNearRepeat, type NearRepeatParameters } from './nearRepeatAnalysis.ts';
import { dayOf } from './nearRepeatCsv.ts';

// Along a meridian a north–south offset is the great-circle distance: 1° of latitude = R·π/180 m.
const METRES_PER_DEGREE_LATITUDE = (6_371_008.8 * Math.PI) / 180;
const at = (metresNorth: number, day: number): NearRepeatEvent => ({ longitude: -1.6, latitude: 54.97 + metresNorth / METRES_PER_DEGREE_LATITUDE, day });

/**
 * Six events on one street running north. Distance bands 0–100, (100–200] m; time bands 0–7,
 * (7–14] days. The pairs, counted by hand:
 *   A–B 50 m 3 d → (0,0)    A–C 140 m 10 d → (1,1)   A–D 260 m → beyond   A–E 0 m 20 d → beyond
 *   A–F 0 m 8 d → (0,1)     B–C 90 m 7 d → (0,0)     B–D 210 m → beyond   B–E 50 m 17 d → beyond
 *   B–F 50 m 5 d → (0,0)    C–D 120 m 5 d → (1,0)    C–E 140 m 10 d → (1,1)
 *   C–F 140 m 2 d → (1,0)   D–E, D–F 260 m → beyond  E–F 0 m 12 d → (0,1)
 */
const street = [at(0, 0), at(50, 3), at(140, 10), at(260, 5), at(0, 20), at(0, 8)];
const streetParameters: NearRepeatParameters = { distanceBands: [100, 200], timeBands: [7, 14], iterations: 99, seed: 1 };
const streetObserved = [
  [3, 2],
  [2, 2],
];

/** Every pair, its distance by @turf/distance: an independent check of the grid and the haversine. */
function bruteForceCounts(events: readonly NearRepeatEvent[], distanceBands: number[], timeBands: number[]): number[][] {
  const counts = distanceBands.map(() => timeBands.map(() => 0));
  for (let i = 0; i < events.length; i += 1) {
    for (let j = i + 1; j < events.length; j += 1) {
      const a = events[i]!, b = events[j]!;
      const metres = turfDistance([a.longitude, a.latitude], [b.longitude, b.latitude], { units: 'meters' });
      const row = distanceBands.findIndex((band) => metres <= band);
      const column = timeBands.findIndex((band) => Math.abs(a.day - b.day) <= band);
      if (row >= 0 && column >= 0) counts[row]![column]! += 1;
    }
  }
  return counts;
}

/** Events around a few hotspots, with dates drawn independently of place: no near-repeat pattern. */
function clusteredEvents(count: number, seed: number): NearRepeatEvent[] {
  const random = mulberry32(seed);
  const hotspots = Array.from({ length: 8 }, () => ({ longitude: -1.65 + random() * 0.1, latitude: 54.95 + random() * 0.06 }));
  return Array.from({ length: count }, () => {
    const hotspot = hotspots[Math.floor(random() * hotspots.length)]!;
    const spread = random() < 0.5 ? 0.002 : 0.02;
    return { longitude: hotspot.longitude + (random() - 0.5) * spread * 1.7, latitude: hotspot.latitude + (random() - 0.5) * spread, day: 19_000 + Math.floor(random() * 365) };
  });
}

describe('near-repeat (Knox) analysis', () => {
  it('puts a value in the band closed on the right, the first starting at 0', () => {
    expect([0, 100, 100.001, 200, 200.001].map((value) => bandIndex([100, 200], value))).toEqual([0, 0, 1, 1, -1]);
    expect(Array.from(timeBandLookup([7, 14]))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('reads day-level dates and refuses anything else', () => {
    expect(dayOf('1970-01-02')).toBe(1);
    expect(dayOf('2017-05-25T23:30:00-05:00')).toBe(dayOf('2017-05-25'));
    expect(dayOf('2017-05')).toBeNull();
    expect(dayOf('2017-02-30')).toBeNull();
  });

  it('counts the worked example as counted by hand and by brute force', async () => {
    expect(bruteForceCounts(street, [100, 200], [7, 14])).toEqual(streetObserved);
    const result = await analyseNearRepeat(street, streetParameters, { workers: 1 });
    expect(result.observed).toEqual(streetObserved);
    expect(result.eventCount).toBe(6);
  });

  it('finds exactly the pairs a brute-force search finds, at a northern latitude and across grid cells', () => {
    const events = clusteredEvents(600, 7);
    const distanceBands = [50, 150, 400];
    const timeBands = [3, 30, 90];
    const pairs = findClosePairs(events, distanceBands);
    const counts = new Int32Array(9);
    countPairs(pairs, pairs.days, timeBandLookup(timeBands), 3, counts);
    const expected = bruteForceCounts(events, distanceBands, timeBands);
    expect([[...counts.slice(0, 3)], [...counts.slice(3, 6)], [...counts.slice(6, 9)]]).toEqual(expected);
    expect(expected.flat().reduce((a, b) => a + b)).toBeGreaterThan(500);
  });

  it('derives expected, ratio and p from the permutations', async () => {
    // Two events in the same place on days 0 and 1, a third 10 km away on day 100. Only the close
    // pair counts, and after shuffling it is still 0–7 days apart only if it keeps days {0, 1}:
    // a chance of 1 in 3 in each permutation.
    const events = [at(0, 0), at(0, 1), at(10_000, 100)];
    const iterations = 999;
    const result = await analyseNearRepeat(events, { distanceBands: [10], timeBands: [7], iterations, seed: 42 }, { workers: 2 });
    expect(result.observed).toEqual([[1]]);
    const hits = result.expected[0]![0]! * iterations; // permutations that kept the pair within 7 days
    expect(Number.isInteger(Math.round(hits * 1e9) / 1e9)).toBe(true);
    expect(hits / iterations).toBeGreaterThan(1 / 3 - 0.06);
    expect(hits / iterations).toBeLessThan(1 / 3 + 0.06);
    // Every permutation that counted 1 counted at least the observed 1.
    expect(result.p[0]![0]).toBeCloseTo((1 + hits) / (1 + iterations), 12);
    expect(result.ratio[0]![0]).toBeCloseTo(1 / (hits / iterations), 12);

    // Observed 0 in a cell: every permutation counts at least that, so p = 1.
    const apart = await analyseNearRepeat([at(0, 0), at(0, 50), at(10_000, 1)], { distanceBands: [10], timeBands: [7], iterations: 9, seed: 42 }, { workers: 1 });
    expect(apart.observed).toEqual([[0]]);
    expect(apart.p).toEqual([[1]]);
  });

  it('gives the same answer for the same seed, whatever the number of workers', async () => {
    const events = clusteredEvents(2000, 11);
    const parameters = { distanceBands: [100, 200, 300], timeBands: [7, 14, 21], iterations: 49, seed: 5 };
    const one = await analyseNearRepeat(events, parameters, { workers: 1 });
    const two = await analyseNearRepeat(events, parameters, { workers: 2 });
    const three = await analyseNearRepeat(events, parameters, { workers: 3 });
    expect(two).toEqual(one);
    expect(three).toEqual(one);
    expect(await analyseNearRepeat(events, parameters, { workers: 2 })).toEqual(one);
    const otherSeed = await analyseNearRepeat(events, { ...parameters, seed: 6 }, { workers: 2 });
    expect(otherSeed.observed).toEqual(one.observed);
    expect(otherSeed.expected).not.toEqual(one.expected);
  });

  it('finds no more significant cells than the false-positive rate when dates are unrelated to places', async () => {
    const parameters = { distanceBands: [100, 200, 300, 400, 500], timeBands: [7, 14, 21, 28, 35], iterations: 199, seed: 3 };
    const pValues: number[] = [];
    for (const seed of [101, 102, 103, 104]) {
      const result = await analyseNearRepeat(clusteredEvents(1500, seed), parameters);
      pValues.push(...result.p.flat());
    }
    const share = pValues.filter((p) => p < 0.05).length / pValues.length;
    // 100 cells (correlated within a data set); about 5 % are expected by chance.
    expect(share).toBeLessThan(0.15);
  });

  it('finds and describes a planted near-repeat pattern', async () => {
    const background = clusteredEvents(1500, 21);
    // Each of 150 events is followed by a second one 30 m away 2 days later.
    const repeats = background.slice(0, 150).map((event) => ({ ...event, latitude: event.latitude + 30 / METRES_PER_DEGREE_LATITUDE, day: event.day + 2 }));
    const result = await analyseNearRepeat([...background, ...repeats], { distanceBands: [100, 200], timeBands: [7, 14], iterations: 99, seed: 1 }, { eventLabel: 'burglaries' });
    expect(result.p[0]![0]).toBe(0.01);
    expect(result.ratio[0]![0]).toBeGreaterThan(1.1);
    expect(result.summary).toMatch(/^Pairs of burglaries within 100 m and within 7 days of each other are \d+\.\d\d times more common than chance \(observed \d+, expected \d+\.\d, p = 0\.010\)\./);
  });
});
