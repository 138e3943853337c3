import { linkageFields, type LinkageField, type PersonRecord } from './fields.ts';

/**
 * Records as integer tokens, one column per field, so comparisons and blocking work on numbers and
 * the columns can be shared with worker threads without copying. Token -1 means missing.
 * In link mode records [0, leftCount) are the left file and the rest the right; in dedupe mode
 * leftCount equals count.
 */
export interface EncodedRecords {
  count: number;
  leftCount: number;
  mode: 'dedupe' | 'link';
  tokens: Record<LinkageField, Int32Array>;
  dictionaries: Record<LinkageField, string[]>;
}

export function encodeRecords(left: readonly PersonRecord[], right?: readonly PersonRecord[]): EncodedRecords {
  const all = right ? [...left, ...right] : left;
  const count = all.length;
  const tokens = {} as Record<LinkageField, Int32Array>;
  const dictionaries = {} as Record<LinkageField, string[]>;
  for (const field of linkageFields) {
    const column = new Int32Array(new SharedArrayBuffer(Math.max(1, count) * 4));
    const dictionary: string[] = [];
    const tokenOf = new Map<string, number>();
    for (let index = 0; index < count; index += 1) {
      const value = all[index]![field];
      if (value === '') {
        column[index] = -1;
        continue;
      }
      let token = tokenOf.get(value);
      if (token === undefined) {
        token = dictionary.length;
        dictionary.push(value);
        tokenOf.set(value, token);
      }
      column[index] = token;
    }
    tokens[field] = column;
    dictionaries[field] = dictionary;
  }
  return { count, leftCount: left.length, mode: right ? 'link' : 'dedupe', tokens, dictionaries };
}

/** Text of a field of record `index`, '' when missing. */
export function valueOf(records: EncodedRecords, field: LinkageField, index: number): string {
  const token = records.tokens[field][index]!;
  return token < 0 ? '' : records.dictionaries[field][token]!;
}
