import type { EncodedRecords } from './encodedRecords.ts';
import type { LinkageField } from './fields.ts';

/** Largest shift, in bits, that one name's rarity or commonness may make to the exact-match weight. */
const MAX_ADJUSTMENT_BITS = 10;

/**
 * Term-frequency adjustment: two records sharing "Smith" are weaker evidence than two sharing
 * "Featherstonehaugh". For each value, log2(average chance of exact agreement ÷ this value's
 * share), added to the exact level's weight when a pair agrees on that value.
 */
export function termFrequencyAdjustments(records: EncodedRecords, field: LinkageField, averageExactChance: number): Float64Array {
  const tokens = records.tokens[field];
  const counts = new Float64Array(records.dictionaries[field].length);
  let present = 0;
  for (let index = 0; index < records.count; index += 1) {
    const token = tokens[index]!;
    if (token < 0) continue;
    counts[token]! += 1;
    present += 1;
  }
  const adjustments = new Float64Array(counts.length);
  if (averageExactChance <= 0) return adjustments;
  for (let token = 0; token < counts.length; token += 1) {
    const share = counts[token]! / present;
    const bits = Math.log2(averageExactChance / share);
    adjustments[token] = Math.max(-MAX_ADJUSTMENT_BITS, Math.min(MAX_ADJUSTMENT_BITS, bits));
  }
  return adjustments;
}
