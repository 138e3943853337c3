import type { PersonRecord } from './engine/fields.ts';

/** FEBRL's truth: two records are the same person exactly when their rec_id numbers match. */
export function febrlEntity(recordId: string): string {
  return /^rec-(\d+)-/.exec(recordId.trim())?.[1] ?? recordId;
}

export interface LinkageQuality {
  truePairs: number;
  linkedPairs: number;
  correctLinks: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Precision, recall and F1 of linked pairs against truth given by `entityOf` each record id. */
export function linkageQuality(
  linked: Iterable<readonly [string, string]>,
  left: readonly PersonRecord[],
  right: readonly PersonRecord[] | undefined,
  entityOf: (recordId: string) => string,
): LinkageQuality {
  const countBy = (records: readonly PersonRecord[]) => {
    const counts = new Map<string, number>();
    for (const record of records) counts.set(entityOf(record.id), (counts.get(entityOf(record.id)) ?? 0) + 1);
    return counts;
  };
  const leftCounts = countBy(left);
  let truePairs = 0;
  if (right) {
    const rightCounts = countBy(right);
    for (const [entity, count] of leftCounts) truePairs += count * (rightCounts.get(entity) ?? 0);
  } else {
    for (const count of leftCounts.values()) truePairs += (count * (count - 1)) / 2;
  }
  let linkedPairs = 0;
  let correctLinks = 0;
  for (const [a, b] of linked) {
    linkedPairs += 1;
    if (entityOf(a) === entityOf(b)) correctLinks += 1;
  }
  const precision = linkedPairs === 0 ? 0 : correctLinks / linkedPairs;
  const recall = truePairs === 0 ? 0 : correctLinks / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePairs, linkedPairs, correctLinks, precision, recall, f1 };
}
