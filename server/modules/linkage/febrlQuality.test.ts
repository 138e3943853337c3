import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { linkageThresholds } from './engine/linkageConfig.ts';
import { linkRecords } from './engine/linker.ts';
import { febrlEntity, linkageQuality } from './febrlTruth.ts';
import { readPersonCsv } from './linkageCsv.ts';

const FEBRL = path.resolve(import.meta.dirname, '../../../test/data/febrl');

async function qualityOf(leftFile: string, rightFile?: string) {
  const left = (await readPersonCsv(path.join(FEBRL, leftFile), { idColumn: 'rec_id' })).records;
  const right = rightFile ? (await readPersonCsv(path.join(FEBRL, rightFile), { idColumn: 'rec_id' })).records : undefined;
  const run = await linkRecords(left, right, { workers: 1 });
  const idOf = (index: number) => (index < left.length ? left[index]!.id : right![index - left.length]!.id);
  const linked: [string, string][] = [];
  for (let index = 0; index < run.scored.count; index += 1) {
    const probability = 1 / (1 + 2 ** -run.scored.matchWeight[index]!);
    if (probability >= linkageThresholds.autoLinkProbability) linked.push([idOf(run.scored.a[index]!), idOf(run.scored.b[index]!)]);
  }
  return linkageQuality(linked, left, right, febrlEntity);
}

describe('linkage quality on FEBRL (truth from rec_id numbers), one configuration for all sets', () => {
  it('links dataset4a to dataset4b with F1 ≥ 0.98', async () => {
    const quality = await qualityOf('dataset4a.csv', 'dataset4b.csv');
    expect(quality.truePairs).toBe(5000);
    expect(quality.f1).toBeGreaterThanOrEqual(0.98);
    expect(quality.precision).toBeGreaterThanOrEqual(0.99);
  });

  it('deduplicates dataset1 with F1 ≥ 0.98', async () => {
    const quality = await qualityOf('dataset1.csv');
    expect(quality.truePairs).toBe(500);
    expect(quality.f1).toBeGreaterThanOrEqual(0.98);
  });

  it('scores a set of random pairings far below the real linkage', () => {
    const records = [{ id: 'rec-1-org' }, { id: 'rec-2-org' }].map((record) => ({ ...record, givenName: '', surname: '', dateOfBirth: '', postcode: '', streetNumber: '', addressLine: '', locality: '', phone: '', identifier: '' }));
    const right = [{ ...records[0]!, id: 'rec-1-dup-0' }, { ...records[1]!, id: 'rec-2-dup-0' }];
    expect(linkageQuality([['rec-1-org', 'rec-2-dup-0']], records, right, febrlEntity)).toMatchObject({ truePairs: 2, linkedPairs: 1, correctLinks: 0, f1: 0 });
    expect(linkageQuality([['rec-1-org', 'rec-1-dup-0']], records, right, febrlEntity)).toMatchObject({ precision: 1, recall: 0.5 });
  });
}, 120_000);
