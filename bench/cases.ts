import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Signer } from '@fastify/cookie';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { type DatabaseHandle, openPostgres } from '../server/db/database.ts';
import { migrate } from '../server/db/migrate.ts';
import { alternativeGivenNames } from '../server/modules/search/nicknames.ts';
import { sha256Hex } from '../server/shared/crypto.ts';

interface Figures {
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  non2xx: number;
  errors: number;
}

/** One signed-in officer of the seeded partnership, with what they would open and look for. */
interface BenchUser {
  cookie: string;
  organisation: string;
  caseIds: string[];
  names: string[];
}

const SESSION_SECRET = randomBytes(32).toString('base64url');
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

/**
 * Case work at scale: opening a case page, the "my cases" list and a fuzzy "Find a person",
 * every request made as one of `--users` signed-in officers of the organisations
 * `npm run seed:scale` loaded (a case page only for cases their organisation can see, names
 * typed as people would: misspelt, surname first, or by a nickname). Each is measured twice
 * for `--seconds`, with `--connections` concurrent connections (one per user):
 * - paced: each user waits a random while (on average 1/`--rate` seconds; default 1 s, someone
 *   clicking through cases without stopping to read) after each answer before the next
 *   request, starting at random moments: what the latency targets are about;
 * - saturated: each connection sends its next request as soon as the last is answered, which
 *   finds the throughput (its latency is mostly queueing: connections ÷ requests per second).
 * Runs one app process against DATABASE_URL, which must already hold the seeded data; nothing
 * is dropped afterwards (only the benchmark's sessions are removed).
 */
export async function runCasesBenchmark(args: string[]): Promise<Record<string, unknown>> {
  const seconds = Number(valueOf(args, '--seconds') ?? 20);
  const connections = Number(valueOf(args, '--connections') ?? 20);
  const userCount = Number(valueOf(args, '--users') ?? connections);
  const rate = Number(valueOf(args, '--rate') ?? 1);
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('bench cases needs DATABASE_URL: a database loaded with `npm run seed:scale`');
  const handle = openPostgres(databaseUrl, { poolSize: 2 });
  const sessionIds: string[] = [];
  let server: ChildProcess | undefined;
  try {
    // New migrations (indexes) are built here rather than inside the app's start-up.
    await migrate(handle.db);
    const dataset = await datasetSize(handle);
    const users = await benchUsers(handle, userCount, sessionIds);
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    server = await startServer(databaseUrl, port);
    const base = `http://127.0.0.1:${port}`;
    const pick = <T>(values: T[]) => values[Math.floor(Math.random() * values.length)]!;
    const scenario = (target: (user: BenchUser) => string) => () => {
      const user = pick(users);
      return { path: target(user), headers: { cookie: user.cookie } };
    };
    const scenarios = {
      casePage: scenario((user) => `/cases/${pick(user.caseIds)}`),
      myCases: scenario(() => '/cases?view=mine'),
      personSearch: scenario((user) => `/people?name=${encodeURIComponent(pick(user.names))}`),
    };
    const paced: Record<string, Figures> = {};
    const saturated: Record<string, Figures> = {};
    for (const [name, next] of Object.entries(scenarios)) {
      await warmUp(base, next);
      paced[name] = await measurePaced(base, next, users.length, rate, seconds);
      saturated[name] = await measure(base, next, connections, seconds);
    }
    return {
      benchmark: 'cases',
      database: 'postgres',
      dataset,
      connections,
      signedInUsers: users.length,
      organisations: new Set(users.map((user) => user.organisation)).size,
      durationSeconds: seconds,
      node: process.version,
      cpus: os.cpus().length,
      loadAverageAtEnd: os.loadavg().map(round),
      paced: { requestsPerSecondPerUser: rate, ...paced },
      saturated,
    };
  } finally {
    if (server) {
      // Let the last answers of the load generator's connections arrive before the app closes its pool.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await stopServer(server);
    }
    if (sessionIds.length > 0) await handle.db.deleteFrom('sessions').where('sid_hash', 'in', sessionIds.map(sha256Hex)).execute();
    await handle.close();
  }
}

async function datasetSize(handle: DatabaseHandle): Promise<Record<string, number>> {
  const result = await sql<Record<string, string>>`select
    (select count(*) from people) as people, (select count(*) from cases) as cases, (select count(*) from case_people) as case_people,
    (select count(*) from organisations) as organisations, (select count(*) from users) as users`.execute(handle.db);
  return Object.fromEntries(Object.entries(result.rows[0]!).map(([key, value]) => [key, Number(value)]));
}

/**
 * Officers with cases of their own, spread over the seeded organisations (the most recent
 * seed), each signed in with a session written straight into the store.
 */
async function benchUsers(handle: DatabaseHandle, count: number, sessionIds: string[]): Promise<BenchUser[]> {
  const officers = await sql<{ id: string; organisation_id: string; organisation: string }>`
    with latest as (select organisation_id from users where email like '%@scale.oneroof.example' order by created_at desc limit 1),
    tag as (select substring(o.name from 'scale ([0-9a-f]+)') as tag from organisations o join latest on latest.organisation_id = o.id),
    ranked as (
      select u.id, u.organisation_id, o.name as organisation, row_number() over (partition by u.organisation_id order by u.email) as k
      from users u join organisations o on o.id = u.organisation_id, tag
      where o.name like '%(scale ' || tag.tag || ')' and u.role in ('case_worker', 'case_manager') and not u.disabled
        and exists (select 1 from cases where cases.lead_officer_id = u.id and cases.status <> 'closed'))
    select id, organisation_id, organisation from ranked order by k, organisation limit ${count}`.execute(handle.db);
  if (officers.rows.length === 0) throw new Error('No seeded officers found: run `npm run seed:scale` against DATABASE_URL first');
  const users: BenchUser[] = [];
  for (const officer of officers.rows) {
    const cases = await sql<{ id: string }>`select id from cases where lead_organisation_id = ${officer.organisation_id}
      order by (lead_officer_id = ${officer.id}) desc, opened_at desc limit 100`.execute(handle.db);
    const people = await sql<{ given_name: string; family_name: string }>`select people.given_name, people.family_name
      from case_people join cases on cases.id = case_people.case_id join people on people.id = case_people.person_id
      where cases.lead_organisation_id = ${officer.organisation_id} order by cases.opened_at desc limit 50`.execute(handle.db);
    users.push({
      cookie: await signedInCookie(handle, officer.id, sessionIds),
      organisation: officer.organisation,
      caseIds: cases.rows.map((row) => row.id),
      names: people.rows.flatMap((person) => typedNames(person.given_name, person.family_name)),
    });
  }
  return users;
}

/** How people type a name they heard: as it is, surname first, misspelt, or with a nickname. */
function typedNames(given: string, family: string): string[] {
  const nickname = alternativeGivenNames(given)[0];
  return [`${given} ${family}`, `${family}, ${given}`, `${given} ${misspelt(family)}`, ...(nickname ? [`${nickname} ${family}`] : [])];
}

/** Two letters inside the word swapped, or a doubled letter made single ("Thompson" → "Thmopson"). */
function misspelt(word: string): string {
  if (word.length < 4) return `${word}e`;
  const at = 1 + (word.length % (word.length - 2));
  return word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
}

async function signedInCookie(handle: DatabaseHandle, userId: string, sessionIds: string[]): Promise<string> {
  const sessionId = randomBytes(24).toString('base64url');
  sessionIds.push(sessionId);
  const idleMs = 60 * 60_000;
  const expires = new Date(Date.now() + idleMs);
  const data = { cookie: { originalMaxAge: idleMs, expires: expires.toISOString(), httpOnly: true, path: '/', sameSite: 'lax', secure: false }, userId, signedInAt: Date.now() };
  await handle.db.insertInto('sessions').values({ sid_hash: sha256Hex(sessionId), user_id: userId, data: JSON.stringify(data), expires_at: expires }).execute();
  return `oneroof=${encodeURIComponent(new Signer(SESSION_SECRET, 'sha256').sign(sessionId))}`;
}

type NextRequest = () => { path: string; headers: Record<string, string> };

async function warmUp(base: string, next: NextRequest): Promise<void> {
  for (let i = 0; i < 40; i += 1) {
    const request = next();
    const response = await fetch(`${base}${request.path}`, { headers: request.headers, redirect: 'manual' });
    if (response.status !== 200) throw new Error(`Warm-up request to ${request.path} answered ${response.status}`);
    await response.text();
  }
}

/**
 * `users` simulated people, each sending a request, waiting for the answer, then thinking for an
 * exponentially distributed while (mean 1/`rate` s), so that requests arrive spread out as real
 * use does, not in step.
 */
async function measurePaced(base: string, next: NextRequest, users: number, rate: number, seconds: number): Promise<Figures> {
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const think = () => new Promise((resolve) => setTimeout(resolve, (-Math.log(1 - Math.random()) / rate) * 1000));
  const person = async () => {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * (1000 / rate)));
    while (performance.now() < until) {
      const request = next();
      const sent = performance.now();
      try {
        const response = await fetch(`${base}${request.path}`, { headers: request.headers, redirect: 'manual' });
        await response.arrayBuffer();
        latencies.push(performance.now() - sent);
        if (response.status < 200 || response.status >= 300) non2xx += 1;
      } catch {
        errors += 1;
      }
      await think();
    }
  };
  await Promise.all(Array.from({ length: users }, person));
  return summary(latencies, latencies.length / ((performance.now() - started) / 1000), non2xx, errors);
}

function summary(latencies: number[], requestsPerSecond: number, non2xx: number, errors: number): Figures {
  latencies.sort((a, b) => a - b);
  const at = (fraction: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))] ?? 0);
  return {
    requests: latencies.length,
    requestsPerSecond: round(requestsPerSecond),
    latencyMs: { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(latencies[latencies.length - 1] ?? 0) },
    non2xx,
    errors,
  };
}

/** Every connection sends its next request as soon as the last is answered (autocannon). */
function measure(base: string, next: NextRequest, connections: number, seconds: number): Promise<Figures> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections,
        duration: seconds,
        requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, ...next() }) }],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({ ...summary(latencies, result.requests.average, result.non2xx, result.errors), requests: result.requests.total });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  });
}

async function startServer(databaseUrl: string, port: number): Promise<ChildProcess> {
  const node = existsSync('node_modules/.bin/node') ? path.resolve('node_modules/.bin/node') : process.execPath;
  const child = spawn(node, ['server/index.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'oneroof-bench-')),
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: `http://127.0.0.1:${port}`,
      SESSION_SECRET,
      ENCRYPTION_KEY,
      LOG_LEVEL: 'warn',
      SEED_DEMO_DATA: 'false',
    },
    // The app's own output goes to stderr, so that stdout holds only the figures (JSON).
    stdio: ['ignore', 2, 2],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('The app did not start');
    const healthy = await fetch(`http://127.0.0.1:${port}/health`).then((response) => response.ok, () => false);
    if (healthy) return child;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function valueOf(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
