import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runOneroof } from '../test/support/cli.ts';
import { createIncident, createPerson } from '../test/factories/alertIncidents.ts';
import { TEST_BASE_URL, TEST_SECRETS } from '../test/support/testApp.ts';
import { availableBackends, createTestDatabase, type TestDatabase } from '../test/support/testDatabase.ts';

function oneroof(databaseUrl: string, ...args: string[]): Promise<CliResult> {
  return runOneroof(args, { PATH: process.env.PATH ?? '', NODE_ENV: 'test', BASE_URL: TEST_BASE_URL, SESSION_SECRET: TEST_SECRETS.sessionSecret, ENCRYPTION_KEY: TEST_SECRETS.encryptionKey, DATABASE_URL: databaseUrl });
}

describe.runIf(availableBackends().includes('postgres'))('oneroof alerts:run', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => database.drop());

  it('runs every enabled rule as at the given moment and prints what each raised', { timeout: 60_000 }, async () => {
    const asOf = new Date('2026-03-01T09:00:00Z');
    const organisation = await database.db.insertInto('organisations').values({ name: 'Police', type: 'police' }).returning('id').executeTakeFirstOrThrow();
    const person = await createPerson(database.db);
    for (const daysAgo of [1, 2, 3]) await createIncident(database.db, { organisationId: organisation.id, asOf, daysAgo, people: [{ personId: person }] });
    const result = await oneroof(database.url!, 'alerts:run', '--as-of', asOf.toISOString());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { asOf: string; rules: { rule: string; raised: number }[] };
    expect(printed.asOf).toBe(asOf.toISOString());
    expect(printed.rules.find((rule) => rule.rule === 'repeat_victim')?.raised).toBe(1);
    expect(await database.db.selectFrom('alerts').select('id').where('person_id', '=', person).execute()).toHaveLength(1);
    // Today, those incidents are long outside the window: nothing more is raised.
    const now = JSON.parse((await oneroof(database.url!, 'alerts:run')).stdout) as { rules: { raised: number }[] };
    expect(now.rules.reduce((sum, rule) => sum + rule.raised, 0)).toBe(0);
    const refused = await oneroof(database.url!, 'alerts:run', '--as-of', 'yesterday-ish');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('is not a date and time');
  });
});
