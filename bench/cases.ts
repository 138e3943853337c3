import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { sql } from 'kysely';
import { type DatabaseHandle, openPostgres } from '../server/db/database.ts';
import { migrate } from '../server/db/migrate.ts';
import { alternativeGivenNames } from '../server/modules/search/nicknames.ts';
import { sha256Hex } from '../server/shared/crypto.ts';
import { type Figures, measurePaced, measureSaturated, randomPort, round, signedInCookie, startServer, stopServer, valueOf, warmUp } from './benchSupport.ts';

/** One signed-in officer of the seeded partnership, with what they would open and look for. */
interface BenchUser {
  cookie: string;
  organisation: string;
  caseIds: string[];
  names: string[];
}


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
    const port = randomPort();
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
      await warmUp(base, next, 40);
      paced[name] = await measurePaced(base, next, users.length, rate, seconds);
      saturated[name] = await measureSaturated(base, next, connections, seconds);
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
export async function benchUsers(handle: DatabaseHandle, count: number, sessionIds: string[]): Promise<BenchUser[]> {
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
      cookie: await signedInCookieFor(handle, officer.id, sessionIds),
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

async function signedInCookieFor(handle: DatabaseHandle, userId: string, sessionIds: string[]): Promise<string> {
  const { cookie, sessionId } = await signedInCookie(handle.db, userId);
  sessionIds.push(sessionId);
  return cookie;
}
