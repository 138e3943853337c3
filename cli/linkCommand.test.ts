import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runOneroof } from '../test/support/cli.ts';


function oneroof(...args: string[]): Promise<CliResult> {
  return runOneroof(args);
}

/** Ten people and, in a second file, the same people as another agency wrote them, plus two strangers. */
const people = [
  ['1', 'Amelia', 'Okonkwo', '14/02/1987', 'LS6 2AB', '07700 900101'],
  ['2', 'George', 'Featherstone', '03/11/1954', 'LS7 4QP', ''],
  ['3', 'Priya', 'Raghunathan', '22/07/1999', 'LS11 5EE', '07700 900103'],
  ['4', 'Thomas', 'Whitfield', '30/01/1972', 'LS9 8HN', ''],
  ['5', 'Siobhan', 'Gallagher', '09/09/1990', 'LS8 1JJ', '07700 900105'],
  ['6', 'Kwame', 'Asante', '17/05/1981', 'LS12 3LT', ''],
  ['7', 'Margaret', 'Pemberton', '01/12/1948', 'LS16 6RB', '07700 900107'],
  ['8', 'Dariusz', 'Kowalczyk', '25/04/1993', 'LS4 2PX', ''],
  ['9', 'Fatima', 'Begum', '11/10/1976', 'LS10 1NS', '07700 900109'],
  ['10', 'Oliver', 'Hargreaves', '05/06/2001', 'LS15 0AA', ''],
];
const incoming = [
  ['a1', 'Amelia', 'Okonkwo', '1987-02-14', 'LS62AB', '+44 7700 900101'],
  ['a2', 'George', 'Featherstone', '1954-11-03', 'LS7 4QP', ''],
  ['a3', 'Priya', 'Ragunathan', '1999-07-22', 'LS11 5EE', '07700900103'],
  ['a4', 'Tom', 'Whitfield', '1972-01-30', 'LS9 8HN', ''],
  ['a5', 'Siobhan', 'Gallagher', '1990-09-09', 'LS8 1JJ', ''],
  ['a6', 'Asante', 'Kwame', '1981-05-17', 'LS12 3LT', ''],
  ['a7', 'Peggy', 'Pemberton', '1948-12-01', 'LS16 6RB', '07700 900107'],
  ['a8', 'Dariusz', 'Kowalczyk', '1993-04-25', 'LS4 2PX', ''],
  ['a9', 'Fatima', 'Begum', '1976-10-11', 'LS10 1NS', '07700 900109'],
  ['a10', 'Oliver', 'Hargreaves', '2001-06-05', 'LS15 0AA', ''],
  ['x1', 'Helen', 'Marsh', '1963-03-03', 'LS2 9JT', ''],
  ['x2', 'Yusuf', 'Demir', '2004-08-19', 'LS3 1AB', ''],
];

describe('npm run oneroof -- link', () => {
  let directory: string;
  const file = (name: string) => path.join(directory, name);

  beforeAll(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'oneroof-link-'));
    writeFileSync(file('people.csv'), ['person_ref,first_name,last_name,dob,postcode,phone', ...people.map((row) => row.join(','))].join('\n'));
    writeFileSync(file('incoming.csv'), ['person_ref,Forename,Surname,Date of birth,Post code,Telephone', ...incoming.map((row) => row.join(','))].join('\n'));
    writeFileSync(file('empty.csv'), '');
    writeFileSync(file('header-only.csv'), 'person_ref,first_name,last_name\n');
    writeFileSync(
      file('febrl.csv'),
      [
        'rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id',
        'rec-1-org, michaela, neumann, 8, stanley street, miami, winston hills, 4223, nsw, 19151111, 5304218',
        'rec-1-dup-0, michaela, neuman, 8, stanley street, miami, winston hills, 4223, nsw, 19151111, 5304218',
        'rec-2-org, courtney, painter, 12, pinkerton circuit, bega flats, richlands, 4560, vic, 19161214, 4066625',
        'rec-3-org, charles, green, 38, salkauskas crescent, kela, dapto, 4566, nsw, 19480930, 4365168',
        'rec-3-dup-0, charles, green, 38, salkauskas crescent, kela, dapto, 4566, nsw, 19483009, 4365168',
        'rec-4-org, vanessa, parr, 905, macquoid place, broadbridge manor, south grafton, 2135, sa, 19951119, 9239102',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('links two files with different header names and writes one row per linked pair', async () => {
    const result = await oneroof('link', file('people.csv'), file('incoming.csv'), '--id', 'person_ref', '--out', file('matches.csv'), '--workers', '1');
    expect(result.stderr).toMatch(/^10 × 12 records linked: \d+ pairs compared, \d+ pairs at match probability ≥ 0\.95 written to /);
    expect(result.code).toBe(0);
    const [header, ...rows] = readFileSync(file('matches.csv'), 'utf8').trim().split('\n');
    expect(header).toBe('left_id,right_id,match_weight,match_probability');
    const pairs = rows.map((row) => row.split(','));
    const linked = new Map(pairs.map(([left, right]) => [right!, left!]));
    for (let index = 1; index <= 10; index += 1) expect(linked.get(`a${index}`), `a${index}`).toBe(String(index));
    expect(linked.has('x1')).toBe(false);
    expect(linked.has('x2')).toBe(false);
    for (const [, , weight, probability] of pairs) {
      expect(Number(probability)).toBeGreaterThanOrEqual(0.95);
      expect(Number(probability)).toBeCloseTo(1 / (1 + 2 ** -Number(weight)), 4);
    }
  });

  it('deduplicates one FEBRL-layout file it has never seen', async () => {
    const result = await oneroof('link', file('febrl.csv'), '--id', 'rec_id', '--out', file('duplicates.csv'), '--workers', '1');
    expect(result.code).toBe(0);
    const rows = readFileSync(file('duplicates.csv'), 'utf8').trim().split('\n').slice(1).map((row) => row.split(',').slice(0, 2).join(' '));
    expect(rows.sort()).toEqual(['rec-1-org rec-1-dup-0', 'rec-3-org rec-3-dup-0']);
  });

  it('compares only the columns named with --columns', async () => {
    const result = await oneroof('link', file('people.csv'), file('incoming.csv'), '--id', 'person_ref', '--columns', 'given_name,surname,date_of_birth', '--out', file('names.csv'), '--workers', '1');
    expect(result.code).toBe(0);
    expect(readFileSync(file('names.csv'), 'utf8')).toContain('\n1,a1,');
  });

  const badInput: [string, string[], RegExp][] = [
    ['a missing file', ['missing.csv', '--id', 'person_ref'], /missing\.csv does not exist or cannot be read\./],
    ['an empty file', ['empty.csv', '--id', 'person_ref'], /empty\.csv is empty: it needs a header row/],
    ['a file with no records', ['header-only.csv', '--id', 'person_ref'], /header-only\.csv has a header row but no records\./],
    ['no such id column', ['people.csv', '--id', 'rec_id'], /people\.csv has no id column "rec_id" \(--id\)\. Its columns: person_ref, first_name/],
    ['a column it cannot compare', ['people.csv', '--id', 'person_ref', '--columns', 'shoe_size'], /--columns names "shoe_size", which OneRoof cannot compare/],
    ['a column the file lacks', ['people.csv', '--id', 'person_ref', '--columns', 'soc_sec_id'], /people\.csv has no column "soc_sec_id"/],
  ];
  it.each(badInput)('explains %s with exit code 2 and no stack trace', async (_, [input, ...args], message) => {
    const result = await oneroof('link', file(input!), ...args, '--out', file('x.csv'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
}, 180_000);
