import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends, createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.ts';
import { type Actor, systemActor } from '../../shared/actor.ts';
import { AuditTrail } from './auditTrail.ts';
import { verifyAuditChain } from './auditVerifier.ts';

const actor: Actor = { ...systemActor('chain-test'), ip: '192.0.2.1', requestId: 'chain' };

describe.each(availableBackends())('audit hash chain on %s', (kind) => {
  let database: TestDatabase;
  let trail: AuditTrail;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    trail = new AuditTrail(database.db);
  });
  afterAll(async () => database.drop());

  /** What a database superuser could do: switch the append-only triggers off around a change. */
  async function asSuperuserWithoutTriggers(change: string): Promise<void> {
    await sql`alter table audit_events disable trigger user`.execute(database.db);
    try {
      await sql.raw(change).execute(database.db);
    } finally {
      await sql`alter table audit_events enable trigger user`.execute(database.db);
    }
  }

  it('verifies a long chain written in single events and batches', async () => {
    for (let index = 0; index < 30; index += 1) {
      await trail.record(actor, { action: 'USER_VIEWED', recordType: 'user', recordId: `user-${index}`, details: { index, nested: { b: 2, a: [1, 'x'] } } });
    }
    await trail.run(actor, async (_trx, audit) => {
      for (let index = 0; index < 10; index += 1) audit({ action: 'USER_UPDATED', recordType: 'user', recordId: `batch-${index}`, breakGlass: index === 3, reason: 'testing' });
    });
    const result = await verifyAuditChain(database.db);
    expect(result).toMatchObject({ ok: true, checked: 40, lastSeq: '40' });
  });

  it('keeps every appended row as it was: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(sql`update audit_events set actor_label = 'someone else' where seq = 2`.execute(database.db)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(sql`delete from audit_events where seq = 2`.execute(database.db)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(sql`truncate audit_events`.execute(database.db)).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('appends from parallel transactions without forking the chain', async () => {
    const before = await verifyAuditChain(database.db);
    await Promise.all(
      Array.from({ length: 20 }, (_, index) => trail.record({ ...actor, requestId: `parallel-${index}` }, { action: 'SIGN_IN_SUCCEEDED', details: { index } })),
    );
    const result = await verifyAuditChain(database.db);
    expect(result).toMatchObject({ ok: true, checked: before.checked + 20 });
    const seqs = (await database.db.selectFrom('audit_events').select('seq').orderBy('seq').execute()).map((row) => Number(row.seq));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
    const parallel = await database.db.selectFrom('audit_events').select('request_id').where('request_id', 'like', 'parallel-%').execute();
    expect(new Set(parallel.map((row) => row.request_id)).size).toBe(20);
  });

  it('chains from two trails at once, as two app processes would, without forking; a rolled-back unit of work leaves no event', async () => {
    const other = new AuditTrail(database.db);
    const before = await verifyAuditChain(database.db);
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        (index % 2 === 0 ? trail : other).run({ ...actor, requestId: `two-${index}` }, async (_trx, audit) => {
          audit({ action: 'CASE_VIEWED', recordType: 'case', recordId: `case-${index}` });
          audit({ action: 'PERSON_VIEWED', recordType: 'person', recordId: `person-${index}` });
        }),
      ),
    );
    await expect(
      trail.run(actor, async (_trx, audit) => {
        audit({ action: 'CASE_VIEWED', recordType: 'case', recordId: 'rolled-back' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await Promise.all([trail.settled(), other.settled()]);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: before.checked + 80 });
    expect(await database.db.selectFrom('audit_events').select('seq').where('record_id', '=', 'rolled-back').execute()).toEqual([]);
    expect(await database.db.selectFrom('audit_inbox').select('id').execute()).toEqual([]);
    // A unit of work's events keep the order it recorded them in (other units' may come between).
    const rows = await database.db.selectFrom('audit_events').select(['seq', 'request_id', 'action']).where('request_id', 'like', 'two-%').orderBy('seq').execute();
    expect(rows).toHaveLength(80);
    for (let index = 0; index < 40; index += 1) {
      const unit = rows.filter((row) => row.request_id === `two-${index}`);
      expect(unit.map((row) => row.action)).toEqual(['CASE_VIEWED', 'PERSON_VIEWED']);
    }
  });

  it('keeps events committed but not yet chained until a chainer takes them, and lets nobody else change or remove them', async () => {
    const before = await verifyAuditChain(database.db);
    // Appended in a transaction of the caller's own, with no chaining afterwards: a crash right after commit.
    await database.db.transaction().execute((trx) => trail.append(trx, actor, [{ action: 'USER_VIEWED', recordId: 'waiting' }]));
    expect(await database.db.selectFrom('audit_events').select('seq').where('record_id', '=', 'waiting').execute()).toEqual([]);
    await expect(sql`update audit_inbox set actor_label = 'someone else'`.execute(database.db)).rejects.toThrow(/audit_inbox only moves into audit_events: UPDATE refused/);
    await expect(sql`delete from audit_inbox`.execute(database.db)).rejects.toThrow(/DELETE refused/);
    await expect(sql`truncate audit_inbox`.execute(database.db)).rejects.toThrow(/TRUNCATE refused/);

    expect(await new AuditTrail(database.db).chainPending()).toBe(1);
    const chained = await database.db.selectFrom('audit_events').select(['seq', 'actor_label']).where('record_id', '=', 'waiting').executeTakeFirstOrThrow();
    expect(chained).toEqual({ seq: String(Number(before.ok && before.lastSeq) + 1), actor_label: actor.label });
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: before.checked + 1 });
  });

  it('names the first row a superuser changed behind the triggers', async () => {
    await asSuperuserWithoutTriggers(`update audit_events set details = '{"index": 99}'::jsonb where seq = 7`);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: false, checked: 6, firstBrokenSeq: '7', problem: 'hash-mismatch' });
  });

  it('reports a removed middle row as missing at its sequence number', async () => {
    // A fresh chain, so the change made in the previous test does not mask this one.
    const fresh = await createTestDatabase(kind);
    try {
      const freshTrail = new AuditTrail(fresh.db);
      for (let index = 0; index < 5; index += 1) await freshTrail.record(actor, { action: 'USER_VIEWED', recordId: String(index) });
      await sql`alter table audit_events disable trigger user`.execute(fresh.db);
      await sql`delete from audit_events where seq = 3`.execute(fresh.db);
      await sql`alter table audit_events enable trigger user`.execute(fresh.db);
      expect(await verifyAuditChain(fresh.db)).toEqual({ ok: false, checked: 2, firstBrokenSeq: '3', problem: 'missing-row' });
    } finally {
      await fresh.drop();
    }
  });
});
