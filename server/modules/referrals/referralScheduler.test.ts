import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser } from '../../../test/factories/index.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { IntervalReferralScheduler, PgBossReferralScheduler } from './referralScheduler.ts';

let testApp: TestApp;

const quietLog = { info: () => undefined, error: () => undefined };
const db = () => testApp.database.db;

/** A referral whose acknowledgement deadline passed an hour ago, to an organisation with a case manager. */
async function overdueReferral() {
  const from = await createOrganisation(testApp, { type: 'police' });
  const to = await createOrganisation(testApp, { type: 'nhs_trust' });
  await createUser(testApp, { role: 'case_manager', organisationId: to.id });
  const kase = await db()
    .insertInto('cases')
    .values({ reference: `ASB-2026-8${String(Math.floor(Math.random() * 99_999)).padStart(5, '0')}`, case_type: 'anti_social_behaviour', summary: 'Scheduler', lead_organisation_id: from.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  const past = new Date(Date.now() - 60 * 60_000);
  return db()
    .insertInto('referrals')
    .values({
      reference: `REF-2026-8${Math.random().toString(36).slice(2, 8)}`,
      case_id: kase.id,
      from_organisation_id: from.id,
      to_organisation_id: to.id,
      urgency: 'immediate',
      reason: 'r',
      requested: 'q',
      information_shared: 'i',
      lawful_basis: 'public_task',
      consent: 'given',
      acknowledge_due_at: past,
      decide_due_at: new Date(Date.now() + 60 * 60_000),
      created_at: new Date(Date.now() - 2 * 60 * 60_000),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

const breachedAt = async (id: string) => (await db().selectFrom('referrals').select('acknowledge_breached_at').where('id', '=', id).executeTakeFirstOrThrow()).acknowledge_breached_at;

describe.each(availableBackends())('on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
  });
  afterAll(async () => testApp.close());

  describe('the referral deadline scheduler', () => {
    it('the in-process timer scans on each tick', async () => {
      const referral = await overdueReferral();
      const scheduler = new IntervalReferralScheduler(testApp.services.referrals, quietLog, 60);
      const result = await scheduler.tick();
      expect(result?.acknowledgeBreaches).toBeGreaterThanOrEqual(1);
      expect(await breachedAt(referral.id)).not.toBeNull();
      await scheduler.stop();
    });

    it.runIf(kind === 'postgres')('skips a tick while another process holds the scan lock', async () => {
      const referral = await overdueReferral();
      const other = new pg.Client({ connectionString: testApp.database.url });
      await other.connect();
      try {
        await other.query('select pg_advisory_lock(741852964)');
        const scheduler = new IntervalReferralScheduler(testApp.services.referrals, quietLog, 60);
        expect(await scheduler.tick()).toBeUndefined();
        expect(await breachedAt(referral.id)).toBeNull();
        await other.query('select pg_advisory_unlock(741852964)');
        expect((await scheduler.tick())?.acknowledgeBreaches).toBeGreaterThanOrEqual(1);
        expect(await breachedAt(referral.id)).not.toBeNull();
      } finally {
        await other.end();
      }
    });

    it.runIf(kind === 'postgres')('on PostgreSQL, pg-boss runs the scan as a queued job', { timeout: 60_000 }, async () => {
      const referral = await overdueReferral();
      const scheduler = new PgBossReferralScheduler(testApp.database.url!, testApp.services.referrals, quietLog);
      await scheduler.start();
      try {
        await scheduler.runNow();
        const deadline = Date.now() + 30_000;
        while (!(await breachedAt(referral.id)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
        expect(await breachedAt(referral.id)).not.toBeNull();
        const jobs = await sql<{ state: string }>`select state from pgboss.job where name = 'referral-deadlines'`.execute(db());
        expect(jobs.rows.length).toBeGreaterThanOrEqual(1);
      } finally {
        await scheduler.stop();
      }
    });
  });
});
