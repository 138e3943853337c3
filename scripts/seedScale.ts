import { parseArgs } from 'node:util';
import { openPostgres } from '../server/db/database.ts';
import { migrate } from '../server/db/migrate.ts';
import { seedScale } from '../server/db/seeds/scaleSeed.ts';
import { ensureInstruments } from '../server/modules/risk/riskInstruments.ts';

/**
 * `npm run seed:scale -- --people 1000000 --cases 200000`: loads a large realistic partnership
 * into the PostgreSQL database at DATABASE_URL, for benchmarks and capacity tests. Refuses in
 * production and without DATABASE_URL (the embedded store is not meant for this size).
 */
const { values } = parseArgs({
  options: {
    people: { type: 'string', default: '1000000' },
    cases: { type: 'string', default: '200000' },
  },
});

function countOption(name: string, text: string): number {
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > 20_000_000) {
    console.error(`--${name} must be a whole number from 1 to 20,000,000`);
    process.exit(2);
  }
  return count;
}

const people = countOption('people', values.people);
const cases = countOption('cases', values.cases);
if (process.env.NODE_ENV === 'production') {
  console.error('seed:scale refuses to run with NODE_ENV=production: it adds made-up people and cases.');
  process.exit(1);
}
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('seed:scale needs DATABASE_URL (a PostgreSQL database); it does not load the embedded store.');
  process.exit(1);
}

const handle = openPostgres(databaseUrl, { poolSize: 1 });
try {
  await migrate(handle.db);
  // The risk instruments the app loads at start-up: seeded cases carry assessments made with them.
  await ensureInstruments(handle.db);
  console.log(`Seeding ${people.toLocaleString('en-GB')} people and ${cases.toLocaleString('en-GB')} cases into ${handle.location}`);
  const result = await seedScale(handle.db, { people, cases, log: (line) => console.log(line) });
  console.log(JSON.stringify({ tag: result.tag, seconds: result.seconds, riskAssessments: result.riskAssessments, counts: result.counts }, null, 2));
} finally {
  await handle.close();
}
