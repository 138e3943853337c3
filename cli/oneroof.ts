import { Command, Option } from 'commander';
import { migrate } from '../server/db/migrate.ts';
import { demoCode, demoSignIns, formatDemoSignIns, seedDemoData } from '../server/db/seeds/demoSeed.ts';
import { verifyAuditChain } from '../server/modules/audit/auditVerifier.ts';
import { AuditRepository } from '../server/modules/audit/auditRepository.ts';
import { organisationTypes } from '../server/modules/organisations/organisationTypes.ts';
import { createAdmin, type CreateAdminOptions } from './createAdmin.ts';
import { linkCommand, type LinkCommandOptions } from './linkCommand.ts';
import { hotspotsCommand, type HotspotsCommandOptions } from './hotspotsCommand.ts';
import { nearRepeatCommand, type NearRepeatCommandOptions } from './nearRepeatCommand.ts';
import { importIncidentsCommand, type ImportIncidentsOptions } from './importIncidentsCommand.ts';
import { exportStore, importStore } from './storeCommands.ts';
import { CliError, describeFailure, refuseInProduction, withServices } from './operatorContext.ts';
import { systemActor } from '../server/shared/actor.ts';

/** Operator commands: `npm run oneroof -- <command>`. Settings come from the same environment as the server. */
const program = new Command()
  .name('oneroof')
  .description('OneRoof operator commands. Uses DATABASE_URL, or the PGlite store under DATA_DIR (stop the server first).')
  .showHelpAfterError();

program
  .command('migrate')
  .description('apply database migrations (the server does this at start-up too)')
  .action(() =>
    withServices(async ({ services }) => {
      const result = await migrate(services.db);
      for (const name of result.applied) console.log(`applied ${name}`);
      console.log(`${result.applied.length} migration(s) applied, ${result.alreadyApplied} already in place (${services.database.location})`);
    }),
  );

program
  .command('create-admin')
  .description('create a partnership administrator and print their invitation link')
  .requiredOption('--email <email>', 'their email address')
  .requiredOption('--name <name>', 'their full name')
  .option('--organisation <name>', 'their organisation, created when missing (default: the partnership name)')
  .addOption(new Option('--organisation-type <type>', 'type of a new organisation').choices(organisationTypes).default('other'))
  .option('--partnership-name <name>', 'name of the partnership, when there is none yet', 'Community Safety Partnership')
  .option('--partnership-area <area>', 'area the partnership covers, when there is none yet', 'Area not yet given')
  .option('--logo-text <text>', 'short name for the page header, when there is no partnership yet (default: the name)')
  .action((options: CreateAdminOptions) =>
    withServices(async ({ services }) => {
      await migrate(services.db);
      const created = await createAdmin(services, options);
      console.log(`Created partnership administrator ${created.email} (user ${created.userId}) in ${created.organisationName}.`);
      console.log('Invitation link, valid for 7 days (the email is also in the outbox):');
      console.log(created.inviteLink);
    }),
  );

program
  .command('audit:verify')
  .description("recompute the audit log's hash chain; exit code 1 names the first broken row")
  .action(() =>
    withServices(async ({ services }) => {
      const result = await verifyAuditChain(services.db);
      if (result.ok) {
        // Committed events still waiting to be chained (ADR 0030): the running app chains them.
        const waiting = await new AuditRepository(services.db).inboxCount();
        console.log(JSON.stringify({ ok: true, checked: result.checked, lastSeq: result.lastSeq, lastHash: result.lastHash, ...(result.anchorSeq ? { anchorSeq: result.anchorSeq } : {}), ...(waiting > 0 ? { waitingToBeChained: waiting } : {}) }));
        return;
      }
      console.log(JSON.stringify({ ok: false, checked: result.checked, firstBrokenSeq: result.firstBrokenSeq, problem: result.problem }));
      console.error(`Audit chain broken at seq ${result.firstBrokenSeq}: ${problemText[result.problem]} (${result.checked} row(s) before it are intact).`);
      process.exitCode = 1;
    }),
  );

program
  .command('retention:plan')
  .description('propose a retention run: what each schedule makes due now, for the data-protection officer to approve at /admin/retention/runs')
  .action(() =>
    withServices(async ({ config, services }) => {
      await migrate(services.db);
      const waiting = await services.retention.openProposal();
      if (waiting) throw new CliError(`A proposed run is already waiting for a decision: ${config.baseUrl}/admin/retention/runs/${waiting.id}`);
      const runId = await services.retention.plan({ id: null, label: 'cli' }, systemActor('cli'));
      const { items } = await services.retention.showRun(runId, systemActor('cli'));
      for (const item of items) console.log(`${item.record_type}: ${item.proposed} due (${item.action}), ${item.held} held`);
      console.log(`Proposed run ${runId}: review it at ${config.baseUrl}/admin/retention/runs/${runId}`);
    }),
  );

program
  .command('seed:demo')
  .description('load the demo partnership and one sign-in per role into an empty database (never in production)')
  .action(() =>
    withServices(async ({ config, services }) => {
      refuseInProduction(config, 'seed:demo');
      await migrate(services.db);
      const { seeded } = await seedDemoData(services);
      if (!seeded) console.log('A partnership already exists: demo data was not loaded again.');
      console.log(formatDemoSignIns(await demoSignIns(services), config.baseUrl));
    }),
  );

program
  .command('demo:code')
  .description('print the current six-digit authenticator code of a demo account (never in production)')
  .argument('<email>', 'email address of a demo account')
  .action((email: string) =>
    withServices(async ({ config, services }) => {
      refuseInProduction(config, 'demo:code');
      const code = await demoCode(services, email);
      if (!code) throw new CliError(`${email} is not a demo account with an authenticator app.`);
      console.log(code);
    }),
  );

program
  .command('near-repeat')
  .description("Knox near-repeat test on CSV files with Longitude, Latitude and a day-level Date (no database needed); exit code 2 for bad input")
  .argument('<csv...>', 'police.uk-style street-level CSV files that also carry a Date column (YYYY-MM-DD or ISO date-time)')
  .option('--crime-type <type>', 'only rows whose Crime type is this, e.g. Burglary')
  .option('--distance-bands <metres>', 'upper limits of the distance bands in metres, increasing', '100,200,300,400,500')
  .option('--time-bands <days>', 'upper limits of the time bands in whole days, increasing', '7,14,21,28,35')
  .option('--iterations <n>', 'Monte Carlo permutations of the dates, 1 to 9999', '999')
  .option('--seed <n>', 'seed of the permutations, so a run can be repeated exactly', '1')
  .addOption(new Option('--workers <n>', 'worker threads (default: one per core)').hideHelp())
  .option('--json', 'print the result as JSON')
  .action((files: string[], options: NearRepeatCommandOptions) => nearRepeatCommand(files, options));

program
  .command('hotspots')
  .description('H3 hexagon counts and Getis–Ord Gi* hotspots on CSV files with Longitude and Latitude (no database needed); exit code 2 for bad input')
  .argument('<csv...>', 'police.uk-style street-level CSV files (Longitude, Latitude, Crime type)')
  .option('--crime-type <type>', 'only rows whose Crime type is this, e.g. Burglary')
  .option('--h3-resolution <n>', 'H3 resolution of the hexagons, 0 to 15 (9: about 0.1 km²)', '9')
  .option('--rings <n>', 'neighbours are the hexagons within this many rings, 1 to 10', '1')
  .option('--top <n>', 'cells listed in the table without --json', '20')
  .option('--json', 'print every cell as JSON, sorted by z-score, highest first')
  .action((files: string[], options: HotspotsCommandOptions) => hotspotsCommand(files, options));

program
  .command('alerts:run')
  .description('run every enabled alert rule over all incidents now and print what each rule raised, as JSON')
  .option('--as-of <date-time>', 'evaluate the rules as at this moment (ISO 8601), e.g. to replay a past day')
  .action((options: { asOf?: string }) =>
    withServices(async ({ services }) => {
      await migrate(services.db);
      const asOf = options.asOf ? new Date(options.asOf) : new Date();
      if (Number.isNaN(asOf.getTime())) throw new CliError(`--as-of ${options.asOf} is not a date and time (ISO 8601, e.g. 2026-06-30T12:00:00Z).`);
      const result = await services.alerts.runRules(asOf, systemActor('cli'));
      console.log(JSON.stringify({ asOf: asOf.toISOString(), ...result }, null, 2));
    }),
  );

program
  .command('link-pending')
  .description('link every pending incident person to a OneRoof person (or queue them for review, or make new people), then print the counts as JSON')
  .option('--chunk-size <n>', 'pending records linked at a time', '100000')
  .action((options: { chunkSize: string }) =>
    withServices(async ({ services }) => {
      await migrate(services.db);
      const chunkSize = Number(options.chunkSize);
      if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new CliError(`--chunk-size ${options.chunkSize} is not a whole number above 0.`);
      const result = await services.linkage.linkPending({ chunkSize, actor: systemActor('cli') });
      console.log(JSON.stringify(result, null, 2));
    }),
  );

program
  .command('link')
  .description('Fellegi–Sunter record linkage of person records in CSV files (no database needed); without a right file, deduplicates the left one; exit code 2 for bad input')
  .argument('<left.csv>', 'CSV file with a header row, e.g. in the FEBRL layout')
  .argument('[right.csv]', 'second CSV file to link the first to')
  .requiredOption('--id <column>', 'column holding each record\'s identifier, e.g. rec_id')
  .option('--columns <names>', 'comma-separated columns to compare (default: every column it recognises: given_name, surname, date_of_birth, postcode, street_number, address_1, address_2, suburb, phone, soc_sec_id and common other names)')
  .requiredOption('--out <matches.csv>', 'file to write: left_id,right_id,match_weight,match_probability')
  .addOption(new Option('--workers <n>', 'worker threads (default: one per core)').hideHelp())
  .action((left: string, right: string | undefined, options: LinkCommandOptions) => linkCommand(left, right, options));

program
  .command('import-incidents')
  .description('import a CSV file of incidents for an organisation (columns guessed from the header; police.uk files recognised); exit code 2 when rows were refused')
  .argument('<file>', 'the CSV file')
  .requiredOption('--organisation <name or id>', 'the organisation the incidents come from')
  .option('--police-uk', 'the file is a police.uk street-level crime or ASB file')
  .option('--all-or-nothing', 'import nothing if any row has a problem (default: import the good rows)')
  .action((file: string, options: ImportIncidentsOptions) => importIncidentsCommand(file, options));

program
  .command('export-store')
  .description('copy the embedded store under DATA_DIR (database, attachments, generated secrets, a manifest of row counts and the audit head) into a new folder; stop the server first')
  .argument('<dir>', 'a new or empty folder')
  .action(async (dir: string) => {
    const manifest = await exportStore(dir);
    console.log(JSON.stringify({ exported: dir, rowCounts: manifest.rowCounts, auditLastSeq: manifest.audit.lastSeq }));
  });

program
  .command('import-store')
  .description('restore a folder written by export-store into an empty DATA_DIR and verify row counts and the audit chain against its manifest')
  .argument('<dir>', 'a folder written by export-store')
  .action(async (dir: string) => {
    const restored = await importStore(dir);
    console.log(JSON.stringify({ imported: dir, rowCounts: restored.rowCounts, auditLastSeq: restored.lastSeq }));
  });

const problemText = {
  'missing-row': 'the row with this sequence number is missing',
  'prev-hash-mismatch': "the row does not name the previous row's hash",
  'hash-mismatch': "the row's contents no longer match its hash",
  'anchor-unattested': 'the retention anchor the check starts from is not named by any later audit event',
} as const;

program.parseAsync(process.argv).catch((error: unknown) => {
  const failure = describeFailure(error);
  console.error(failure.message);
  process.exitCode = failure.exitCode;
});
