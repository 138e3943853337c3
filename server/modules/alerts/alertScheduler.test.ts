import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncident, createPerson } from '../../../test/factories/alertIncidents.ts';
import { createOrganisation } from '../../../test/factories/index.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { cronEvery, IntervalAlertScheduler, PgBossAlertScheduler } from './alertScheduler.ts';

let testApp: TestApp;
const quietLog = { info: () => undefined, error: () => undefined };
const db = () => testApp.database.db;

/** A person with three incidents as victim this week: the repeat-victim rule fires for them. */
async function repeatVictim(): Promise<string> {
  const organisation = await createOrganisation(testApp, { type: 'police' });
  const person = await createPerson(db());
  for (const daysAgo of [1, 2, 3]) await createIncident(db(), { organisationId: organisation.id, asOf: new Date(), daysAgo, people: [{ personId: person }] });
  return person;
}

const alertsAbout = async (personId: string) => db().selectFrom('alerts').select('id').where('person_id', '=', personId).where('rule_code', '=', 'repeat_victim').execute();

describe('cronEvery', () => {
  it('turns minutes into a cron schedule', () => {
    expect(cronEvery(15)).toBe('*/15 * * * *');
    expect(cronEvery(60)).toBe('0 */1 * * *');
    expect(cronEvery(360)).toBe('0 */6 * * *');
  });
});

describe.each(availableBackends())('the alert scheduler on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
  });
  afterAll(async () => testApp.close());

  it('the in-process timer runs the rules on each tick', async () => {
    const person = await repeatVictim();
    const scheduler = new IntervalAlertScheduler(testApp.services.alerts, quietLog, 60);
    const result = await scheduler.tick();
    expect(result?.rules.find((rule) => rule.rule === 'repeat_victim')?.raised).toBeGreaterThanOrEqual(1);
    expect(await alertsAbout(person)).toHaveLength(1);
    await scheduler.stop();
  });

  it.runIf(kind === 'postgres')('skips a tick while another process is running the rules', async () => {
    const person = await repeatVictim();
    const other = new pg.Client({ connectionString: testApp.database.url });
    await other.connect();
    try {
      await other.query('select pg_advisory_lock(6120012)');
      const scheduler = new IntervalAlertScheduler(testApp.services.alerts, quietLog, 60);
      expect(await scheduler.tick()).toBeUndefined();
      expect(await alertsAbout(person)).toHaveLength(0);
      await other.query('select pg_advisory_unlock(6120012)');
      expect(await scheduler.tick()).toBeDefined();
      expect(await alertsAbout(person)).toHaveLength(1);
    } finally {
      await other.end();
    }
  });

  it.runIf(kind === 'postgres')('on PostgreSQL, pg-boss runs the rules as a queued job', { timeout: 60_000 }, async () => {
    const person = await repeatVictim();
    const scheduler = new PgBossAlertScheduler(testApp.database.url!, testApp.services.alerts, quietLog, 60);
    await scheduler.start();
    try {
      await scheduler.runNow();
      const deadline = Date.now() + 30_000;
      while ((await alertsAbout(person)).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await alertsAbout(person)).toHaveLength(1);
      const jobs = await sql<{ state: string }>`select state from pgboss.job where name = 'alert-rules'`.execute(db());
      expect(jobs.rows.length).toBeGreaterThanOrEqual(1);
    } finally {
      await scheduler.stop();
    }
  });
});
