import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { linkageThresholds } from '../server/modules/linkage/engine/linkageConfig.ts';
import { linkRecords } from '../server/modules/linkage/engine/linker.ts';
import { LinkageInputError, readPersonCsv } from '../server/modules/linkage/linkageCsv.ts';
import { CliError } from './operatorContext.ts';

/** Bad input: the analyst can fix it (exit code 2, like a usage error). */
const INPUT_ERROR = 2;

export interface LinkCommandOptions {
  id: string;
  columns?: string;
  out: string;
  workers?: string;
}

/**
 * `npm run oneroof -- link <left.csv> [<right.csv>] --id <column> --out <matches.csv>`: the
 * linkage engine on analysts' own files, no database needed. Writes each pair at or above the
 * auto-link threshold.
 */
export async function linkCommand(leftFile: string, rightFile: string | undefined, options: LinkCommandOptions): Promise<void> {
  const columns = options.columns
    ?.split(',')
    .map((column) => column.trim())
    .filter((column) => column !== '');
  if (columns && columns.length === 0) throw new CliError('--columns needs at least one column name, e.g. --columns given_name,surname,date_of_birth', INPUT_ERROR);
  const workers = options.workers === undefined ? undefined : Number(options.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new CliError(`--workers must be a whole number from 1 to 64 (got "${options.workers}")`, INPUT_ERROR);

  const read = (file: string) =>
    readPersonCsv(file, { idColumn: options.id, ...(columns ? { columns } : {}) }).catch((error: unknown) => {
      throw error instanceof LinkageInputError ? new CliError(error.message, INPUT_ERROR) : error;
    });
  const left = (await read(leftFile)).records;
  const right = rightFile === undefined ? undefined : (await read(rightFile)).records;
  if (!right && left.length < 2) throw new CliError(`Deduplicating needs at least 2 records; ${leftFile} has ${left.length}.`, INPUT_ERROR);

  const run = await linkRecords(left, right, workers === undefined ? {} : { workers });
  const idOf = (index: number) => (index < left.length ? left[index]!.id : right![index - left.length]!.id);
  const threshold = Math.log2(linkageThresholds.autoLinkProbability / (1 - linkageThresholds.autoLinkProbability));

  const output = createWriteStream(options.out);
  const csv = stringify({ header: true, columns: ['left_id', 'right_id', 'match_weight', 'match_probability'] });
  csv.pipe(output);
  let written = 0;
  for (let index = 0; index < run.scored.count; index += 1) {
    const weight = run.scored.matchWeight[index]!;
    if (weight < threshold) continue;
    const probability = 1 / (1 + 2 ** -weight);
    if (!csv.write([idOf(run.scored.a[index]!), idOf(run.scored.b[index]!), weight.toFixed(3), probability.toFixed(6)])) await new Promise((resolve) => csv.once('drain', resolve));
    written += 1;
  }
  csv.end();
  await finished(output);
  const task = right ? `${left.length} × ${right.length} records linked` : `${left.length} records deduplicated`;
  console.error(`${task}: ${run.scored.count} pairs compared, ${written} pairs at match probability ≥ ${linkageThresholds.autoLinkProbability} written to ${options.out}.`);
}
