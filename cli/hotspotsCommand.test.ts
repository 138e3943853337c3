import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { latLngToCell } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runOneroof } from '../test/support/cli.ts';


function oneroof(...args: string[]): Promise<CliResult> {
  return runOneroof(args);
}

const HEADER = 'Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context';
const CLUSTER = { latitude: 54.9738, longitude: -1.6132 };

/** 30 burglaries at one place, 30 single burglaries spread over 3 km apart north of it, and rows the command must leave out. */
function fixtureRows(): string {
  const row = (id: string, longitude: number | string, latitude: number | string, type: string) => `${id},2022-01,Force,Force,${longitude},${latitude},On or near High Street,E01,,${type},,`;
  const cluster = Array.from({ length: 30 }, (_, index) => row(`c${index}`, CLUSTER.longitude, CLUSTER.latitude, 'Burglary'));
  const scattered = Array.from({ length: 30 }, (_, index) => row(`s${index}`, (-1.75 + (index % 6) * 0.05).toFixed(4), (55.05 + Math.floor(index / 6) * 0.03).toFixed(4), 'Burglary'));
  return [HEADER, ...cluster, ...scattered, row('c0', CLUSTER.longitude, CLUSTER.latitude, 'Burglary'), row('v1', -1.6, 54.97, 'Vehicle crime'), row('n1', '', '', 'Burglary')].join('\n');
}

interface HotspotsOutput {
  parameters: Record<string, unknown>;
  incidentCount: number;
  skippedRows: Record<string, number>;
  studyAreaCells: number;
  bands: Record<string, number>;
  cells: { cell: string; count: number; zScore: number; pValue: number; band: string }[];
}

describe('npm run oneroof -- hotspots', () => {
  let directory: string;
  let fixture: string;

  beforeAll(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'oneroof-hotspots-'));
    fixture = path.join(directory, 'burglaries.csv');
    writeFileSync(fixture, `${fixtureRows()}\n`);
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('prints every cell with its count and Gi* z-score as JSON, highest z first', async () => {
    const result = await oneroof('hotspots', fixture, '--h3-resolution', '9', '--crime-type', 'burglary', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as HotspotsOutput;
    expect(output).toMatchObject({
      parameters: { h3Resolution: 9, rings: 1, crimeType: 'burglary', files: [fixture] },
      incidentCount: 60,
      skippedRows: { otherCrimeType: 1, noLocation: 1, duplicate: 1 },
    });
    // 31 cells with incidents, far apart, each with the 18 empty cells within 2 rings.
    expect(output.studyAreaCells).toBe(31 * 19);
    expect(output.cells).toHaveLength(31 * 19);
    expect(output.cells.reduce((sum, cell) => sum + cell.count, 0)).toBe(60);
    expect(Object.values(output.bands).reduce((sum, count) => sum + count, 0)).toBe(31 * 19);
    const zScores = output.cells.map((cell) => cell.zScore);
    expect(zScores).toEqual([...zScores].sort((a, b) => b - a));
    expect(Object.keys(output.cells[0]!).sort()).toEqual(['band', 'cell', 'count', 'pValue', 'zScore']);

    const cluster = output.cells.find((cell) => cell.cell === latLngToCell(CLUSTER.latitude, CLUSTER.longitude, 9))!;
    expect(cluster).toMatchObject({ count: 30, band: 'hot_99' });
    expect(cluster.zScore).toBe(zScores[0]);
    expect(cluster.pValue).toBeLessThan(0.01);
    const single = output.cells.filter((cell) => cell.count === 1);
    expect(single).toHaveLength(30);
    expect(single.every((cell) => cell.band === 'not_significant')).toBe(true);
  });

  it('prints a readable table without --json', async () => {
    const result = await oneroof('hotspots', fixture, '--top', '3');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Getis–Ord Gi* hotspots of 61 incidents in H3 resolution 9 hexagons, neighbours within 1 ring(s).');
    expect(result.stdout).toMatch(/Top 3 cells by z-score:\nH3 cell\s+incidents\s+Gi\* z\s+p\s+band\n[0-9a-f]{15}\s+\d+\s+\d+\.\d\d\s+<0\.001\s+hot spot, 99 %\n/);
    expect(result.stdout).toMatch(/… and \d+ more \(--top to show more, --json for all\)\.\n$/);
  });

  it('names each bad parameter (exit code 2)', async () => {
    const result = await oneroof('hotspots', fixture, '--h3-resolution', '16', '--rings', '1.5', '--json');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('--h3-resolution must be a whole number from 0 to 15 (got "16")\n--rings must be a whole number from 1 to 10 (got "1.5")\n');
  });

  it('explains files it cannot use (exit code 2)', async () => {
    const noLongitude = path.join(directory, 'no-longitude.csv');
    writeFileSync(noLongitude, 'Month,Latitude,Crime type\n2022-01,54.9,Burglary\n');
    const badPlace = path.join(directory, 'bad-place.csv');
    writeFileSync(badPlace, `${HEADER}\n,2022-01,Force,Force,-1.6,54.97,X,,,Burglary,,\n,2022-01,Force,Force,east,54.97,X,,,Burglary,,\n`);

    const cases: [string[], string][] = [
      [[noLongitude], 'no-longitude.csv has no Longitude column: hotspot analysis needs each incident\'s Longitude and Latitude (WGS84), as in police.uk street-level files.\n'],
      [[badPlace], 'bad-place.csv line 3: Longitude "east" and Latitude "54.97" are not WGS84 degrees.\n'],
      [[path.join(directory, 'missing.csv')], `${path.join(directory, 'missing.csv')}: no such file.\n`],
      [[fixture, '--crime-type', 'Robbery'], 'Hotspot analysis needs at least 1 incident with a location; found none of crime type "Robbery". Crime types in the files: Burglary, Vehicle crime.\n'],
    ];
    for (const [args, message] of cases) {
      const result = await oneroof('hotspots', ...args, '--json');
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(message);
    }
  });
}, 60_000);
