import { describe, expect, it } from 'vitest';
import { syntheticLinkageData } from '../synthetic.ts';
import { comparisons } from './comparisons.ts';
import { encodeRecords } from './encodedRecords.ts';
import { emptyPersonRecord, type PersonRecord } from './fields.ts';
import { explainPair, linkRecords } from './linker.ts';
import { termFrequencyAdjustments } from './termFrequency.ts';

function person(id: string, values: Partial<PersonRecord>): PersonRecord {
  return { ...emptyPersonRecord(id), ...values };
}

describe('term-frequency adjustment', () => {
  it('makes agreement on a rare surname weigh more than on a common one', () => {
    const records = [
      ...Array.from({ length: 60 }, (_, index) => person(`s${index}`, { surname: 'smith' })),
      person('f1', { surname: 'featherstonehaugh' }),
      person('f2', { surname: 'featherstonehaugh' }),
      ...Array.from({ length: 38 }, (_, index) => person(`o${index}`, { surname: `other${index}` })),
    ];
    const encoded = encodeRecords(records);
    const averageExactChance = 0.3;
    const adjustments = termFrequencyAdjustments(encoded, 'surname', averageExactChance);
    const tokenOf = (name: string) => encoded.dictionaries.surname.indexOf(name);
    expect(adjustments[tokenOf('featherstonehaugh')]).toBeCloseTo(Math.log2(0.3 / 0.02), 6);
    expect(adjustments[tokenOf('smith')]).toBeCloseTo(Math.log2(0.3 / 0.6), 6);
    expect(adjustments[tokenOf('featherstonehaugh')]!).toBeGreaterThan(adjustments[tokenOf('smith')]!);
  });
});

describe('Fellegi–Sunter model on synthetic people with known truth', () => {
  const { people, incoming, truth } = syntheticLinkageData(4000, 11);

  it('learns m above u for agreement and below u for disagreement, and finds the true pairs (on two worker threads)', async () => {
    const run = await linkRecords(people, incoming, { workers: 2 });
    expect(run.model.emConverged).toBe(true);
    for (const parameters of run.model.parameters) {
      const exact = parameters.levels.length - 1;
      expect(parameters.m[exact]!, `${parameters.name} exact`).toBeGreaterThan(parameters.u[exact]! * 10);
      expect(parameters.m[1]!, `${parameters.name} different`).toBeLessThan(parameters.u[1]!);
    }

    const seen = new Set<string>();
    let linked = 0;
    let correct = 0;
    for (let index = 0; index < run.scored.count; index += 1) {
      const key = `${run.scored.a[index]}-${run.scored.b[index]}`;
      expect(seen.has(key), `pair ${key} compared twice`).toBe(false);
      seen.add(key);
      if (1 / (1 + 2 ** -run.scored.matchWeight[index]!) < 0.95) continue;
      linked += 1;
      if (truth[run.scored.b[index]! - people.length] === run.scored.a[index]) correct += 1;
    }
    const truePairs = truth.filter((match) => match >= 0).length;
    expect(correct / linked).toBeGreaterThan(0.98);
    expect(correct / truePairs).toBeGreaterThan(0.95);
  });

  it('explains a pair field by field, and a rare shared surname outweighs a common one', async () => {
    const common = 'smith';
    const base = { givenName: 'alex', dateOfBirth: '19800307', postcode: 'LS12RR', streetNumber: '4', addressLine: 'high road', locality: 'leeds' };
    const left = [
      person('l-common', { ...base, surname: common }),
      person('l-rare', { ...base, surname: 'featherstonehaugh' }),
      ...Array.from({ length: 200 }, (_, index) => person(`l${index}`, { givenName: `g${index}`, surname: index % 2 === 0 ? common : `x${index}`, dateOfBirth: `19${String(10 + (index % 80)).padStart(2, '0')}0101` })),
    ];
    const right = [
      person('r-common', { ...base, surname: common }),
      person('r-rare', { ...base, surname: 'featherstonehaugh' }),
      ...Array.from({ length: 200 }, (_, index) => person(`r${index}`, { givenName: `h${index}`, surname: index % 2 === 0 ? common : `y${index}`, dateOfBirth: `19${String(10 + (index % 80)).padStart(2, '0')}0202` })),
    ];
    const run = await linkRecords(left, right, { workers: 1 });
    const commonPair = explainPair(run.records, run.model, 0, left.length);
    const rarePair = explainPair(run.records, run.model, 1, left.length + 1);
    const surnameWeight = (explained: typeof commonPair) => explained.fields.find((field) => field.comparison === 'surname')!.weight;
    expect(surnameWeight(rarePair)).toBeGreaterThan(surnameWeight(commonPair));
    expect(rarePair.matchWeight).toBeGreaterThan(commonPair.matchWeight);
    expect(commonPair.fields.map((field) => field.comparison)).toEqual(comparisons.map((comparison) => comparison.name));
    expect(commonPair.fields.find((field) => field.comparison === 'dateOfBirth')!.level).toBe('exact');
    expect(commonPair.matchWeight).toBeCloseTo(commonPair.priorWeight + commonPair.fields.reduce((sum, field) => sum + field.weight, 0), 9);
  });
}, 120_000);
