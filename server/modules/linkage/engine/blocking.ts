import { doubleMetaphone } from 'double-metaphone';
import type { EncodedRecords } from './encodedRecords.ts';
import type { LinkageField } from './fields.ts';

/**
 * Blocking: only pairs that share the key of at least one rule are compared. The rules are a
 * union, so a typo that breaks one key is caught by another.
 */
export interface BlockingRule {
  name: string;
  /** The record's key for this rule; NaN when the record has nothing to block on. */
  keys(records: EncodedRecords): Float64Array;
}

/** One block of records sharing a key, as a slice of `members` (left members first). */
export interface RuleBlocks {
  name: string;
  keys: Float64Array;
  /** Start of each block in `members`; one more entry than blocks. */
  offsets: Int32Array;
  /** Where each block's right-hand (link mode) members start. */
  rightStarts: Int32Array;
  members: Int32Array;
  /** Blocks left out because they alone would give more pairs than the cap. */
  oversizedBlocks: number;
  oversizedPairs: number;
}

export const MAX_PAIRS_PER_BLOCK = 250_000;

function perToken(records: EncodedRecords, field: LinkageField, keyOfValue: (value: string) => number): Float64Array {
  const dictionary = records.dictionaries[field];
  const keyOfToken = new Float64Array(dictionary.length);
  for (let token = 0; token < dictionary.length; token += 1) keyOfToken[token] = keyOfValue(dictionary[token]!);
  const tokens = records.tokens[field];
  const keys = new Float64Array(new SharedArrayBuffer(Math.max(1, records.count) * 8));
  for (let index = 0; index < records.count; index += 1) {
    const token = tokens[index]!;
    keys[index] = token < 0 ? Number.NaN : keyOfToken[token]!;
  }
  return keys;
}

/** Integer ids for strings, shared by every rule that uses the same kind of code. */
function interner(): (value: string) => number {
  const ids = new Map<string, number>();
  return (value) => {
    let id = ids.get(value);
    if (id === undefined) {
      id = ids.size;
      ids.set(value, id);
    }
    return id;
  };
}

const soundCode = (intern: (value: string) => number) => (name: string) => {
  const [primary] = doubleMetaphone(name.replace(/ /g, ''));
  return primary === '' ? Number.NaN : intern(primary);
};

function combine(first: Float64Array, second: Float64Array, secondRange: number): Float64Array {
  const keys = new Float64Array(new SharedArrayBuffer(Math.max(1, first.length) * 8));
  for (let index = 0; index < first.length; index += 1) keys[index] = first[index]! * secondRange + second[index]!;
  return keys;
}

const year = (dateOfBirth: string) => Number(dateOfBirth.slice(0, 4));

/** OneRoof's one blocking configuration. */
export const blockingRules: readonly BlockingRule[] = [
  {
    name: 'surname sound and birth year',
    keys: (records) => combine(perToken(records, 'surname', soundCode(interner())), perToken(records, 'dateOfBirth', year), 10_000),
  },
  {
    name: 'given-name initial and date of birth',
    keys: (records) => combine(perToken(records, 'dateOfBirth', Number), perToken(records, 'givenName', (name) => name.charCodeAt(0)), 65_536),
  },
  { name: 'postcode', keys: (records) => exactTokens(records, 'postcode') },
  { name: 'phone', keys: (records) => exactTokens(records, 'phone') },
  { name: 'identifier', keys: (records) => exactTokens(records, 'identifier') },
];

function exactTokens(records: EncodedRecords, field: LinkageField): Float64Array {
  const tokens = records.tokens[field];
  const keys = new Float64Array(new SharedArrayBuffer(Math.max(1, records.count) * 8));
  for (let index = 0; index < records.count; index += 1) keys[index] = tokens[index]! < 0 ? Number.NaN : tokens[index]!;
  return keys;
}

/** Groups records by one rule's key into blocks that can give at least one pair. */
export function blocksOf(records: EncodedRecords, rule: BlockingRule): RuleBlocks {
  const keys = rule.keys(records);
  const blockOfKey = new Map<number, number>();
  const blockOf = new Int32Array(records.count).fill(-1);
  const leftSizes: number[] = [];
  const rightSizes: number[] = [];
  for (let index = 0; index < records.count; index += 1) {
    const key = keys[index]!;
    if (Number.isNaN(key)) continue;
    let block = blockOfKey.get(key);
    if (block === undefined) {
      block = leftSizes.length;
      blockOfKey.set(key, block);
      leftSizes.push(0);
      rightSizes.push(0);
    }
    blockOf[index] = block;
    if (index < records.leftCount) leftSizes[block]! += 1;
    else rightSizes[block]! += 1;
  }

  const pairsIn = (block: number) => (records.mode === 'link' ? leftSizes[block]! * rightSizes[block]! : (leftSizes[block]! * (leftSizes[block]! - 1)) / 2);
  const kept = new Int32Array(leftSizes.length).fill(-1);
  let keptCount = 0;
  let oversizedBlocks = 0;
  let oversizedPairs = 0;
  for (let block = 0; block < leftSizes.length; block += 1) {
    const pairs = pairsIn(block);
    if (pairs === 0) continue;
    if (pairs > MAX_PAIRS_PER_BLOCK) {
      oversizedBlocks += 1;
      oversizedPairs += pairs;
      continue;
    }
    kept[block] = keptCount++;
  }
  // A pair is compared under the first rule whose key it shares; a key whose block was left out
  // must not count as shared, or later rules would skip the pair too.
  for (let index = 0; index < records.count; index += 1) {
    const block = blockOf[index]!;
    if (block >= 0 && kept[block]! < 0) keys[index] = Number.NaN;
  }

  const offsets = new Int32Array(new SharedArrayBuffer((keptCount + 1) * 4));
  const rightStarts = new Int32Array(new SharedArrayBuffer(Math.max(1, keptCount) * 4));
  for (let block = 0; block < leftSizes.length; block += 1) {
    const slot = kept[block]!;
    if (slot >= 0) offsets[slot + 1] = leftSizes[block]! + rightSizes[block]!;
  }
  for (let slot = 0; slot < keptCount; slot += 1) offsets[slot + 1]! += offsets[slot]!;
  const members = new Int32Array(new SharedArrayBuffer(Math.max(1, offsets[keptCount]!) * 4));
  const filled = new Int32Array(keptCount);
  for (let index = 0; index < records.count; index += 1) {
    const block = blockOf[index]!;
    if (block < 0) continue;
    const slot = kept[block]!;
    if (slot < 0) continue;
    members[offsets[slot]! + filled[slot]!] = index;
    filled[slot]! += 1;
  }
  for (let block = 0; block < leftSizes.length; block += 1) {
    const slot = kept[block]!;
    if (slot >= 0) rightStarts[slot] = offsets[slot]! + leftSizes[block]!;
  }
  return { name: rule.name, keys, offsets, rightStarts, members, oversizedBlocks, oversizedPairs };
}

export function pairsInBlock(blocks: RuleBlocks, block: number, mode: 'dedupe' | 'link'): number {
  const size = blocks.offsets[block + 1]! - blocks.offsets[block]!;
  if (mode === 'dedupe') return (size * (size - 1)) / 2;
  const left = blocks.rightStarts[block]! - blocks.offsets[block]!;
  return left * (size - left);
}
