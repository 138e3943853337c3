import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { blockingRules, blocksOf, pairsInBlock, type RuleBlocks } from './blocking.ts';
import { compareBlockedPairs, type ComparedPairs, splitIntoShares } from './candidatePairs.ts';
import { type ComparisonName, comparisons, levelsOfPattern, MISSING } from './comparisons.ts';
import { encodeRecords, type EncodedRecords } from './encodedRecords.ts';
import { type ComparisonParameters, countPatterns, estimateM, estimateU, randomPairsToSample, sampleLevelCounts } from './estimation.ts';
import type { LinkageField, PersonRecord } from './fields.ts';
import { probabilityOf } from './linkageConfig.ts';
import type { WorkerResult, WorkerTask } from './linkageWorker.ts';
import { modelFromStored, type StoredLinkageModel } from './storedModel.ts';
import { termFrequencyAdjustments } from './termFrequency.ts';

/** The trained Fellegi–Sunter model for one run: m and u per level, the prior, and name frequencies. */
export interface LinkageModel {
  /** Chance that two records picked at random are the same person. */
  lambda: number;
  /** log2 of the prior odds that two records picked at random are the same person. */
  priorWeight: number;
  parameters: ComparisonParameters[];
  termFrequency: Partial<Record<LinkageField, Float64Array>>;
  emIterations: number;
  emConverged: boolean;
}

export interface ScoredPairs {
  count: number;
  a: Int32Array;
  b: Int32Array;
  matchWeight: Float64Array;
}

export interface LinkRun {
  records: EncodedRecords;
  model: LinkageModel;
  /** Every compared pair with its weight. */
  scored: ScoredPairs;
  blocking: { rule: string; oversizedBlocks: number; oversizedPairs: number }[];
  seconds: { encode: number; block: number; compare: number; estimate: number; score: number };
}

export interface LinkOptions {
  /** Worker threads for comparing pairs (default: every core Node may use). */
  workers?: number;
  seed?: number;
  /** Score with this stored model instead of training one (no u sampling, no EM). */
  model?: StoredLinkageModel;
}

/** Below this many pairs to compare (blocked and random), starting worker threads costs more than it saves. */
const PAIRS_WORTH_A_WORKER = 200_000;

/**
 * Deduplicates `left`, or links it to `right`: blocks, compares, estimates u from random pairs and
 * m by EM, then scores every compared pair with its match weight (log2 Bayes factor plus prior).
 */
export async function linkRecords(left: readonly PersonRecord[], right: readonly PersonRecord[] | undefined, options: LinkOptions = {}): Promise<LinkRun> {
  const clock = stopwatch();
  const records = encodeRecords(left, right);
  const encode = clock();
  const rules = blockingRules.map((rule) => blocksOf(records, rule));
  const block = clock();
  const seed = options.seed ?? 1;
  const { compared, levelCounts } = await comparePairs(records, rules, options.workers ?? os.availableParallelism(), seed, !options.model);
  const compare = clock();
  const model = options.model ? modelFromStored(records, options.model) : trainModel(records, compared, seed, levelCounts);
  const estimate = clock();
  const scored = scorePairs(records, model, compared);
  const score = clock();
  return {
    records,
    model,
    scored,
    blocking: rules.map((rule) => ({ rule: rule.name, oversizedBlocks: rule.oversizedBlocks, oversizedPairs: rule.oversizedPairs })),
    seconds: { encode, block, compare, estimate, score },
  };
}

function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const seconds = (now - last) / 1000;
    last = now;
    return seconds;
  };
}

/** Compares the blocked pairs and samples random pairs for u, on worker threads when worth it. */
async function comparePairs(records: EncodedRecords, rules: RuleBlocks[], workers: number, seed: number, sampleU = true): Promise<{ compared: ComparedPairs[]; levelCounts: number[][] }> {
  let upperBound = 0;
  for (const rule of rules) for (let block = 0; block < rule.offsets.length - 1; block += 1) upperBound += pairsInBlock(rule, block, records.mode);
  const randomPairs = sampleU ? randomPairsToSample(records) : 0;
  if (workers <= 1 || upperBound + randomPairs < PAIRS_WORTH_A_WORKER) {
    const compared = compareBlockedPairs({ records, rules, shares: splitIntoShares(rules, records.mode, 1)[0]! });
    return { compared: [compared], levelCounts: sampleLevelCounts(records, randomPairs, seed) };
  }
  const shares = splitIntoShares(rules, records.mode, workers);
  const results = await Promise.all(
    shares.map((share, index) => {
      const from = Math.floor((randomPairs * index) / workers);
      const to = Math.floor((randomPairs * (index + 1)) / workers);
      return inWorker({ work: { records, rules, shares: share }, randomPairs: to - from, seed: seed + index });
    }),
  );
  const levelCounts = results[0]!.levelCounts.map((levels, comparison) => levels.map((_, level) => results.reduce((sum, result) => sum + result.levelCounts[comparison]![level]!, 0)));
  return { compared: results.map((result) => result.compared), levelCounts };
}

function inWorker(task: WorkerTask): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./linkageWorker.ts', import.meta.url), { workerData: task });
    worker.once('message', (result: WorkerResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`A linkage worker stopped with exit code ${code}`));
    });
  });
}

export function trainModel(records: EncodedRecords, compared: readonly ComparedPairs[], seed: number, levelCounts?: number[][]): LinkageModel {
  const u = levelCounts ? estimateU(records, seed, levelCounts) : estimateU(records, seed);
  const patterns = concatenate(compared.map((part) => part.patterns.subarray(0, part.count)));
  const em = estimateM(countPatterns(patterns), u);
  const termFrequency: Partial<Record<LinkageField, Float64Array>> = {};
  comparisons.forEach((comparison, index) => {
    if (!comparison.termFrequencyField) return;
    const exactU = u[index]![comparison.levels.length - 1]!;
    termFrequency[comparison.termFrequencyField] = termFrequencyAdjustments(records, comparison.termFrequencyField, exactU);
  });
  // EM's λ is the match share among compared pairs; the Bayes factors compare with random pairs,
  // so the prior must be the match share among all possible pairs (blocking misses few matches).
  const possiblePairs = records.mode === 'link' ? records.leftCount * (records.count - records.leftCount) : (records.count * (records.count - 1)) / 2;
  const expectedMatches = em.lambda * patterns.length;
  const lambda = Math.min(Math.max(expectedMatches / Math.max(possiblePairs, 1), 1e-12), 1 - 1e-9);
  return { lambda, priorWeight: Math.log2(lambda / (1 - lambda)), parameters: em.parameters, termFrequency, emIterations: em.iterations, emConverged: em.converged };
}

function concatenate(parts: Uint32Array[]): Uint32Array {
  const all = new Uint32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/** log2(m ÷ u) of a level; 0 when the field is missing on either side. */
export function levelWeight(parameters: ComparisonParameters, level: number): number {
  if (level === MISSING) return 0;
  return Math.log2(parameters.m[level]! / parameters.u[level]!);
}

function scorePairs(records: EncodedRecords, model: LinkageModel, compared: readonly ComparedPairs[]): ScoredPairs {
  const count = compared.reduce((sum, part) => sum + part.count, 0);
  const a = new Int32Array(count);
  const b = new Int32Array(count);
  const matchWeight = new Float64Array(count);
  const weightOfPattern = new Map<number, number>();
  const adjusted = comparisons.flatMap((comparison) => (comparison.termFrequencyField ? [comparison.termFrequencyField] : []));
  let offset = 0;
  for (const part of compared) {
    for (let index = 0; index < part.count; index += 1) {
      const pattern = part.patterns[index]!;
      let weight = weightOfPattern.get(pattern);
      if (weight === undefined) {
        weight = model.priorWeight + levelsOfPattern(pattern).reduce((sum, level, field) => sum + levelWeight(model.parameters[field]!, level), 0);
        weightOfPattern.set(pattern, weight);
      }
      const first = part.a[index]!;
      const second = part.b[index]!;
      for (const field of adjusted) {
        const tokens = records.tokens[field];
        const token = tokens[first]!;
        if (token >= 0 && token === tokens[second]) weight += model.termFrequency[field]![token]!;
      }
      a[offset] = first;
      b[offset] = second;
      matchWeight[offset] = weight;
      offset += 1;
    }
  }
  return { count, a, b, matchWeight };
}

/** One comparison's part in a pair's weight, for the review waterfall. */
export interface FieldWeight {
  comparison: ComparisonName;
  level: string;
  weight: number;
}

/** A pair's weight field by field: prior, each comparison (with its name-frequency adjustment), total. */
export function explainPair(records: EncodedRecords, model: LinkageModel, a: number, b: number): { fields: FieldWeight[]; priorWeight: number; matchWeight: number; matchProbability: number } {
  const fields = comparisons.map((comparison, index) => {
    const level = comparison.level(records, a, b);
    let weight = levelWeight(model.parameters[index]!, level);
    const field = comparison.termFrequencyField;
    if (field) {
      const token = records.tokens[field][a]!;
      if (token >= 0 && token === records.tokens[field][b]) weight += model.termFrequency[field]![token]!;
    }
    return { comparison: comparison.name, level: comparison.levels[level]!, weight };
  });
  const matchWeight = fields.reduce((sum, field) => sum + field.weight, model.priorWeight);
  return { fields, priorWeight: model.priorWeight, matchWeight, matchProbability: probabilityOf(matchWeight) };
}
