import os from 'node:os';
import { sql } from 'kysely';
import { AuditTrail } from '../server/modules/audit/auditTrail.ts';
import { CasesService } from '../server/modules/cases/casesService.ts';
import { PeopleService } from '../server/modules/people/peopleService.ts';
import { ReferralsService } from '../server/modules/referrals/referralsService.ts';
import { type BenchDatabase, createBenchDatabase } from './benchDatabase.ts';
import { measurePaced, measureSaturated, randomPort, round, signedInCookie, startServer, stopServer, valueOf, warmUp } from './benchSupport.ts';

/**
 * `npm run bench -- referrals [--referrals N] [--users N] [--seconds N]`: N open referrals (default
 * 100,000) spread over 20 receiving organisations in a database of its own, then
 *  1. the deadline scan over all of them: the first run escalates everything already late
 *     (the worst case, e.g. after the scheduler was down), then a second run a minute later
 *     (the steady state, nothing new to send);
 *  2. the inbox page of 20 different case managers at once (one connection each), against one
 *     app process on real PostgreSQL: saturated (each sends its next request as soon as the last
 *     returns) and paced (`--rate`, default 2 requests a second each, like people clicking).
 */
export async function runReferralsBenchmark(args: string[]): Promise<Record<string, unknown>> {
  const count = Number(valueOf(args, '--referrals') ?? 100_000);
  const users = Number(valueOf(args, '--users') ?? 20);
  const seconds = Number(valueOf(args, '--seconds') ?? 20);
  // Requests a second per user; without it each user sends the next request as soon as the last returns.
  const rate = valueOf(args, '--rate') ? Number(valueOf(args, '--rate')) : undefined;
  const database = await createBenchDatabase();
  try {
    const generateStarted = performance.now();
    const { managers } = await generate(database, count);
    const generateMs = performance.now() - generateStarted;
    const now = new Date();
    const audit = new AuditTrail(database.handle.db);
    const referrals = new ReferralsService(database.handle.db, audit, new CasesService(database.handle.db, audit, new PeopleService(database.handle.db, audit)));
    const due = await sql<{ acknowledge_late: string; decide_late: string }>`
      select count(*) filter (where acknowledge_due_at <= ${now}) as acknowledge_late, count(*) filter (where decide_due_at <= ${now}) as decide_late
      from referrals where status = 'received'`.execute(database.handle.db);

    const firstStarted = performance.now();
    const first = await referrals.scanDeadlines(now);
    const firstMs = performance.now() - firstStarted;
    const secondStarted = performance.now();
    const second = await referrals.scanDeadlines(new Date(now.getTime() + 60_000));
    const secondMs = performance.now() - secondStarted;
    const notifications = await sql<{ n: string }>`select count(*) as n from notifications`.execute(database.handle.db);
    const emails = await sql<{ n: string }>`select count(*) as n from email_outbox`.execute(database.handle.db);

    // After that many updates autovacuum would soon run; doing it now makes the page measured
    // the steady state (index-only counts) rather than the minute after a backlog was escalated.
    await sql`vacuum (analyze) referrals`.execute(database.handle.db);
    const port = randomPort();
    // The scan was measured above; here only the page is.
    const server = await startServer(database.url, port, { env: { REFERRAL_SCHEDULER: 'off' } });
    try {
      const cookies = await Promise.all(managers.slice(0, users).map(async (userId) => (await signedInCookie(database.handle.db, userId)).cookie));
      const base = `http://127.0.0.1:${port}`;
      let turn = 0;
      const inboxOfNextManager = () => ({ path: '/referrals/inbox', headers: { cookie: cookies[turn++ % cookies.length]! } });
      await warmUp(base, inboxOfNextManager, cookies.length * 5);
      const sample = await fetch(`${base}/referrals/inbox`, { headers: inboxOfNextManager().headers }).then((response) => response.text());
      if (!sample.includes('REF-BENCH-')) throw new Error('The inbox shows none of the generated referrals');
      const inbox = await measureSaturated(base, inboxOfNextManager, cookies.length, seconds);
      const pacedRate = rate ?? 2;
      const paced = await measurePaced(base, inboxOfNextManager, cookies.length, pacedRate, seconds);
      return {
        benchmark: 'referrals',
        database: 'postgres',
        node: process.version,
        cpus: os.cpus().length,
        loadAverageAtEnd: os.loadavg().map(round),
        openReferrals: count,
        generateSeconds: round(generateMs / 1000),
        lateAtScan: { acknowledge: Number(due.rows[0]!.acknowledge_late), decide: Number(due.rows[0]!.decide_late) },
        firstScan: { ms: round(firstMs), ...first },
        steadyScan: { ms: round(secondMs), ...second },
        rowsAfterScans: { notifications: Number(notifications.rows[0]!.n), emails: Number(emails.rows[0]!.n) },
        inboxPage: { concurrentUsers: cookies.length, durationSeconds: seconds, referralsPerOrganisation: Math.round(count / 20), saturated: inbox, paced: { requestsPerSecondPerUser: pacedRate, ...paced } },
      };
    } finally {
      await stopServer(server);
    }
  } finally {
    await database.drop();
  }
}

/**
 * 20 receiving organisations (two case managers and two case workers each), 20 referring ones,
 * and `count` referrals still waiting for an answer, sent over the last ten days with a mix of
 * urgencies, so that at scan time some are late, some due for a reminder and most still in time.
 */
export async function generate(database: BenchDatabase, count: number): Promise<{ managers: string[] }> {
  const db = database.handle.db;
  await sql`insert into organisations (name, type) select 'Receiver ' || i, 'nhs_trust' from generate_series(1, 20) i`.execute(db);
  await sql`insert into organisations (name, type) select 'Referrer ' || i, 'police' from generate_series(1, 20) i`.execute(db);
  await sql`
    insert into users (organisation_id, email, name, role, mfa_enabled_at)
    select o.id, lower(replace(o.name, ' ', '')) || '-' || r.role || '-' || n || '@bench.example', o.name || ' ' || r.role || ' ' || n, r.role, now()
    from organisations o, (values ('case_manager'), ('case_worker')) r(role), generate_series(1, 2) n
    where o.name like 'Receiver %'`.execute(db);
  await sql`
    insert into people (given_name, family_name, created_by_organisation_id)
    select 'Person', 'Bench' || i, (select id from organisations where name = 'Referrer ' || (1 + i % 20))
    from generate_series(1, 5000) i`.execute(db);
  // Ages spread over ten days; deadlines as the urgency would set them (elapsed time, for speed).
  await sql`
    with receivers as (select id, row_number() over (order by name) - 1 as n from organisations where name like 'Receiver %'),
         senders as (select id, row_number() over (order by name) - 1 as n from organisations where name like 'Referrer %'),
         people_numbered as (select id, row_number() over (order by family_name) - 1 as n from people),
         spec as (
           select i, now() - (i % 14400) * interval '1 minute' as sent_at,
             (array['immediate', 'hours_24', 'working_days_5', 'routine'])[1 + i % 4] as urgency,
             (array[interval '1 hour', interval '2 hours', interval '1 day', interval '2 days'])[1 + i % 4] as acknowledge_within,
             (array[interval '4 hours', interval '1 day', interval '7 days', interval '14 days'])[1 + i % 4] as decide_within
           from generate_series(1, ${count}) i)
    insert into referrals (reference, person_id, from_organisation_id, to_organisation_id, urgency, reason, requested,
      information_shared, lawful_basis, consent, status, acknowledge_due_at, decide_due_at, created_at, updated_at)
    select 'REF-BENCH-' || lpad(spec.i::text, 7, '0'), p.id, s.id, r.id, spec.urgency, 'Benchmark referral', 'Assessment',
      'Generated for the benchmark', 'public_task', 'given', 'received',
      spec.sent_at + spec.acknowledge_within, spec.sent_at + spec.decide_within, spec.sent_at, spec.sent_at
    from spec
    join receivers r on r.n = spec.i % 20
    join senders s on s.n = (spec.i / 20) % 20
    join people_numbered p on p.n = spec.i % 5000`.execute(db);
  await sql`analyze`.execute(db);
  const managers = await db
    .selectFrom('users')
    .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select('users.id')
    .where('users.role', '=', 'case_manager')
    .where('organisations.name', 'like', 'Receiver %')
    .orderBy('users.email')
    .execute();
  // One manager per organisation first, so 20 users are spread across the 20 inboxes.
  const ordered = [...managers.filter((_, index) => index % 2 === 0), ...managers.filter((_, index) => index % 2 === 1)];
  return { managers: ordered.map((row) => row.id) };
}

