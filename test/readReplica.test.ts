import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/database.ts';
import { createServices } from '../server/services.ts';
import { createTestDatabase, preferredBackend, type TestDatabase } from './support/testDatabase.ts';
import { TEST_SECRETS } from './support/testApp.ts';

/**
 * The scale-out path's read replica: with ANALYTICS_DATABASE_URL set, analytics figures are read
 * from it and nothing else is. Two separate databases stand in for primary and replica, holding
 * different incidents, so the test can tell which one answered.
 */
describe.runIf(preferredBackend() === 'postgres')('analytics on a read replica', () => {
  let primary: TestDatabase;
  let replica: TestDatabase;

  beforeAll(async () => {
    primary = await createTestDatabase('postgres');
    replica = await createTestDatabase('postgres');
    for (const [database, references] of [[primary, ['P-1']], [replica, ['R-1', 'R-2', 'R-3']]] as const) {
      const organisation = await database.db.insertInto('organisations').values({ name: 'Replica Test Police', type: 'police' }).returning('id').executeTakeFirstOrThrow();
      await database.db
        .insertInto('incidents')
        .values(references.map((reference) => ({ source_organisation_id: organisation.id, source_reference: reference, occurred_at: new Date('2026-05-01T10:00:00Z'), occurred_precision: 'minute', category_code: 'noise' })))
        .execute();
    }
  });
  afterAll(async () => {
    await primary?.drop();
    await replica?.drop();
  });

  it('opens a second pool when ANALYTICS_DATABASE_URL is set and closes both', async () => {
    const handle = await openDatabase({ databaseUrl: primary.url!, analyticsDatabaseUrl: replica.url!, dataDir: mkdtempSync(path.join(os.tmpdir(), 'oneroof-replica-')), poolSize: 1 });
    try {
      const count = async (db: typeof handle.db) => Number((await db.selectFrom('incidents').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
      expect(await count(handle.db)).toBe(1);
      expect(await count(handle.analytics)).toBe(3);
    } finally {
      await handle.close();
    }
    const single = await openDatabase({ databaseUrl: primary.url!, dataDir: 'unused', poolSize: 1 });
    expect(single.analytics).toBe(single.db);
    await single.close();
  });

  it('reads dashboard figures from the replica while saved analyses are written to the primary', async () => {
    const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: TEST_SECRETS.sessionSecret, ENCRYPTION_KEY: TEST_SECRETS.encryptionKey, DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'oneroof-replica-')) });
    const services = createServices(config, { ...primary, analytics: replica.db }, TEST_SECRETS);
    const filter = { from: '2026-01-01', to: '2026-12-31', categories: [], area: null, lsoa: null };
    const dashboard = await services.analytics.figures.dashboard(filter);
    expect(dashboard.total).toBe(3);
    expect(dashboard.byCategory).toEqual([{ key: 'noise', count: 3 }]);
  });
});
