import { comparisons } from './comparisons.ts';
import type { EncodedRecords } from './encodedRecords.ts';
import type { ComparisonParameters } from './estimation.ts';
import type { LinkageField } from './fields.ts';
import type { LinkageModel, LinkRun } from './linker.ts';
import { termFrequencyAdjustments } from './termFrequency.ts';

/**
 * A trained model kept between runs, so a small batch (EM on a handful of pairs is unstable) is
 * scored with what a large run learned. Term frequencies and the prior depend on the records being
 * linked, so they are worked out again for each run.
 */
export interface StoredLinkageModel {
  version: 1;
  parameters: ComparisonParameters[];
  /** Matches the training run expected per left record (link) or per record (dedupe). */
  matchesPerRecord: number;
}

/**
 * The prior of a stored model assumes at least this many people on the other side: against a
 * table of three people, "one in three" would link anyone sharing a surname.
 */
export const SMALLEST_POPULATION = 10_000;

export function storedModelOf(run: Pick<LinkRun, 'model' | 'records'>): StoredLinkageModel {
  const { records, model } = run;
  const possiblePairs = records.mode === 'link' ? records.leftCount * (records.count - records.leftCount) : (records.count * (records.count - 1)) / 2;
  const perRecord = (model.lambda * possiblePairs) / Math.max(records.mode === 'link' ? records.leftCount : records.count, 1);
  return { version: 1, parameters: model.parameters, matchesPerRecord: Math.min(Math.max(perRecord, 1e-3), 1) };
}

/** The run's model from a stored one: its m and u, a prior for these records' sizes, term frequencies from these records. */
export function modelFromStored(records: EncodedRecords, stored: StoredLinkageModel): LinkageModel {
  const others = records.mode === 'link' ? records.count - records.leftCount : records.count - 1;
  const share = records.mode === 'link' ? 1 : 2;
  const lambda = Math.min(Math.max((share * stored.matchesPerRecord) / Math.max(others, SMALLEST_POPULATION), 1e-12), 1 - 1e-9);
  const termFrequency: Partial<Record<LinkageField, Float64Array>> = {};
  comparisons.forEach((comparison, index) => {
    const field = comparison.termFrequencyField;
    if (!field) return;
    const exactU = stored.parameters[index]!.u[comparison.levels.length - 1]!;
    // Name frequencies from a few records say nothing about how common a name is.
    termFrequency[field] = records.count >= SMALLEST_POPULATION ? termFrequencyAdjustments(records, field, exactU) : new Float64Array(records.dictionaries[field].length);
  });
  return { lambda, priorWeight: Math.log2(lambda / (1 - lambda)), parameters: stored.parameters, termFrequency, emIterations: 0, emConverged: true };
}
