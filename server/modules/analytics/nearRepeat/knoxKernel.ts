import { type ClosePairs, mulberry32, permutationSeed, type PermutationTotals, shuffleInto } from './knox.ts';
import { KERNEL_OUT_BYTES_PER_BAND, MAX_KERNEL_TIME_BANDS } from './knoxKernelText.ts';
import { knoxKernelBase64 } from './knoxKernelWasm.ts';

/**
 * The permutations on WebAssembly SIMD (see knoxKernelText.ts): eight permutations per pass over
 * the close pairs, in 16-bit lanes. Its memory is shared by every worker: the close pairs grouped
 * by distance band once, then for each worker its own permuted days and totals.
 */
export interface KernelMemory {
  memory: WebAssembly.Memory;
  eventCount: number;
  distanceBandCount: number;
  timeBandCount: number;
  /** Subtracted from every day so days fit 16 bits. */
  firstDay: number;
  thresholdsOffset: number;
  segmentsOffset: number;
  partnersOffset: number;
  workerOffsets: { days: number; out: number }[];
}

export const LANES = 8;
const PAGE = 65_536;
const MAX_BYTES = 3.5 * 2 ** 30;
const BAND_BITS = 5;

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

/**
 * Lays the close pairs out for the kernel, or says no (undefined) when the kernel cannot take the
 * analysis: more time bands than it has registers for, days spread over more than 16 bits, or more
 * pairs than 32-bit memory holds. The JavaScript loop then runs it instead, with the same answer.
 */
export function prepareKernel(pairs: ClosePairs, distanceBandCount: number, timeBands: readonly number[], workers: number): KernelMemory | undefined {
  if (timeBands.length > MAX_KERNEL_TIME_BANDS || typeof WebAssembly === 'undefined') return undefined;
  const n = pairs.eventCount;
  let firstDay = Infinity;
  let lastDay = -Infinity;
  for (let i = 0; i < n; i += 1) {
    firstDay = Math.min(firstDay, pairs.days[i]!);
    lastDay = Math.max(lastDay, pairs.days[i]!);
  }
  if (n > 0 && lastDay - firstDay > 32_767) return undefined;

  const segmentCount = n * distanceBandCount + 1;
  const pairCount = pairs.partners.length;
  let offset = 0;
  const thresholdsOffset = offset;
  offset += align(MAX_KERNEL_TIME_BANDS * 16);
  const workerOffsets = Array.from({ length: workers }, () => {
    const days = offset;
    offset += align(Math.max(1, n) * LANES * 2);
    const out = offset;
    offset += align(distanceBandCount * KERNEL_OUT_BYTES_PER_BAND);
    return { days, out };
  });
  const segmentsOffset = offset;
  offset += align(segmentCount * 4);
  const partnersOffset = offset;
  offset += align(pairCount * 4);
  if (offset > MAX_BYTES) return undefined;

  const pages = Math.max(1, Math.ceil(offset / PAGE));
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const buffer = memory.buffer as unknown as SharedArrayBuffer;
  const thresholds = new Uint16Array(buffer, thresholdsOffset, MAX_KERNEL_TIME_BANDS * LANES);
  // A pair counts in the cumulative band t when |days apart| < T + 1, i.e. at most T days apart.
  timeBands.forEach((band, t) => thresholds.fill(Math.min(band + 1, 32_768), t * LANES, (t + 1) * LANES));

  // Each event's partners, grouped by distance band (a counting sort within the row).
  const segments = new Int32Array(buffer, segmentsOffset, segmentCount);
  const partners = new Int32Array(buffer, partnersOffset, pairCount);
  const perBand = new Int32Array(distanceBandCount);
  for (let i = 0; i < n; i += 1) {
    const start = pairs.offsets[i]!;
    const end = pairs.offsets[i + 1]!;
    perBand.fill(0);
    for (let k = start; k < end; k += 1) perBand[pairs.partners[k]! & ((1 << BAND_BITS) - 1)]! += 1;
    let next = start;
    for (let band = 0; band < distanceBandCount; band += 1) {
      segments[i * distanceBandCount + band] = next;
      const bandStart = next;
      next += perBand[band]!;
      perBand[band] = bandStart;
    }
    for (let k = start; k < end; k += 1) {
      const packed = pairs.partners[k]!;
      const band = packed & ((1 << BAND_BITS) - 1);
      partners[perBand[band]!] = packed >>> BAND_BITS;
      perBand[band]! += 1;
    }
  }
  segments[segmentCount - 1] = pairCount;
  return { memory, eventCount: n, distanceBandCount, timeBandCount: timeBands.length, firstDay: n > 0 ? firstDay : 0, thresholdsOffset, segmentsOffset, partnersOffset, workerOffsets };
}

type CountFunction = (n: number, bandCount: number, segments: number, partners: number, days: number, thresholds: number, out: number) => void;

function kernelFunction(kernel: KernelMemory): CountFunction {
  const module = new WebAssembly.Module(Buffer.from(knoxKernelBase64, 'base64'));
  const instance = new WebAssembly.Instance(module, { env: { memory: kernel.memory } });
  return instance.exports[`count${kernel.timeBandCount}`] as CountFunction;
}

export interface KernelPermutationWork {
  kernel: KernelMemory;
  worker: number;
  /** Each event's real day, in the close pairs' (grid) order. */
  days: Int32Array;
  observed: Int32Array;
  seed: number;
  from: number;
  to: number;
}

/** Permutations `from` to `to` on the kernel: the same shuffles, so the same totals, as runPermutations. */
export function runKernelPermutations(work: KernelPermutationWork): PermutationTotals {
  const { kernel } = work;
  const count = kernelFunction(kernel);
  const buffer = kernel.memory.buffer as unknown as SharedArrayBuffer;
  const n = kernel.eventCount;
  const bands = kernel.distanceBandCount;
  const timeBands = kernel.timeBandCount;
  const cells = bands * timeBands;
  const { days: daysOffset, out: outOffset } = kernel.workerOffsets[work.worker]!;
  const laneDays = new Int16Array(buffer, daysOffset, n * LANES);
  const totals = new Int32Array(buffer, outOffset, (bands * KERNEL_OUT_BYTES_PER_BAND) / 4);
  const shuffled = new Int32Array(n);
  const sums = new Float64Array(cells);
  const atLeastObserved = new Int32Array(cells);
  const perBand = KERNEL_OUT_BYTES_PER_BAND / 4;
  for (let first = work.from; first < work.to; first += LANES) {
    const batch = Math.min(LANES, work.to - first);
    for (let lane = 0; lane < batch; lane += 1) {
      shuffleInto(work.days, shuffled, mulberry32(permutationSeed(work.seed, first + lane)));
      for (let event = 0; event < n; event += 1) laneDays[event * LANES + lane] = shuffled[event]! - kernel.firstDay;
    }
    totals.fill(0);
    count(n, bands, kernel.segmentsOffset, kernel.partnersOffset, daysOffset, kernel.thresholdsOffset, outOffset);
    for (let lane = 0; lane < batch; lane += 1) {
      for (let band = 0; band < bands; band += 1) {
        let within = 0;
        for (let t = 0; t < timeBands; t += 1) {
          const cumulative = totals[band * perBand + t * LANES + lane]!;
          const cellCount = cumulative - within;
          within = cumulative;
          const cell = band * timeBands + t;
          sums[cell]! += cellCount;
          if (cellCount >= work.observed[cell]!) atLeastObserved[cell]! += 1;
        }
      }
    }
  }
  return { sums, atLeastObserved };
}
