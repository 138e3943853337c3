import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { seedScale } from '../server/db/seeds/scaleSeed.ts';
import { generateApiKey } from '../server/modules/apiKeys/apiKeyFormat.ts';
import { hashPassword } from '../server/modules/auth/passwords.ts';
import { createBenchDatabase } from './benchDatabase.ts';
import { type Figures, randomPort, round, startServer, stopServer, summary, valueOf } from './benchSupport.ts';
import { autovacuumStandIn } from './autovacuumStandIn.ts';
import { benchUsers } from './cases.ts';

const SIGN_IN_PASSWORD = 'load-bench-Correct-Horse-7';

/** One thing a person does: one or more requests, each timed; `expect` says which answers are right. */
interface Action {
  name: string;
  weight: number;
  run: (base: string, user: LoadUser, time: Timer) => Promise<void>;
}

/** Sends a request, reads the whole answer, and records how long both took and whether the status was right. */
type Timer = (request: () => Promise<Response>, expect: (status: number) => boolean) => Promise<{ response: Response; body: string }>;

interface LoadUser {
  cookie: string;
  caseIds: string[];
  names: string[];
}

const ok = (status: number) => status === 200;
const redirected = (status: number) => status === 302 || status === 303;

/**
 * `npm run bench -- load [--seconds 300] [--warmup 20] [--window 60] [--users 200] [--rate 0.5] [--processes 2] [--people 50000] [--cases 10000] [--data ../shared/data]`:
 * a working day's mix against `--processes` app processes sharing one PostgreSQL database (each
 * request goes to the next process in turn, as a load balancer would). `--users` signed-in people
 * each do something, wait for the answer, then think for an exponentially distributed while
 * (mean 1/`--rate` s): open a case, their case list, find a person, the referral inbox, the home
 * page, sign in (the password step, with its Argon2 check), or an agency system pushes incidents
 * through the API. Reports throughput, p50/p95/p99 per action and overall, and every error.
 * The first `--warmup` seconds (default 20) run the same load but are reported apart: freshly
 * started processes open their connection pools and compile their templates then, which is a
 * once-per-deployment cost, not the service's steady state. `--window` seconds (default 60) split
 * the measured part into windows, so a stall or a drift shows.
 */
export async function runLoadBenchmark(args: string[]): Promise<unknown> {
  const seconds = Number(valueOf(args, '--seconds') ?? 300);
  const warmupSeconds = Number(valueOf(args, '--warmup') ?? 20);
  const userCount = Number(valueOf(args, '--users') ?? 200);
  const rate = Number(valueOf(args, '--rate') ?? 0.5);
  const processes = Number(valueOf(args, '--processes') ?? 2);
  const peopleCount = Number(valueOf(args, '--people') ?? 50_000);
  const caseCount = Number(valueOf(args, '--cases') ?? 10_000);
  const dataDirectory = valueOf(args, '--data');
  const database = await createBenchDatabase();
  const servers: ChildProcess[] = [];
  try {
    const seeded = await seedScale(database.handle.db, { people: peopleCount, cases: caseCount, ...(dataDirectory ? { dataDirectory } : {}) });
    const db = database.handle.db;
    const users = await benchUsers(database.handle, Math.min(userCount, 60), []);
    const signInEmail = `load-sign-in-${seeded.tag}@scale.oneroof.example`;
    const organisationId = (await db.selectFrom('users').select('organisation_id').where('email', 'like', '%@scale.oneroof.example').limit(1).executeTakeFirstOrThrow()).organisation_id;
    await db.insertInto('users').values({ email: signInEmail, name: 'Load Bench', role: 'analyst', organisation_id: organisationId, password_hash: await hashPassword(SIGN_IN_PASSWORD) }).execute();
    const key = generateApiKey();
    await db.insertInto('api_keys').values({ organisation_id: organisationId, name: 'Load bench', key_prefix: key.prefix, secret_hash: key.secretHash, permissions: ['incident:write'] }).execute();

    const ports = Array.from({ length: processes }, () => randomPort());
    for (const port of ports) servers.push(await startServer(database.url, port, { env: { API_RATE_LIMIT_PER_MINUTE: '1000000' } }));
    const bases = ports.map((port) => `http://127.0.0.1:${port}`);
    const vacuuming = await autovacuumStandIn(db);

    const pick = <T>(values: readonly T[]) => values[Math.floor(Math.random() * values.length)]!;
    let pushed = 0;
    const actions: Action[] = [
      { name: 'casePage', weight: 30, run: async (base, user, time) => void (await time(() => fetch(`${base}/cases/${pick(user.caseIds)}`, { headers: { cookie: user.cookie }, redirect: 'manual' }), ok)) },
      { name: 'myCases', weight: 15, run: async (base, user, time) => void (await time(() => fetch(`${base}/cases?view=mine`, { headers: { cookie: user.cookie }, redirect: 'manual' }), ok)) },
      { name: 'personSearch', weight: 15, run: async (base, user, time) => void (await time(() => fetch(`${base}/people?name=${encodeURIComponent(pick(user.names))}`, { headers: { cookie: user.cookie }, redirect: 'manual' }), ok)) },
      { name: 'referralInbox', weight: 10, run: async (base, user, time) => void (await time(() => fetch(`${base}/referrals/inbox`, { headers: { cookie: user.cookie }, redirect: 'manual' }), ok)) },
      { name: 'home', weight: 10, run: async (base, user, time) => void (await time(() => fetch(`${base}/`, { headers: { cookie: user.cookie }, redirect: 'manual' }), ok)) },
      {
        name: 'apiIncidents',
        weight: 10,
        run: async (base, _user, time) => {
          pushed += 1;
          const reference = `LOAD-${process.pid}-${pushed}`;
          const body = { incidents: [{ reference, occurredAt: new Date().toISOString(), category: 'noise', summary: 'Loud music late at night', postcode: 'NE6 1AA' }] };
          await time(
            () => fetch(`${base}/api/v1/incidents`, { method: 'POST', headers: { authorization: `Bearer ${key.fullKey}`, 'content-type': 'application/json', 'idempotency-key': reference }, body: JSON.stringify(body) }),
            (status) => status === 201,
          );
        },
      },
      {
        name: 'signIn',
        weight: 5,
        run: async (base, _user, time) => {
          const page = await time(() => fetch(`${base}/sign-in`, { redirect: 'manual' }), ok);
          const cookie = (page.response.headers.getSetCookie()[0] ?? '').split(';')[0]!;
          const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
          const form = new URLSearchParams({ _csrf: token, email: signInEmail, password: SIGN_IN_PASSWORD });
          await time(() => fetch(`${base}/sign-in`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form, redirect: 'manual' }), redirected);
        },
      },
    ];
    const totalWeight = actions.reduce((sum, action) => sum + action.weight, 0);
    const chooseAction = () => {
      let roll = Math.random() * totalWeight;
      for (const action of actions) if ((roll -= action.weight) < 0) return action;
      return actions[0]!;
    };

    const latencies = new Map<string, number[]>(actions.map((action) => [action.name, []]));
    const all: number[] = [];
    // (seconds since the start, latency) of every request, for the figures window by window.
    const timeline: [number, number][] = [];
    const unexpected = new Map<string, number>();
    let networkErrors = 0;
    let warmupErrors = 0;
    let next = 0;
    const warmupEnds = performance.now() + warmupSeconds * 1000;
    const warmup: number[] = [];
    const until = warmupEnds + seconds * 1000;
    const person = async (user: LoadUser, actionName: () => Action) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * (1000 / rate)));
      while (performance.now() < until) {
        const action = actionName();
        const base = bases[next++ % bases.length]!;
        try {
          await action.run(base, user, async (request, expect) => {
            const sent = performance.now();
            const response = await request();
            const body = await response.text();
            const elapsed = performance.now() - sent;
            if (sent < warmupEnds) {
              warmup.push(elapsed);
              if (!expect(response.status)) warmupErrors += 1;
              return { response, body };
            }
            latencies.get(action.name)!.push(elapsed);
            all.push(elapsed);
            timeline.push([(sent - warmupEnds) / 1000, elapsed]);
            if (!expect(response.status)) {
              const keyOf = `${action.name} ${response.status}`;
              unexpected.set(keyOf, (unexpected.get(keyOf) ?? 0) + 1);
            }
            return { response, body };
          });
        } catch {
          if (performance.now() < warmupEnds) warmupErrors += 1;
          else networkErrors += 1;
        }
        await new Promise((resolve) => setTimeout(resolve, (-Math.log(1 - Math.random()) / rate) * 1000));
      }
    };
    await Promise.all(Array.from({ length: userCount }, (_, index) => person(users[index % users.length]!, chooseAction)));
    const elapsed = (performance.now() - warmupEnds) / 1000;
    const standInVacuums = await vacuuming?.stop();
    const errors = networkErrors + [...unexpected.values()].reduce((sum, count) => sum + count, 0);
    const perAction: Record<string, Figures> = {};
    for (const [name, values] of latencies) perAction[name] = summary(values, values.length / elapsed, 0, 0);
    return {
      benchmark: 'load',
      database: 'postgres',
      appProcesses: processes,
      dataset: seeded.counts,
      concurrentUsers: userCount,
      distinctSignedInOfficers: users.length,
      thinkTimeMeanSeconds: round(1 / rate),
      warmup: { seconds: warmupSeconds, ...summary(warmup, warmup.length / Math.max(warmupSeconds, 1), 0, warmupErrors) },
      durationSeconds: round(elapsed),
      overall: summary(all, all.length / elapsed, 0, errors),
      errors: { total: errors, networkErrors, unexpectedStatuses: Object.fromEntries(unexpected) },
      perAction,
      byMinute: byWindow(timeline, Number(valueOf(args, "--window") ?? 60)),
      incidentsPushed: pushed,
      // Vacuums the benchmark ran itself because the server's autovacuum is off (bench/autovacuumStandIn.ts).
      autovacuum: vacuuming ? { server: 'off', standInVacuums } : { server: 'on' },
      target: { p95Ms: 100, errors: 0 },
      node: process.version,
      cpus: os.cpus().length,
      loadAverageAtEnd: os.loadavg().map(round),
    };
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const server of servers) await stopServer(server);
    await database.drop();
  }
}

/** Request count, p95 and p99 for each window of `windowSeconds`, to tell a warm-up or a stall from the steady state. */
function byWindow(timeline: [number, number][], windowSeconds: number): { fromSecond: number; requests: number; p95: number; p99: number }[] {
  const windows = new Map<number, number[]>();
  for (const [second, latency] of timeline) {
    const from = Math.floor(second / windowSeconds) * windowSeconds;
    const latencies = windows.get(from) ?? [];
    latencies.push(latency);
    windows.set(from, latencies);
  }
  return [...windows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([fromSecond, latencies]) => {
      const figures = summary(latencies, 0, 0, 0);
      return { fromSecond, requests: figures.requests, p95: figures.latencyMs.p95, p99: figures.latencyMs.p99 };
    });
}
