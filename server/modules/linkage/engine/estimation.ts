import { type ComparisonName, comparisons, levelsOfPattern, MISSING } from './comparisons.ts';
import type { EncodedRecords } from './encodedRecords.ts';
import type { LinkageField } from './fields.ts';
import { mulberry32 } from './random.ts';

/** m[level]: chance of the level among true matches; u[level]: among random pairs. Level 0 (missing) is unused. */
export interface ComparisonParameters {
  name: ComparisonName;
  levels: readonly string[];
  m: number[];
  u: number[];
}

export interface EmResult {
  /** Share of compared pairs that are matches. */
  lambda: number;
  parameters: ComparisonParameters[];
  iterations: number;
  converged: boolean;
}

const RANDOM_PAIRS = 100_000;
const SMALLEST_PROBABILITY = 1e-6;

/**
 * u from random pairs: almost every random pair is a non-match, so how often each level occurs
 * among them is its u. The exact level is computed from value frequencies instead, because
 * exact agreement on a date of birth or an identifier is too rare to count in a sample.
 */
export function estimateU(records: EncodedRecords, seed = 1, counts = sampleLevelCounts(records, randomPairsToSample(records), seed)): number[][] {
  return comparisons.map((comparison, index) => {
    const levelCount = comparison.levels.length;
    const exact = levelCount - 1;
    const exactU = comparison.fields.reduce((chance, field) => chance * exactAgreementChance(records, field), 1);
    const sampled = counts[index]!;
    let partialTotal = 0;
    for (let level = DIFFERENT_LEVEL; level < exact; level += 1) partialTotal += sampled[level]! + 0.5;
    const u = Array.from({ length: levelCount }, (_, level) => {
      if (level === MISSING) return 1;
      if (level === exact) return Math.max(exactU, SMALLEST_PROBABILITY);
      return Math.max(((sampled[level]! + 0.5) / partialTotal) * (1 - exactU), SMALLEST_PROBABILITY);
    });
    return u;
  });
}

const DIFFERENT_LEVEL = 1;

export function randomPairsToSample(records: EncodedRecords): number {
  const rightCount = records.count - records.leftCount;
  const possible = records.mode === 'link' ? records.leftCount * rightCount : (records.count * (records.count - 1)) / 2;
  return Math.min(RANDOM_PAIRS, possible);
}

/** How often each level of each comparison occurs among `samples` random pairs (worker threads share the sample). */
export function sampleLevelCounts(records: EncodedRecords, samples: number, seed: number): number[][] {
  const random = mulberry32(seed);
  const counts = comparisons.map((comparison) => new Array<number>(comparison.levels.length).fill(0));
  const rightCount = records.count - records.leftCount;
  for (let sample = 0; sample < samples; sample += 1) {
    let a: number;
    let b: number;
    if (records.mode === 'link') {
      a = Math.floor(random() * records.leftCount);
      b = records.leftCount + Math.floor(random() * rightCount);
    } else {
      a = Math.floor(random() * records.count);
      b = Math.floor(random() * (records.count - 1));
      if (b >= a) b += 1;
    }
    for (let index = 0; index < comparisons.length; index += 1) counts[index]![comparisons[index]!.level(records, a, b)]! += 1;
  }
  return counts;
}

/** Chance that two random records with the field both present hold the same value. */
export function exactAgreementChance(records: EncodedRecords, field: LinkageField): number {
  const tokens = records.tokens[field];
  const size = records.dictionaries[field].length;
  const left = new Float64Array(size);
  const right = new Float64Array(size);
  let leftTotal = 0;
  let rightTotal = 0;
  for (let index = 0; index < records.count; index += 1) {
    const token = tokens[index]!;
    if (token < 0) continue;
    if (records.mode === 'link' && index >= records.leftCount) {
      right[token]! += 1;
      rightTotal += 1;
    } else {
      left[token]! += 1;
      leftTotal += 1;
    }
  }
  let agreeing = 0;
  if (records.mode === 'link') {
    if (leftTotal === 0 || rightTotal === 0) return 0;
    for (let token = 0; token < size; token += 1) agreeing += left[token]! * right[token]!;
    return agreeing / (leftTotal * rightTotal);
  }
  if (leftTotal < 2) return 0;
  for (let token = 0; token < size; token += 1) agreeing += left[token]! * (left[token]! - 1);
  return agreeing / (leftTotal * (leftTotal - 1));
}

/** Starting m: most matches agree exactly, fewer at each lower level. */
function initialM(levelCount: number): number[] {
  const weights = Array.from({ length: levelCount }, (_, level) => (level === MISSING ? 0 : 2 ** level));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return weights.map((weight, level) => (level === MISSING ? 1 : weight / total));
}

/** Distinct comparison patterns with how many pairs have each. */
export interface PatternCounts {
  levels: number[][];
  counts: number[];
  total: number;
}

export function countPatterns(patterns: Uint32Array): PatternCounts {
  const countsByPattern = new Map<number, number>();
  for (const pattern of patterns) countsByPattern.set(pattern, (countsByPattern.get(pattern) ?? 0) + 1);
  const levels: number[][] = [];
  const counts: number[] = [];
  for (const [pattern, count] of countsByPattern) {
    levels.push(levelsOfPattern(pattern));
    counts.push(count);
  }
  return { levels, counts, total: patterns.length };
}

interface Session {
  /** Fields in the likelihood. */
  include: boolean[];
  /** Fields whose m this session re-estimates. */
  update: boolean[];
}

/**
 * One run of expectation–maximisation for m and the match share λ, with u held at the random-pair
 * estimate. Works on distinct comparison patterns, not pairs, so millions of pairs cost a few
 * thousand multiplications per iteration.
 */
function runEm(patterns: PatternCounts, u: number[][], m: number[][], session: Session, maxIterations = 100, tolerance = 1e-6): { lambda: number; iterations: number; converged: boolean } {
  let lambda = 0.1;
  let iterations = 0;
  let converged = false;
  const fieldCount = comparisons.length;
  while (iterations < maxIterations && !converged && patterns.total > 0) {
    iterations += 1;
    const mSums = comparisons.map((comparison) => new Float64Array(comparison.levels.length));
    let matchSum = 0;
    for (let pattern = 0; pattern < patterns.counts.length; pattern += 1) {
      const levels = patterns.levels[pattern]!;
      let matchLikelihood = lambda;
      let nonMatchLikelihood = 1 - lambda;
      for (let field = 0; field < fieldCount; field += 1) {
        const level = levels[field]!;
        if (level === MISSING || !session.include[field]) continue;
        matchLikelihood *= m[field]![level]!;
        nonMatchLikelihood *= u[field]![level]!;
      }
      const matchShare = (patterns.counts[pattern]! * matchLikelihood) / (matchLikelihood + nonMatchLikelihood);
      matchSum += matchShare;
      for (let field = 0; field < fieldCount; field += 1) mSums[field]![levels[field]!]! += matchShare;
    }
    let largestChange = Math.abs(matchSum / patterns.total - lambda);
    lambda = matchSum / patterns.total;
    for (let field = 0; field < fieldCount; field += 1) {
      if (!session.update[field]) continue;
      const sums = mSums[field]!;
      let present = 0;
      for (let level = 1; level < sums.length; level += 1) present += sums[level]!;
      if (present <= 0) continue;
      for (let level = 1; level < sums.length; level += 1) {
        const next = Math.max(sums[level]! / present, SMALLEST_PROBABILITY);
        largestChange = Math.max(largestChange, Math.abs(next - m[field]![level]!));
        m[field]![level] = next;
      }
    }
    converged = largestChange < tolerance;
  }
  return { lambda, iterations, converged };
}

function fieldIndex(field: ComparisonName): number {
  return comparisons.findIndex((comparison) => comparison.name === field);
}

function exactLevel(field: ComparisonName): number {
  return comparisons[fieldIndex(field)]!.levels.length - 1;
}

/** Patterns whose pairs agree exactly on every field in `fields`. */
function agreeingOn(patterns: PatternCounts, fields: readonly ComparisonName[]): PatternCounts {
  const indexes = fields.map(fieldIndex);
  const exacts = fields.map(exactLevel);
  const kept: PatternCounts = { levels: [], counts: [], total: 0 };
  patterns.levels.forEach((levels, pattern) => {
    if (!indexes.every((field, position) => levels[field] === exacts[position])) return;
    kept.levels.push(levels);
    kept.counts.push(patterns.counts[pattern]!);
    kept.total += patterns.counts[pattern]!;
  });
  return kept;
}

const ENOUGH_PAIRS_TO_TRAIN = 50;

/**
 * Training sessions, as Splink does with blocking rules: each session looks only at pairs that
 * agree exactly on some comparisons, leaves those out, and estimates m for the rest. Blocked pairs
 * agree on their blocking keys by construction, so estimating every comparison from every pair at
 * once overstates how often true matches agree on them. The first usable condition of each
 * session is used; a comparison estimated in several sessions gets their average.
 */
const trainingSessions: { conditions: ComparisonName[][] }[] = [
  { conditions: [['surname', 'dateOfBirth'], ['givenName', 'surname'], ['dateOfBirth']] },
  { conditions: [['address'], ['phone'], ['identifier']] },
];

export function estimateM(patterns: PatternCounts, u: number[][]): EmResult {
  const fieldCount = comparisons.length;
  const estimates: number[][][] = comparisons.map(() => []);
  let iterations = 0;
  let converged = true;
  for (const session of trainingSessions) {
    const condition = session.conditions.find((fields) => agreeingOn(patterns, fields).total >= ENOUGH_PAIRS_TO_TRAIN);
    if (!condition) continue;
    const include = comparisons.map((comparison) => !condition.includes(comparison.name));
    const m = comparisons.map((comparison) => initialM(comparison.levels.length));
    const run = runEm(agreeingOn(patterns, condition), u, m, { include, update: include });
    iterations += run.iterations;
    converged &&= run.converged;
    include.forEach((included, field) => {
      if (included) estimates[field]!.push(m[field]!);
    });
  }
  const m = comparisons.map((comparison, field) => {
    const found = estimates[field]!;
    if (found.length === 0) return initialM(comparison.levels.length);
    return found[0]!.map((_, level) => found.reduce((sum, estimate) => sum + estimate[level]!, 0) / found.length);
  });
  // Fields no session could estimate are estimated with the others held, then λ over all pairs.
  const unestimated = estimates.map((found) => found.length === 0);
  const everything = comparisons.map(() => true);
  if (unestimated.some(Boolean)) {
    const run = runEm(patterns, u, m, { include: everything, update: unestimated });
    iterations += run.iterations;
  }
  const final = runEm(patterns, u, m, { include: everything, update: Array.from({ length: fieldCount }, () => false) });
  iterations += final.iterations;
  converged &&= final.converged;
  const parameters = comparisons.map((comparison, index) => ({ name: comparison.name, levels: comparison.levels, m: m[index]!, u: u[index]! }));
  return { lambda: final.lambda, parameters, iterations, converged };
}
