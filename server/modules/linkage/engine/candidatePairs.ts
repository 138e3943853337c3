import { pairsInBlock, type RuleBlocks } from './blocking.ts';
import { patternOf } from './comparisons.ts';
import type { EncodedRecords } from './encodedRecords.ts';

/** A contiguous run of one rule's blocks. */
export interface BlockShare {
  rule: number;
  from: number;
  to: number;
}

export interface PairWork {
  records: EncodedRecords;
  rules: readonly RuleBlocks[];
  shares: readonly BlockShare[];
}

/** Each compared pair once, with the pattern of its comparison levels. */
export interface ComparedPairs {
  count: number;
  a: Int32Array;
  b: Int32Array;
  patterns: Uint32Array;
}

/**
 * Generates the pairs in the given blocks and compares them. A pair that also shares the key of an
 * earlier rule is skipped here: that rule's block compares it, so the union has no duplicates
 * without a set of pairs seen.
 */
export function compareBlockedPairs(work: PairWork): ComparedPairs {
  const { records, rules, shares } = work;
  let capacity = 0;
  for (const share of shares) for (let block = share.from; block < share.to; block += 1) capacity += pairsInBlock(rules[share.rule]!, block, records.mode);
  const a = new Int32Array(capacity);
  const b = new Int32Array(capacity);
  const patterns = new Uint32Array(capacity);
  let count = 0;

  for (const share of shares) {
    const blocks = rules[share.rule]!;
    const earlierKeys = rules.slice(0, share.rule).map((rule) => rule.keys);
    const sharesEarlierKey = (first: number, second: number) => {
      for (const keys of earlierKeys) if (keys[first] === keys[second]) return true;
      return false;
    };
    const emit = (first: number, second: number) => {
      if (sharesEarlierKey(first, second)) return;
      a[count] = first;
      b[count] = second;
      patterns[count] = patternOf(records, first, second);
      count += 1;
    };
    const { offsets, rightStarts, members } = blocks;
    for (let block = share.from; block < share.to; block += 1) {
      const start = offsets[block]!;
      const end = offsets[block + 1]!;
      if (records.mode === 'link') {
        const rightStart = rightStarts[block]!;
        for (let left = start; left < rightStart; left += 1) for (let right = rightStart; right < end; right += 1) emit(members[left]!, members[right]!);
      } else {
        for (let first = start; first < end; first += 1) for (let second = first + 1; second < end; second += 1) emit(members[first]!, members[second]!);
      }
    }
  }
  return { count, a: a.slice(0, count), b: b.slice(0, count), patterns: patterns.slice(0, count) };
}

/** Splits every rule's blocks into `workers` runs with about the same number of pairs each. */
export function splitIntoShares(rules: readonly RuleBlocks[], mode: 'dedupe' | 'link', workers: number): BlockShare[][] {
  const perWorker: BlockShare[][] = Array.from({ length: workers }, () => []);
  rules.forEach((blocks, rule) => {
    const blockCount = blocks.offsets.length - 1;
    let total = 0;
    for (let block = 0; block < blockCount; block += 1) total += pairsInBlock(blocks, block, mode);
    let from = 0;
    let running = 0;
    let worker = 0;
    for (let block = 0; block < blockCount; block += 1) {
      running += pairsInBlock(blocks, block, mode);
      if (worker < workers - 1 && running >= (total * (worker + 1)) / workers) {
        perWorker[worker]!.push({ rule, from, to: block + 1 });
        from = block + 1;
        worker += 1;
      }
    }
    perWorker[worker]!.push({ rule, from, to: blockCount });
  });
  return perWorker;
}
