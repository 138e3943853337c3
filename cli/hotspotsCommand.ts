import { getisOrdGiStar, HOTSPOT_BANDS, type HotspotBand, type HotspotCell } from '../server/modules/analytics/hotspots/getisOrd.ts';
import { hexagonCounts } from '../server/modules/analytics/hotspots/hexagonCounts.ts';
import { HotspotInputError, readHotspotCsv } from '../server/modules/analytics/hotspots/hotspotsCsv.ts';
import { hotspotOptionsSchema } from '../server/modules/analytics/hotspots/hotspotsSchemas.ts';
import { describeOptionProblems } from '../server/modules/analytics/nearRepeat/nearRepeatSchemas.ts';
import { CliError } from './operatorContext.ts';

/** Bad input or parameters: the analyst can fix them (exit code 2, like a usage error). */
const INPUT_ERROR = 2;

export interface HotspotsCommandOptions {
  crimeType?: string;
  h3Resolution: string;
  rings: string;
  top: string;
  json?: boolean;
}

/** `npm run oneroof -- hotspots <csv>…`: H3 hexagon counts and Getis–Ord Gi* on analysts' own files, no database needed. */
export async function hotspotsCommand(files: string[], options: HotspotsCommandOptions): Promise<void> {
  const parsed = hotspotOptionsSchema.safeParse(options);
  if (!parsed.success) throw new CliError(describeOptionProblems(parsed.error), INPUT_ERROR);
  const { crimeType, h3Resolution, rings, top } = parsed.data;

  const read = await readHotspotCsv(files, crimeType).catch((error: unknown) => {
    throw error instanceof HotspotInputError ? new CliError(error.message, INPUT_ERROR) : error;
  });
  if (read.points.length === 0) {
    const types = read.crimeTypesSeen.length > 0 ? ` Crime types in the files: ${read.crimeTypesSeen.join(', ')}.` : '';
    throw new CliError(`Hotspot analysis needs at least 1 incident with a location; found none${crimeType ? ` of crime type "${crimeType}"` : ''}.${types}`, INPUT_ERROR);
  }
  const cells = getisOrdGiStar(hexagonCounts(read.points, { h3Resolution }), { neighbourRings: rings });
  const output = {
    parameters: { h3Resolution, rings, crimeType: crimeType ?? null, files },
    incidentCount: read.points.length,
    skippedRows: read.skipped,
    studyAreaCells: cells.length,
    bands: bandCounts(cells),
    cells: cells.map(({ cell, count, zScore, pValue, band }) => ({ cell, count, zScore, pValue, band })),
  };
  console.log(options.json ? JSON.stringify(output, null, 2) : formatHotspotTable(cells, { incidentCount: read.points.length, h3Resolution, rings, top }));
}

function bandCounts(cells: ReadonlyArray<HotspotCell>): Record<HotspotBand, number> {
  const counts = Object.fromEntries(HOTSPOT_BANDS.map((band) => [band, 0])) as Record<HotspotBand, number>;
  for (const { band } of cells) counts[band] += 1;
  return counts;
}

const bandLabels: Record<HotspotBand, string> = {
  hot_99: 'hot spot, 99 %',
  hot_95: 'hot spot, 95 %',
  hot_90: 'hot spot, 90 %',
  not_significant: 'not significant',
  cold_90: 'cold spot, 90 %',
  cold_95: 'cold spot, 95 %',
  cold_99: 'cold spot, 99 %',
};

export function formatHotspotTable(cells: ReadonlyArray<HotspotCell>, context: { incidentCount: number; h3Resolution: number; rings: number; top: number }): string {
  const counts = bandCounts(cells);
  const shown = cells.slice(0, context.top);
  const rows = [['H3 cell', 'incidents', 'Gi* z', 'p', 'band'], ...shown.map((cell) => [cell.cell, String(cell.count), cell.zScore.toFixed(2), formatP(cell.pValue), bandLabels[cell.band]])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const table = rows.map((row) => row.map((text, column) => (column === 0 || column === 4 ? text.padEnd(widths[column]!) : text.padStart(widths[column]!))).join('  ').trimEnd());
  return [
    `Getis–Ord Gi* hotspots of ${context.incidentCount} incidents in H3 resolution ${context.h3Resolution} hexagons, neighbours within ${context.rings} ring(s).`,
    `Study area: ${cells.length} cells (those with incidents and their empty neighbours).`,
    HOTSPOT_BANDS.map((band) => `${bandLabels[band]}: ${counts[band]}`).join('; '),
    '',
    `Top ${shown.length} cells by z-score:`,
    ...table,
    ...(cells.length > shown.length ? [`… and ${cells.length - shown.length} more (--top to show more, --json for all).`] : []),
  ].join('\n');
}

function formatP(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}
