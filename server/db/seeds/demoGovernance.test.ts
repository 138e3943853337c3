import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { seedDemoData } from './demoSeed.ts';

describe.each(availableBackends())('demo governance data on %s', (kind) => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await createTestApp({ kind });
    expect(await seedDemoData(testApp.services)).toEqual({ seeded: true });
  }, 300_000);
  afterAll(async () => testApp?.close());

  it('publishes the agreement with measures, signed by the police and the city council, with last year\'s assembly and the next one', async () => {
    const db = testApp.database.db;
    const version = await db.selectFrom('agreement_versions').selectAll().where('status', '=', 'published').executeTakeFirstOrThrow();
    expect(version.title).toBe('Northumbria Community Safety Agreement 2026–2029');
    const signers = await db.selectFrom('agreement_signatures').innerJoin('organisations', 'organisations.id', 'agreement_signatures.organisation_id').select('organisations.name').where('version_id', '=', version.id).orderBy('organisations.name').execute();
    expect(signers.map((row) => row.name)).toEqual(['Newcastle City Council', 'Northumbria Police']);
    expect((await testApp.services.governance.agreement.published())!.priorities.flatMap((priority) => priority.measures)).toHaveLength(6);
    expect(await db.selectFrom('measure_figures').select('id').execute()).toHaveLength(6);
    expect((await db.selectFrom('governance_events').select('title').orderBy('starts_at').execute()).map((row) => row.title)).toEqual(['Community Safety Assembly 2026', 'Community Safety Assembly 2027']);
    const page = await new TestAgent(testApp.app).get('/transparency');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('One ASB number now appears on every council and Tyneside Homes letter.');
  });
});
