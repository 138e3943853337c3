import { describe, expect, it } from 'vitest';
import { assembleKnoxKernel } from '../../../../scripts/buildKnoxKernel.ts';
import { findClosePairs, mulberry32, type NearRepeatEvent } from './knox.ts';
import { prepareKernel } from './knoxKernel.ts';
import { knoxKernelBase64 } from './knoxKernelWasm.ts';
import { analyseNearRepeat, type NearRepeatParameters } from './nearRepeatAnalysis.ts';

/** Events scattered over a few streets of Newcastle and a year, so every cell of the table fills. */
function randomEvents(count: number, seed: number, daySpan = 365): NearRepeatEvent[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => ({
    longitude: -1.62 + random() * 0.01,
    latitude: 54.97 + random() * 0.006,
    day: 19_000 + Math.floor(random() * daySpan),
  }));
}

async function bothWays(events: NearRepeatEvent[], parameters: NearRepeatParameters, workers: number) {
  let kernel = '';
  const simd = await analyseNearRepeat(events, parameters, { workers, onTimings: (timings) => (kernel = timings.kernel) });
  const plain = await analyseNearRepeat(events, parameters, { workers, javascriptOnly: true });
  return { simd, plain, kernel };
}

describe('the WebAssembly near-repeat kernel', () => {
  it('gives exactly the JavaScript loop’s expected counts and p-values, whatever the bands, permutations and workers', async () => {
    const events = randomEvents(1_500, 7);
    const cases: [NearRepeatParameters, number][] = [
      [{ distanceBands: [100, 200, 300], timeBands: [7, 14, 21, 28, 35], iterations: 99, seed: 3 }, 2],
      // One time band, an iteration count that leaves a part-filled last batch of lanes, one worker.
      [{ distanceBands: [150], timeBands: [10], iterations: 13, seed: 11 }, 1],
      // The most time bands the kernel holds in registers.
      [{ distanceBands: [50, 100, 200, 400], timeBands: [1, 2, 4, 8, 16, 32, 64, 128], iterations: 21, seed: 5 }, 3],
    ];
    for (const [parameters, workers] of cases) {
      const { simd, plain, kernel } = await bothWays(events, parameters, workers);
      expect(kernel).toBe('wasm-simd');
      expect(simd.observed).toEqual(plain.observed);
      expect(simd.expected).toEqual(plain.expected);
      expect(simd.p).toEqual(plain.p);
      expect(simd.observed.flat().some((count) => count > 0)).toBe(true);
    }
  });

  it('hands over to JavaScript for more time bands than it holds, or days more than 16 bits apart', async () => {
    const many = { distanceBands: [200], timeBands: [1, 2, 3, 4, 5, 6, 7, 8, 9], iterations: 9, seed: 1 };
    const first = await bothWays(randomEvents(400, 2), many, 2);
    expect(first.kernel).toBe('javascript');
    expect(first.simd.p).toEqual(first.plain.p);

    const wide = randomEvents(400, 3, 40_000);
    expect(prepareKernel(findClosePairs(wide, [200]), 1, [7], 1)).toBeUndefined();
    const second = await bothWays(wide, { distanceBands: [200], timeBands: [7, 14], iterations: 9, seed: 1 }, 1);
    expect(second.kernel).toBe('javascript');
    expect(second.simd.expected).toEqual(second.plain.expected);
  });

  it('carries totals past 16 bits: its lanes are flushed into 32-bit totals', async () => {
    // 300 events on one spot on one day: 44,850 pairs, all in the first cell, every permutation.
    const events = Array.from({ length: 300 }, () => ({ longitude: -1.6, latitude: 54.97, day: 19_000 }));
    const { simd, plain } = await bothWays(events, { distanceBands: [10], timeBands: [1], iterations: 8, seed: 1 }, 1);
    expect(simd.observed).toEqual([[44_850]]);
    expect(simd.expected).toEqual([[44_850]]);
    expect(simd.expected).toEqual(plain.expected);
  });

  it('is the module scripts/buildKnoxKernel.ts assembles from the kernel text', async () => {
    expect(Buffer.from(await assembleKnoxKernel()).toString('base64')).toBe(knoxKernelBase64);
  });
});
