import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { migrate } from '../server/db/migrate.ts';
import { policeUkMapping } from '../server/modules/incidents/incidentFields.ts';
import { fieldLabel, rowErrorText } from '../server/modules/incidents/incidentViews.ts';
import { ImportFileProblem } from '../server/modules/incidents/importFiles.ts';
import { systemActor } from '../server/shared/actor.ts';
import { isUuid } from '../server/shared/ids.ts';
import { translatorFor } from '../server/shared/i18n/index.ts';
import { CliError, withServices } from './operatorContext.ts';

/** Bad input the operator can fix: exit code 2, like a usage error. */
const INPUT_ERROR = 2;
const LISTED_PROBLEMS = 20;
const en = translatorFor('en');

export interface ImportIncidentsOptions {
  organisation: string;
  policeUk?: boolean;
  allOrNothing?: boolean;
}

/**
 * `npm run oneroof -- import-incidents <file.csv> --organisation <name or id>`: the browser's
 * import, for operators — the same checks and the same one transaction. Columns are guessed from
 * the header row (police.uk layouts are recognised); the good rows are imported unless
 * --all-or-nothing, and each refused row is listed.
 */
export async function importIncidentsCommand(file: string, options: ImportIncidentsOptions): Promise<void> {
  const size = await stat(file).then((info) => info.size, () => {
    throw new CliError(`${file}: no such file.`, INPUT_ERROR);
  });
  await withServices(async ({ services }) => {
    await migrate(services.db);
    const wantedName = options.organisation.toLowerCase();
    const organisation = await services.db
      .selectFrom('organisations')
      .select(['id', 'name'])
      .where((eb) => (isUuid(options.organisation) ? eb('id', '=', options.organisation) : eb(sql<string>`lower(name)`, '=', wantedName)))
      .executeTakeFirst();
    if (!organisation) throw new CliError(`No organisation is called or has the id "${options.organisation}".`, INPUT_ERROR);
    const started = performance.now();
    const result = await services.incidentImports
      .importFile({ organisationId: organisation.id, userId: null }, createReadStream(file), path.basename(file), { channel: options.policeUk ? 'police_uk' : 'command', ...(options.policeUk ? { mapping: policeUkMapping } : {}), requireClean: Boolean(options.allOrNothing) }, systemActor('cli'))
      .catch((error: unknown) => {
        throw error instanceof ImportFileProblem ? new CliError(`${file}: ${en(error.messageKey, error.values)}.`, INPUT_ERROR) : error;
      });
    const seconds = (performance.now() - started) / 1000;
    for (const problem of result.row_errors.slice(0, LISTED_PROBLEMS)) console.error(`row ${problem.row}, ${fieldLabel(problem.field, en)}: ${rowErrorText(problem, en)}`);
    if (result.row_errors.length > LISTED_PROBLEMS) console.error(`… and ${result.rows_invalid - LISTED_PROBLEMS} more rows with problems.`);
    console.log(JSON.stringify({
      importId: result.id,
      organisation: organisation.name,
      status: result.status,
      encoding: result.encoding,
      bytes: size,
      rows: result.rows_total,
      valid: result.rows_valid,
      invalid: result.rows_invalid,
      imported: result.rows_imported,
      alreadyHeld: result.rows_already_held,
      seconds: Number(seconds.toFixed(1)),
      ...(result.failure ? { failure: en(result.failure, { row: result.row_errors[0]?.row ?? '' }) } : {}),
    }, null, 2));
    if (result.status === 'failed') process.exitCode = 1;
    else if (result.rows_invalid > 0) process.exitCode = INPUT_ERROR;
  });
}
