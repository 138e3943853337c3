import { analyseNearRepeat, type Matrix, type NearRepeatResult } from '../server/modules/analytics/nearRepeat/nearRepeatAnalysis.ts';
import { NearRepeatInputError, readNearRepeatCsv } from '../server/modules/analytics/nearRepeat/nearRepeatCsv.ts';
import { describeOptionProblems, nearRepeatOptionsSchema } from '../server/modules/analytics/nearRepeat/nearRepeatSchemas.ts';
import { formatP, SIGNIFICANCE_LEVEL } from '../server/modules/analytics/nearRepeat/nearRepeatSummary.ts';
import { CliError } from './operatorContext.ts';

/** Bad input or parameters: the analyst can fix them (exit code 2, like a usage error). */
const INPUT_ERROR = 2;

export interface NearRepeatCommandOptions {
  crimeType?: string;
  distanceBands: string;
  timeBands: string;
  iterations: string;
  seed: string;
  workers?: string;
  json?: boolean;
}

/** `npm run oneroof -- near-repeat <csv>…`: the Knox test on analysts' own files, no database needed. */
export async function nearRepeatCommand(files: string[], options: NearRepeatCommandOptions): Promise<void> {
  const parsed = nearRepeatOptionsSchema.safeParse(options);
  if (!parsed.success) throw new CliError(describeOptionProblems(parsed.error), INPUT_ERROR);
  const { crimeType, workers, ...parameters } = parsed.data;

  const read = await readNearRepeatCsv(files, crimeType).catch((error: unknown) => {
    throw error instanceof NearRepeatInputError ? new CliError(error.message, INPUT_ERROR) : error;
  });
  if (read.events.length < 2) {
    const types = read.crimeTypesSeen.length > 0 ? ` Crime types in the files: ${read.crimeTypesSeen.join(', ')}.` : '';
    throw new CliError(`Near-repeat analysis needs at least 2 events with a location and date; found ${read.events.length}${crimeType ? ` of crime type "${crimeType}"` : ''}.${types}`, INPUT_ERROR);
  }
  const label = crimeType ? `${crimeType.toLowerCase()} events` : 'events';
  const result = await analyseNearRepeat(read.events, parameters, { eventLabel: label, ...(workers ? { workers } : {}) }).catch((error: unknown) => {
    throw error instanceof RangeError ? new CliError(error.message, INPUT_ERROR) : error;
  });
  const output = { ...result, parameters: { ...result.parameters, crimeType: crimeType ?? null, files }, skippedRows: read.skipped };
  console.log(options.json ? JSON.stringify(output, null, 2) : formatNearRepeatTables(result));
}

export function formatNearRepeatTables(result: NearRepeatResult): string {
  const { distanceBands, timeBands, iterations, seed } = result.parameters;
  const rowLabels = distanceBands.map((band, index) => `${index === 0 ? 0 : distanceBands[index - 1]}–${band} m`);
  const columnLabels = timeBands.map((band, index) => `${index === 0 ? 0 : timeBands[index - 1]! + 1}–${band} days`);
  const table = (title: string, cells: Matrix<string>) => {
    const rows = [['', ...columnLabels], ...cells.map((row, index) => [rowLabels[index]!, ...row])];
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    return [title, ...rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '))].join('\n');
  };
  const mark = (row: number, column: number) => (result.p[row]![column]! < SIGNIFICANCE_LEVEL && (result.ratio[row]![column] ?? 0) > 1 ? '*' : ' ');
  return [
    `Near-repeat (Knox) analysis of ${result.eventCount} events, ${iterations} permutations of dates, seed ${seed}.`,
    `Distance bands include their upper limit; * marks a cell above chance with p < ${SIGNIFICANCE_LEVEL}.`,
    '',
    table('Observed pairs', result.observed.map((row) => row.map(String))),
    '',
    table('Expected pairs (mean over permutations)', result.expected.map((row) => row.map((value) => value.toFixed(1)))),
    '',
    table('Observed ÷ expected', result.ratio.map((row, r) => row.map((value, c) => `${value === null ? '–' : value.toFixed(2)}${mark(r, c)}`))),
    '',
    table('p-value', result.p.map((row, r) => row.map((value, c) => `${formatP(value)}${mark(r, c)}`))),
    '',
    result.summary,
  ].join('\n');
}
