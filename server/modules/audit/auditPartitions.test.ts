import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { postgresUrlForTests, withDatabaseName } from '../../../test/support/postgresUrl.ts';
import { availableBackends, createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.ts';
import { type DatabaseHandle, type DatabaseKind, newPglite, openPglite, openPostgres } from '../../db/database.ts';
import { migrate, migrationsDirectory } from '../../db/migrate.ts';
import type { Database } from '../../db/schema.ts';
import { ensureAuditPartitions } from './auditPartitions.ts';
import { AuditTrail } from './auditTrail.ts';
import { verifyAuditChain } from './auditVerifier.ts';

const PARTITION = /audit_events_(?:y\d{4}m\d{2}|default)/g;

/** The first instant of the UTC month `offset` months from `date`. */
function monthStart(date: Date, offset = 0): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
}

function partitionName(date: Date): string {
  return `audit_events_y${date.getUTCFullYear()}m${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Puts an event with a chosen `occurred_at` in the inbox, as a request would; the chainer then chains it. */
async function inboxEvent(db: Kysely<Database>, occurredAt: Date, recordId: string): Promise<void> {
  await db
    .insertInto('audit_inbox')
    .values({ occurred_at: occurredAt.toISOString(), actor_user_id: null, actor_label: 'partition-test', organisation_id: null, action: 'USER_VIEWED', record_type: 'user', record_id: recordId, ip: null, request_id: null, reason: null, details: '{}', break_glass: false })
    .execute();
}

async function partitionOf(db: Kysely<Database>, recordId: string): Promise<string> {
  const row = await sql<{ part: string }>`select tableoid::regclass::text as part from audit_events where record_id = ${recordId}`.execute(db);
  expect(row.rows).toHaveLength(1);
  return row.rows[0]!.part;
}

async function partitions(db: Kysely<Database>): Promise<Map<string, string>> {
  const rows = await sql<{ name: string; bound: string }>`
    select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
    from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'audit_events'::regclass`.execute(db);
  return new Map(rows.rows.map((row) => [row.name, row.bound]));
}

async function scannedPartitions(db: Kysely<Database>, where: string): Promise<string[]> {
  const plan = await sql.raw<{ 'QUERY PLAN': string }>(`explain select * from audit_events ${where}`).execute(db);
  const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
  return [...new Set(text.match(PARTITION) ?? [])].sort();
}

describe.each(availableBackends())('audit_events partitioned by month on %s', (kind) => {
  let database: TestDatabase;
  let trail: AuditTrail;
  const now = new Date();

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    trail = new AuditTrail(database.db);
  });
  afterAll(async () => database.drop());

  it('starts, on an empty database, with this month, the next three and a default partition', async () => {
    const names = await partitions(database.db);
    expect(names.get('audit_events_default')).toBe('DEFAULT');
    for (let offset = 0; offset <= 3; offset += 1) expect(names.has(partitionName(monthStart(now, offset)))).toBe(true);
    expect(names.get(partitionName(monthStart(now)))).toBe(`FOR VALUES FROM ('${monthStart(now).toISOString().slice(0, 10)} 00:00:00+00') TO ('${monthStart(now, 1).toISOString().slice(0, 10)} 00:00:00+00')`);
    expect(await sql`select 1 from pg_class where relname = 'audit_events_unpartitioned'`.execute(database.db).then((r) => r.rows)).toEqual([]);
  });

  it('puts each chained event in the partition of its UTC month and verifies the chain across months', async () => {
    const threeMonthsAgo = monthStart(now, -3);
    const twoMonthsAgo = monthStart(now, -2);
    await sql`select audit_events_create_month_partition(${threeMonthsAgo.toISOString().slice(0, 10)}::date)`.execute(database.db);
    await sql`select audit_events_create_month_partition(${twoMonthsAgo.toISOString().slice(0, 10)}::date)`.execute(database.db);
    // The last moment of one month and the first of the next (bounds are UTC, lower inclusive).
    await inboxEvent(database.db, new Date(twoMonthsAgo.getTime() - 1), 'end-of-month');
    await inboxEvent(database.db, twoMonthsAgo, 'start-of-month');
    await inboxEvent(database.db, new Date(monthStart(now, -1).getTime() + 86_400_000), 'last-month');
    await inboxEvent(database.db, now, 'this-month');
    expect(await trail.chainPending()).toBe(4);

    expect(await partitionOf(database.db, 'end-of-month')).toBe(partitionName(threeMonthsAgo));
    expect(await partitionOf(database.db, 'start-of-month')).toBe(partitionName(twoMonthsAgo));
    // No partition was made for last month: the default partition catches it rather than refusing it.
    expect(await partitionOf(database.db, 'last-month')).toBe('audit_events_default');
    expect(await partitionOf(database.db, 'this-month')).toBe(partitionName(now));
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 4, lastSeq: '4' });
  });

  it('reads only the one partition a query bounded to a month can touch', async () => {
    const from = monthStart(now, -2).toISOString();
    const to = monthStart(now, -1).toISOString();
    expect(await scannedPartitions(database.db, `where occurred_at >= '${from}' and occurred_at < '${to}'`)).toEqual([partitionName(monthStart(now, -2))]);
    // Without the bound every partition is read: the assertion above can fail.
    expect((await scannedPartitions(database.db, `where record_id = 'this-month'`)).length).toBeGreaterThan(5);
  });

  it('refuses UPDATE, DELETE and TRUNCATE through the parent, a month partition and the default partition', async () => {
    const month = partitionName(now);
    for (const table of ['audit_events', month, 'audit_events_default']) {
      await expect(sql.raw(`update ${table} set actor_label = 'someone else'`).execute(database.db)).rejects.toThrow(/append-only: UPDATE refused/);
      await expect(sql.raw(`delete from ${table}`).execute(database.db)).rejects.toThrow(/append-only: DELETE refused/);
      await expect(sql.raw(`truncate ${table}`).execute(database.db)).rejects.toThrow(/append-only: TRUNCATE refused/);
    }
    // An UPDATE that would move a row to another month's partition is refused just the same.
    await expect(sql`update audit_events set occurred_at = occurred_at - interval '1 month' where record_id = 'this-month'`.execute(database.db)).rejects.toThrow(/append-only: UPDATE refused/);
    // Retention's flag alone, with no anchor at or after the row, does not open the door.
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`select set_config('oneroof.audit_retention', 'on', true)`.execute(trx);
        await sql`delete from audit_events where seq = 1`.execute(trx);
      }),
    ).rejects.toThrow(/append-only: DELETE refused/);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 4 });
  });

  it('creates missing months idempotently and moves events the default partition caught into them', async () => {
    const farMonth = monthStart(now, 5);
    await inboxEvent(database.db, new Date(farMonth.getTime() + 3_600_000), 'far-future');
    await trail.chainPending();
    expect(await partitionOf(database.db, 'far-future')).toBe('audit_events_default');
    expect(await ensureAuditPartitions(database.db, 3)).toBe(0);

    expect(await ensureAuditPartitions(database.db, 6)).toBe(3);
    expect(await partitionOf(database.db, 'far-future')).toBe(partitionName(farMonth));
    expect(await partitionOf(database.db, 'last-month')).toBe('audit_events_default');
    expect(await ensureAuditPartitions(database.db, 6)).toBe(0);

    const names = await partitions(database.db);
    expect(names.get('audit_events_default')).toBe('DEFAULT');
    expect(names.has(partitionName(monthStart(now, 6)))).toBe(true);
    // The default partition is back with its triggers, and the new month has them too.
    await expect(sql`delete from audit_events_default`.execute(database.db)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(sql.raw(`truncate ${partitionName(farMonth)}`).execute(database.db)).rejects.toThrow(/append-only: TRUNCATE refused/);
    await expect(sql.raw(`delete from ${partitionName(farMonth)}`).execute(database.db)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(ensureAuditPartitions(database.db, -1)).rejects.toThrow(/must not be negative/);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 5, lastSeq: '5' });
  });

  it('lets retention delete the oldest months at or before an anchor, through the parent', async () => {
    const last = await database.db.selectFrom('audit_events').select(['seq', 'hash', 'occurred_at']).where('seq', '=', '2').executeTakeFirstOrThrow();
    const removeThrough = (seq: string) =>
      database.db.transaction().execute(async (trx) => {
        await trx.insertInto('audit_chain_anchors').values({ seq: last.seq, hash: last.hash, removed_count: 2, removed_through: last.occurred_at }).execute();
        await sql`select set_config('oneroof.audit_retention', 'on', true)`.execute(trx);
        return Number((await trx.deleteFrom('audit_events').where('seq', '<=', seq).executeTakeFirst()).numDeletedRows);
      });
    // Seq 3 is after the anchor: refused, and the whole transaction (anchor too) rolls back.
    await expect(removeThrough('3')).rejects.toThrow(/append-only: DELETE refused/);
    expect(await database.db.selectFrom('audit_chain_anchors').select('seq').execute()).toEqual([]);
    // Seqs 1 and 2 lie in two different month partitions.
    const removed = await removeThrough('2');
    expect(removed).toBe(2);
    const left = await database.db.selectFrom('audit_events').select('seq').orderBy('seq').execute();
    expect(left.map((row) => row.seq)).toEqual(['3', '4', '5']);
  });
});

/** A database migrated only up to 0021, to run 0022 over existing events. */
async function databaseBefore0022(kind: DatabaseKind): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const handle = await openPglite(newPglite(), 'memory');
    return { handle, drop: () => handle.close() };
  }
  const serverUrl = await postgresUrlForTests();
  if (!serverUrl) throw new Error('No PostgreSQL server for this test run');
  const name = `oneroof_t_${inject('runId')}_${process.pid}_p22_${randomBytes(2).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const handle = openPostgres(withDatabaseName(serverUrl, name), { poolSize: 3 });
  return {
    handle,
    drop: async () => {
      await handle.close();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

describe.each(availableBackends())('migration 0022 over existing audit events on %s', (kind) => {
  let target: { handle: DatabaseHandle; drop: () => Promise<void> };
  let directory: string;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'oneroof-before-0022-'));
    for (const file of readdirSync(migrationsDirectory)) if (file < '0022') cpSync(path.join(migrationsDirectory, file), path.join(directory, file));
    target = await databaseBefore0022(kind);
    await migrate(target.handle.db, directory);
  }, 120_000);
  afterAll(async () => {
    await target.drop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('moves every event into its month, keeps the chain intact and carries on appending', async () => {
    const { db } = target.handle;
    expect((await partitions(db)).size).toBe(0);
    const old = [new Date('2025-12-31T23:59:59.999Z'), new Date('2026-01-01T00:00:00.000Z'), new Date('2026-06-30T23:30:00.000Z'), new Date()];
    for (const [index, occurredAt] of old.entries()) await inboxEvent(db, occurredAt, `old-${index}`);
    const trail = new AuditTrail(db);
    expect(await trail.chainPending()).toBe(4);
    const before = await verifyAuditChain(db);
    expect(before).toMatchObject({ ok: true, checked: 4 });

    // 0022 first; later migrations come after it.
    expect((await migrate(db)).applied[0]).toBe('0022_audit_events_partitioned_by_month.sql');

    expect(await partitionOf(db, 'old-0')).toBe('audit_events_y2025m12');
    expect(await partitionOf(db, 'old-1')).toBe('audit_events_y2026m01');
    // 00:30 on 1 July in London is still June in UTC, and months are UTC months.
    expect(await partitionOf(db, 'old-2')).toBe('audit_events_y2026m06');
    expect(await partitionOf(db, 'old-3')).toBe(partitionName(new Date()));
    const names = await partitions(db);
    for (let offset = 0; offset <= 3; offset += 1) expect(names.has(partitionName(monthStart(new Date(), offset)))).toBe(true);
    expect(names.get('audit_events_default')).toBe('DEFAULT');
    expect(await verifyAuditChain(db)).toEqual(before);
    await expect(sql`update audit_events set actor_label = 'x' where seq = 1`.execute(db)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(sql`truncate audit_events_y2025m12`.execute(db)).rejects.toThrow(/append-only: TRUNCATE refused/);

    await inboxEvent(db, new Date(), 'after-migration');
    expect(await trail.chainPending()).toBe(1);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 5, lastSeq: '5' });
  });

  it('accepts a repeated seq in another month, as the key allows, and audit:verify reports it', async () => {
    const { db } = target.handle;
    await sql`insert into audit_events (seq, occurred_at, actor_label, action, details, break_glass, prev_hash, hash)
      select seq, occurred_at - interval '2 months', actor_label, action, details, break_glass, prev_hash, hash from audit_events where seq = 3`.execute(db);
    expect(await db.selectFrom('audit_events').select('seq').where('seq', '=', '3').execute()).toHaveLength(2);
    const result = await verifyAuditChain(db);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ ok: false, firstBrokenSeq: expect.stringMatching(/^[34]$/) });
  });
});
