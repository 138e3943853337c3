import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../server/db/schema.ts';
import { getisOrdGiStar } from '../server/modules/analytics/hotspots/getisOrd.ts';
import { hexagonCountsParallel } from '../server/modules/analytics/hotspots/hexagonCountsParallel.ts';
import { paths } from '../server/shared/paths.ts';
import { createBenchDatabase } from './benchDatabase.ts';
import { runNearRepeatBenchmark } from './nearRepeat.ts';
import { type Figures, measurePaced, randomPort, round, signedInCookie, startServer, stopServer, valueOf, warmUp } from './benchSupport.ts';

const POLICE_UK_ASB = path.resolve(import.meta.dirname, '../../shared/data/police-uk-asb/northumbria_asb_2022_street.csv');
const METRES_PER_DEGREE = (6_371_008.8 * Math.PI) / 180;
const JITTER_METRES = 250;

/**
 * `npm run bench -- analytics [--incidents N] [--h3-resolution R] [--rings K] [--runs N]
 * [--knox-events N] [--iterations N] [--skip-knox] [--users N] [--seconds N] [--skip-dashboard]`:
 *   1. hotspots: Northumbria's 39,706 police.uk ASB records of 2022, scaled up to N incidents
 *      (default 1,000,000) in the incidents table of a Postgres bench database, then timed: reading
 *      the points for the year, H3 aggregation, Getis–Ord Gi* (target: under 5 s together);
 *   2. near-repeat: the Knox test of `npm run bench -- near-repeat` (100,000 events × 5 × 5 bands ×
 *      999 permutations; target under 60 s on 2 cores);
 *   3. dashboard: p95 of the analytics dashboard page (/analytics, the year 2022) with 10
 *      concurrent signed-in analysts on the same 1,000,000 incidents (target 200 ms).
 */
export async function runAnalyticsBenchmark(args: string[]): Promise<unknown> {
  const incidents = Number(valueOf(args, '--incidents') ?? 1_000_000);
  const h3Resolution = Number(valueOf(args, '--h3-resolution') ?? 9);
  const neighbourRings = Number(valueOf(args, '--rings') ?? 1);
  const runs = Number(valueOf(args, '--runs') ?? 3);
  const database = await createBenchDatabase();
  try {
    const loaded = await loadScaledIncidents(database.handle.db, incidents);
    const hotspots = [];
    for (let run = 0; run < runs; run += 1) hotspots.push(await timeHotspots(database.handle.db, { h3Resolution, neighbourRings }));
    const dashboard = args.includes('--skip-dashboard')
      ? 'skipped (--skip-dashboard)'
      : await measureDashboard(database.handle.db, database.url, { users: Number(valueOf(args, '--users') ?? 10), seconds: Number(valueOf(args, '--seconds') ?? 20) });
    await database.drop();
    const nearRepeat = args.includes('--skip-knox')
      ? 'skipped (--skip-knox)'
      : await runNearRepeatBenchmark(['--events', valueOf(args, '--knox-events') ?? '100000', '--iterations', valueOf(args, '--iterations') ?? '999']);
    return {
      benchmark: 'analytics',
      hotspots: {
        data: `${path.basename(POLICE_UK_ASB)}: ${loaded.realRows} real records scaled up to ${loaded.incidents} incidents (copies moved up to ${JITTER_METRES} m, seeded) in Postgres`,
        loadSeconds: loaded.seconds,
        h3Resolution,
        neighbourRings,
        runs: hotspots,
        medianTotalSeconds: median(hotspots.map((run) => run.totalSeconds)),
      },
      nearRepeat,
      dashboard,
      machine: machine(),
    };
  } catch (error) {
    await database.drop().catch(() => undefined);
    throw error;
  }
}

/** Reads the year's points from Postgres, counts them per hexagon and runs Gi*, timing each part. */
async function timeHotspots(db: Kysely<Database>, options: { h3Resolution: number; neighbourRings: number }) {
  // CPU time of this process (every thread), which other people's work on the machine inflates far less than wall time.
  const cpuAtStart = process.cpuUsage();
  let started = performance.now();
  const points = await db
    .selectFrom('incidents')
    .select(['latitude', 'longitude'])
    .where('occurred_at', '>=', new Date('2022-01-01T00:00:00Z'))
    .where('occurred_at', '<', new Date('2023-01-01T00:00:00Z'))
    .where('latitude', 'is not', null)
    .$narrowType<{ latitude: number; longitude: number }>()
    .execute();
  const readSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const counts = await hexagonCountsParallel(points, { h3Resolution: options.h3Resolution });
  const hexagonSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const cells = getisOrdGiStar(counts, { neighbourRings: options.neighbourRings });
  const giStarSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    points: points.length,
    cellsWithIncidents: counts.size,
    studyAreaCells: cells.length,
    hot99Cells: cells.filter((cell) => cell.band === 'hot_99').length,
    readSeconds: round(readSeconds),
    hexagonSeconds: round(hexagonSeconds),
    giStarSeconds: round(giStarSeconds),
    totalSeconds: round(readSeconds + hexagonSeconds + giStarSeconds),
    nodeCpuSeconds: round((cpu.user + cpu.system) / 1e6),
    loadAverage1Min: round(os.loadavg()[0]!),
  };
}

/**
 * The police.uk rows go into a scratch table once; Postgres then writes every copy itself
 * (insert … select over generate_series), each copy after the first moved up to 250 m and to a
 * random day of its month, with setseed so every run loads the same incidents.
 */
async function loadScaledIncidents(db: Kysely<Database>, incidents: number): Promise<{ realRows: number; incidents: number; seconds: number }> {
  const started = performance.now();
  const rows = (parse(readFileSync(POLICE_UK_ASB), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[]).filter((row) => row.Longitude && row.Latitude);
  const organisation = await db.insertInto('organisations').values({ name: 'Northumbria Police (bench)', type: 'police' }).returning('id').executeTakeFirstOrThrow();
  await sql`create unlogged table bench_asb (n integer primary key, month date not null, longitude double precision not null, latitude double precision not null, location text, lsoa_code text)`.execute(db);
  const chunk = 5_000;
  for (let start = 0; start < rows.length; start += chunk) {
    const values = rows.slice(start, start + chunk).map((row, index) => sql`(${start + index}, ${`${row.Month}-01`}::date, ${Number(row.Longitude)}, ${Number(row.Latitude)}, ${row.Location || null}, ${row['LSOA code'] || null})`);
    await sql`insert into bench_asb (n, month, longitude, latitude, location, lsoa_code) values ${sql.join(values)}`.execute(db);
  }
  const copies = Math.ceil(incidents / rows.length);
  const degreesLatitude = JITTER_METRES / METRES_PER_DEGREE;
  await db.connection().execute(async (connection) => {
    await sql`select setseed(0.2024)`.execute(connection);
    await sql`
      insert into incidents (source_organisation_id, source_reference, occurred_at, occurred_precision, category_code, source_category, address, latitude, longitude, lsoa_code)
      select ${organisation.id}, 'asb-' || copy || '-' || n,
             month + (floor(random() * 28) || ' days')::interval, 'month', 'asb_nuisance', 'Anti-social behaviour', location,
             latitude + case when copy = 0 then 0 else (random() * 2 - 1) * ${degreesLatitude} end,
             longitude + case when copy = 0 then 0 else (random() * 2 - 1) * ${degreesLatitude} / cos(radians(latitude)) end,
             lsoa_code
      from generate_series(0, ${copies - 1}) copy cross join bench_asb
      where copy * ${rows.length} + n < ${incidents}
      order by copy, n`.execute(connection);
  });
  await sql`analyze incidents`.execute(db);
  return { realRows: rows.length, incidents, seconds: round((performance.now() - started) / 1000) };
}

/**
 * The analytics dashboard for 2022 (the loaded year) as `users` signed-in analysts would use it:
 * each opens the page, waits for it, reads for a random while (1 s on average) and opens it
 * again (measurePaced). The app's own caches are warmed first. Target: p95 under 200 ms.
 */
async function measureDashboard(db: Kysely<Database>, databaseUrl: string, options: { users: number; seconds: number }): Promise<Figures & { path: string; users: number; seconds: number }> {
  await sql`insert into partnership (name, area, logo_text) values ('Northumbria Community Safety Partnership', 'Northumbria', 'Northumbria CSP') on conflict (id) do nothing`.execute(db);
  const organisation = await db.selectFrom('organisations').select('id').executeTakeFirstOrThrow();
  const cookies: string[] = [];
  for (let index = 0; index < options.users; index += 1) {
    const user = await db
      .insertInto('users')
      .values({ organisation_id: organisation.id, email: `analyst${index}@bench.oneroof.example`, name: `Bench analyst ${index}`, role: 'analyst' })
      .returning('id')
      .executeTakeFirstOrThrow();
    cookies.push((await signedInCookie(db, user.id)).cookie);
  }
  const dashboardPath = `${paths.analytics.dashboard()}?from-day=1&from-month=1&from-year=2022&to-day=31&to-month=12&to-year=2022`;
  const next = () => ({ path: dashboardPath, headers: { cookie: cookies[Math.floor(Math.random() * cookies.length)]! } });
  const port = randomPort();
  const server = await startServer(databaseUrl, port);
  try {
    const base = `http://127.0.0.1:${port}`;
    await warmUp(base, next, 20);
    const figures = await measurePaced(base, next, options.users, 1, options.seconds);
    return { path: dashboardPath, users: options.users, seconds: options.seconds, ...figures };
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await stopServer(server);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function machine() {
  return {
    cpus: os.cpus().length,
    availableParallelism: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverage1MinAtEnd: round(os.loadavg()[0]!),
  };
}
