import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runOneroof } from '../test/support/cli.ts';

const METRES_PER_DEGREE_LATITUDE = (6_371_008.8 * Math.PI) / 180;

function oneroof(...args: string[]): Promise<CliResult> {
  return runOneroof(args);
}

const HEADER = 'Crime ID,Month,Date,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context';

/** The worked example of nearRepeat.test.ts (metres north, day) as burglaries, plus rows the command must leave out. */
function fixtureRows(): string {
  const street: [number, string][] = [[0, '2024-01-01'], [50, '2024-01-04'], [140, '2024-01-11'], [260, '2024-01-06'], [0, '2024-01-21'], [0, '2024-01-09T14:30:00Z']];
  const row = (id: string, metres: number, date: string, type: string) =>
    `${id},${date.slice(0, 7)},${date},Force,Force,-1.6,${(54.97 + metres / METRES_PER_DEGREE_LATITUDE).toFixed(9)},On or near High Street,,,${type},,`;
  return [
    HEADER,
    ...street.map(([metres, date], index) => row(`b${index}`, metres, date, 'Burglary')),
    row('b0', 0, '2024-01-01', 'Burglary'), // the same crime listed twice
    row('v1', 10, '2024-01-02', 'Vehicle crime'),
    'b9,2024-01,2024-01-03,Force,Force,,,No location,,,Burglary,,',
  ].join('\n');
}

describe('npm run oneroof -- near-repeat', () => {
  let directory: string;
  let fixture: string;

  beforeAll(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'oneroof-near-repeat-'));
    fixture = path.join(directory, 'burglaries.csv');
    writeFileSync(fixture, `${fixtureRows()}\n`);
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('prints the matrices, parameters, event count and summary as JSON', async () => {
    const result = await oneroof('near-repeat', fixture, '--crime-type', 'Burglary', '--distance-bands', '100,200', '--time-bands', '7,14', '--iterations', '99', '--seed', '1', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as Record<string, unknown> & { p: number[][]; expected: number[][]; ratio: (number | null)[][] };
    expect(output).toMatchObject({
      parameters: { distanceBands: [100, 200], timeBands: [7, 14], iterations: 99, seed: 1, crimeType: 'Burglary', files: [fixture] },
      eventCount: 6,
      skippedRows: { otherCrimeType: 1, noLocation: 1, duplicate: 1 },
      observed: [
        [3, 2],
        [2, 2],
      ],
    });
    for (const matrix of [output.expected, output.ratio, output.p]) expect(matrix.map((row) => row.length)).toEqual([2, 2]);
    expect(output.p.flat().every((p) => p >= 1 / 100 && p <= 1)).toBe(true);
    expect(output.summary).toEqual(expect.any(String));

    const again = await oneroof('near-repeat', fixture, '--crime-type', 'burglary', '--distance-bands', '100,200', '--time-bands', '7,14', '--iterations', '99', '--seed', '1', '--json');
    expect(JSON.parse(again.stdout)).toEqual({ ...output, parameters: { ...(output.parameters as object), crimeType: 'burglary' } });
  });

  it('prints readable tables without --json', async () => {
    const result = await oneroof('near-repeat', fixture, '--distance-bands', '100,200', '--time-bands', '7,14', '--iterations', '19');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Near-repeat (Knox) analysis of 7 events, 19 permutations of dates, seed 1.');
    expect(result.stdout).toMatch(/Observed pairs\n\s+0–7 days\s+8–14 days\n0–100 m\s+/);
  });

  it('explains that a police.uk file with only Month cannot be used (exit code 2)', async () => {
    const monthOnly = path.join(directory, 'police-uk.csv');
    writeFileSync(monthOnly, 'Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n,2022-01,Northumbria Police,Northumbria Police,-1.6,54.97,On or near X,E01,,Anti-social behaviour,,\n');
    const result = await oneroof('near-repeat', monthOnly, '--json');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^police-uk\.csv has only a Month column, no Date: near-repeat analysis needs the day of each event, because its time bands are counted in days/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('names each bad parameter (exit code 2)', async () => {
    const result = await oneroof('near-repeat', fixture, '--distance-bands=-100,200', '--time-bands', '14,7', '--iterations', '10000', '--seed', '1.5');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      [
        '--distance-bands must all be greater than 0: the first band starts at 0 and ends at the first number (got "-100,200")',
        '--time-bands must increase from one band to the next (got "14,7")',
        '--iterations must be a whole number from 1 to 9,999 (got "10000")',
        '--seed must be a whole number from 0 to 4,294,967,295 (got "1.5")',
        '',
      ].join('\n'),
    );
    const unknownType = await oneroof('near-repeat', fixture, '--crime-type', 'Robbery');
    expect(unknownType.code).toBe(2);
    expect(unknownType.stderr).toBe('Near-repeat analysis needs at least 2 events with a location and date; found 0 of crime type "Robbery". Crime types in the files: Burglary, Vehicle crime.\n');
  });

  it('names a missing file instead of crashing (exit code 2)', async () => {
    const result = await oneroof('near-repeat', '/nonexistent/burglaries.csv');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('/nonexistent/burglaries.csv: no such file.\n');
  });
}, 60_000);
