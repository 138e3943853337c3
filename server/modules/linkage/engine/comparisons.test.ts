import { describe, expect, it } from 'vitest';
import { addressLevels, compareAddress, compareDateOfBirth, compareGivenName, comparePostcode, compareSurname, dateOfBirthLevels, givenNameLevels, MISSING, surnameLevels } from './comparisons.ts';
import { normaliseDateOfBirth, normaliseName, normalisePhone, normalisePostcode } from './normalise.ts';

const dob = (label: (typeof dateOfBirthLevels)[number]) => dateOfBirthLevels.indexOf(label);
const given = (label: (typeof givenNameLevels)[number]) => givenNameLevels.indexOf(label);
const surname = (label: (typeof surnameLevels)[number]) => surnameLevels.indexOf(label);
const address = (label: (typeof addressLevels)[number]) => addressLevels.indexOf(label);

describe('date of birth comparison', () => {
  it('grades exact, day–month swap, one digit, one part, year only and different', () => {
    expect(compareDateOfBirth('19800307', '19800307')).toBe(dob('exact'));
    expect(compareDateOfBirth('19800307', '19800703')).toBe(dob('day and month swapped'));
    expect(compareDateOfBirth('19800307', '19800308')).toBe(dob('one digit differs'));
    expect(compareDateOfBirth('19800307', '19800319')).toBe(dob('one part differs'));
    expect(compareDateOfBirth('19800307', '19750307')).toBe(dob('one part differs'));
    expect(compareDateOfBirth('19800307', '19801122')).toBe(dob('year only'));
    expect(compareDateOfBirth('19800307', '19751122')).toBe(dob('different'));
    expect(compareDateOfBirth('', '19751122')).toBe(MISSING);
  });

  it('reads UK, ISO and FEBRL dates to the same form', () => {
    expect(normaliseDateOfBirth('07/03/1980')).toBe('19800307');
    expect(normaliseDateOfBirth('1980-03-07')).toBe('19800307');
    expect(normaliseDateOfBirth('19800307')).toBe('19800307');
    expect(normaliseDateOfBirth('7.3.1980')).toBe('19800307');
    expect(normaliseDateOfBirth('not a date')).toBe('');
    expect(normaliseDateOfBirth('31/13/1980')).toBe('');
  });
});

describe('name comparisons', () => {
  it('puts Jaro–Winkler similarity into bands', () => {
    expect(compareSurname('neumann', 'neumann')).toBe(surname('exact'));
    expect(compareSurname('martha', 'marhta')).toBe(surname('Jaro–Winkler ≥ 0.92'));
    expect(compareSurname('dixon', 'dicksonx')).toBe(surname('Jaro–Winkler ≥ 0.70'));
    expect(compareSurname('dwayne', 'duane')).toBe(surname('Jaro–Winkler ≥ 0.70'));
    expect(compareSurname('crane', 'crate')).toBe(surname('Jaro–Winkler ≥ 0.88'));
    expect(compareSurname('smith', 'okonkwo')).toBe(surname('different'));
    expect(compareSurname('', 'okonkwo')).toBe(MISSING);
  });

  it('recognises initials, nicknames and names swapped between fields', () => {
    expect(compareGivenName('j', 'jennifer')).toBe(given('initial only'));
    expect(compareGivenName('bill', 'william')).toBe(given('nickname'));
    expect(compareGivenName('peggy', 'margaret')).toBe(given('nickname'));
    expect(compareGivenName('smith', 'john', 'john', 'smith')).toBe(given('swapped with surname'));
    expect(compareSurname('john', 'smith', 'smith', 'john')).toBe(surname('swapped with given name'));
    expect(compareGivenName('peggy', 'william')).toBe(given('different'));
  });

  it('normalises case, accents and punctuation', () => {
    expect(normaliseName("  O'Brien-Smith ")).toBe('o brien smith');
    expect(normaliseName('Zoë')).toBe('zoe');
    expect(normalisePostcode('sw1a 1aa')).toBe('SW1A1AA');
    expect(normalisePhone('+44 7700 900123')).toBe('07700900123');
  });
});

describe('address comparison', () => {
  const home = { postcode: 'SW1A1AA', streetNumber: '10', addressLine: 'downing street', locality: 'london' };
  it('grades the home, the postcode, the street and the town', () => {
    expect(compareAddress(home, { ...home })).toBe(address('exact'));
    expect(compareAddress(home, { ...home, postcode: 'SW1A1AB' })).toBe(address('same home, small differences'));
    expect(compareAddress(home, { ...home, streetNumber: '12' })).toBe(address('same postcode'));
    expect(compareAddress(home, { ...home, streetNumber: '40', postcode: 'SW1A2ZZ' })).toBe(address('same street'));
    expect(compareAddress(home, { postcode: 'E18 2PQ', streetNumber: '4', addressLine: 'high road', locality: 'london' })).toBe(address('same town or nearby postcode'));
    expect(compareAddress(home, { postcode: 'LS12RR', streetNumber: '4', addressLine: 'high road', locality: 'leeds' })).toBe(address('different'));
    expect(compareAddress(home, { postcode: '', streetNumber: '', addressLine: '', locality: '' })).toBe(MISSING);
  });

  it('counts postcode edits', () => {
    expect(comparePostcode('4223', '4223')).toBe(4);
    expect(comparePostcode('4223', '4233')).toBe(3);
    expect(comparePostcode('4223', '4255')).toBe(2);
    expect(comparePostcode('4223', '9999')).toBe(1);
  });
});

describe('comparisons on encoded records', () => {
  it('grade every pair of a FEBRL set exactly as the string comparisons do, cached or not', async () => {
    const { readPersonCsv } = await import('../linkageCsv.ts');
    const { encodeRecords, valueOf } = await import('./encodedRecords.ts');
    const { comparisons } = await import('./comparisons.ts');
    const { records: people } = await readPersonCsv(new URL('../../../../test/data/febrl/dataset4a.csv', import.meta.url).pathname, { idColumn: 'rec_id' });
    const sample = people.slice(0, 400);
    const records = encodeRecords(sample);
    const parts = (index: number) => ({
      postcode: valueOf(records, 'postcode', index),
      streetNumber: valueOf(records, 'streetNumber', index),
      addressLine: valueOf(records, 'addressLine', index),
      locality: valueOf(records, 'locality', index),
    });
    const byName = new Map(comparisons.map((comparison) => [comparison.name, comparison]));
    let partial = 0;
    for (let pass = 0; pass < 2; pass += 1) {
      for (let a = 0; a < sample.length; a += 1) {
        for (let b = a + 1; b < sample.length; b += 7) {
          const level = byName.get('address')!.level(records, a, b);
          expect(level).toBe(compareAddress(parts(a), parts(b)));
          if (level > 1 && level < addressLevels.length - 1) partial += 1;
          expect(byName.get('dateOfBirth')!.level(records, a, b)).toBe(compareDateOfBirth(valueOf(records, 'dateOfBirth', a), valueOf(records, 'dateOfBirth', b)));
          expect(byName.get('surname')!.level(records, a, b)).toBe(
            compareSurname(valueOf(records, 'surname', a), valueOf(records, 'surname', b), valueOf(records, 'givenName', a), valueOf(records, 'givenName', b)),
          );
        }
      }
    }
    // The sample holds partial address agreements, so the cached paths were exercised.
    expect(partial).toBeGreaterThan(50);
  });
});
