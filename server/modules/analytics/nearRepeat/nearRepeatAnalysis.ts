import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { countPairs, findClosePairs, type NearRepeatEvent, type PermutationTotals, type PermutationWork, timeBandLookup } from './knox.ts';
import { type KernelPermutationWork, prepareKernel } from './knoxKernel.ts';
import { summariseNearRepeat } from './nearRepeatSummary.ts';

export interface NearRepeatParameters {
  distanceBands: number[];
  timeBands: number[];
  iterations: number;
  seed: number;
}

/** Rows are distance bands, columns time bands. */
export type Matrix<T> = T[][];

export interface NearRepeatResult {
  parameters: NearRepeatParameters;
  eventCount: number;
  /** Pairs within the largest distance band, whatever their time apart. */
  closePairCount: number;
  observed: Matrix<number>;
  /** Mean count over the permutations. */
  expected: Matrix<number>;
  /** observed ÷ expected; null where no permutation put any pair in the cell. */
  ratio: Matrix<number | null>;
  /** (1 + permutations with a count ≥ observed) ÷ (1 + iterations). */
  p: Matrix<number>;
  summary: string;
}

export interface AnalysisOptions {
  /** Worker threads to share the permutations (default: the cores Node may use). */
  workers?: number;
  /** Names the events in the summary, e.g. "burglaries". */
  eventLabel?: string;
  /** Called with the seconds spent finding close pairs and permuting (for the benchmark). */
  onTimings?: (timings: { closePairsSeconds: number; permutationsSeconds: number; kernel: 'wasm-simd' | 'javascript' }) => void;
  /** Permute in plain JavaScript even where the WebAssembly kernel could (tests compare the two). */
  javascriptOnly?: boolean;
}

export async function analyseNearRepeat(events: readonly NearRepeatEvent[], parameters: NearRepeatParameters, options: AnalysisOptions = {}): Promise<NearRepeatResult> {
  const started = performance.now();
  const pairs = findClosePairs(events, parameters.distanceBands);
  const paired = performance.now();
  const timeCount = parameters.timeBands.length;
  const observed = new Int32Array(parameters.distanceBands.length * timeCount);
  countPairs(pairs, pairs.days, timeBandLookup(parameters.timeBands), timeCount, observed);

  const work = { pairs, timeBands: parameters.timeBands, distanceBandCount: parameters.distanceBands.length, observed, seed: parameters.seed };
  const workers = Math.max(1, Math.min(options.workers ?? os.availableParallelism(), parameters.iterations));
  const kernel = options.javascriptOnly ? undefined : prepareKernel(pairs, parameters.distanceBands.length, parameters.timeBands, workers);
  const shares = await Promise.all(
    Array.from({ length: workers }, (_, index) => {
      const from = Math.floor((parameters.iterations * index) / workers);
      const to = Math.floor((parameters.iterations * (index + 1)) / workers);
      return inWorker(kernel ? { kernel: { kernel, worker: index, days: pairs.days, observed, seed: parameters.seed, from, to } } : { plain: { ...work, from, to } });
    }),
  );
  options.onTimings?.({ closePairsSeconds: (paired - started) / 1000, permutationsSeconds: (performance.now() - paired) / 1000, kernel: kernel ? 'wasm-simd' : 'javascript' });

  const cells = observed.length;
  const sums = new Float64Array(cells);
  const atLeast = new Int32Array(cells);
  for (const share of shares) {
    for (let cell = 0; cell < cells; cell += 1) {
      sums[cell]! += share.sums[cell]!;
      atLeast[cell]! += share.atLeastObserved[cell]!;
    }
  }
  const matrix = <T>(valueOf: (cell: number) => T): Matrix<T> =>
    parameters.distanceBands.map((_, row) => parameters.timeBands.map((_, column) => valueOf(row * timeCount + column)));
  const expected = matrix((cell) => sums[cell]! / parameters.iterations);
  const result = {
    parameters,
    eventCount: events.length,
    closePairCount: pairs.partners.length,
    observed: matrix((cell) => observed[cell]!),
    expected,
    ratio: matrix((cell) => (sums[cell]! === 0 ? null : observed[cell]! / (sums[cell]! / parameters.iterations))),
    p: matrix((cell) => (1 + atLeast[cell]!) / (1 + parameters.iterations)),
  };
  return { ...result, summary: summariseNearRepeat(result, options.eventLabel ?? 'events') };
}

function inWorker(work: { kernel: KernelPermutationWork } | { plain: PermutationWork }): Promise<PermutationTotals> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./nearRepeatWorker.ts', import.meta.url), { workerData: work });
    worker.once('message', (totals: PermutationTotals) => resolve(totals));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`A near-repeat worker stopped with exit code ${code}`));
    });
  });
}
