import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { preferredBackend } from '../../../test/support/testDatabase.ts';
import { systemActor } from '../../shared/actor.ts';
import type { CurrentUser } from '../../types.ts';
import { seedDemoData } from './demoSeed.ts';

describe('demo alerts', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await createTestApp({ kind: preferredBackend() });
    await seedDemoData(testApp.services);
  });
  afterAll(async () => testApp?.close());

  async function demoUser(email: string): Promise<CurrentUser> {
    const row = await testApp.database.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    return { id: row.id, email: row.email, name: row.name, role: row.role as CurrentUser['role'], organisationId: row.organisation_id, organisationName: '', locale: null, mfaEnabled: true };
  }

  it('raises the demo alerts, each seen only by the agencies that supplied its evidence', async () => {
    const raised = await testApp.database.db
      .selectFrom('alerts')
      .innerJoin('people', 'people.id', 'alerts.person_id')
      .select(['alerts.rule_code', 'people.family_name'])
      .execute();
    const pairs = raised.map((row) => `${row.rule_code}:${row.family_name}`);
    expect(pairs).toEqual(expect.arrayContaining(['repeat_victim:Ellison', 'multi_agency:Ellison', 'cuckooing:Fairley', 'missed_contacts:Pike', 'repeat_victim:Gowland']));
    const filters = { status: 'open' as const, mine: false, page: 1 };
    const actor = systemActor('demo-alerts-test');
    const nhs = await testApp.services.alerts.list(await demoUser('nhs@oneroof.example'), filters, actor);
    const police = await testApp.services.alerts.list(await demoUser('police@oneroof.example'), filters, actor);
    expect(nhs.rows.map((row) => row.person_family_name)).toContain('Gowland');
    expect(police.rows.map((row) => row.person_family_name)).not.toContain('Gowland');
    expect(police.rows.map((row) => row.person_family_name)).toEqual(expect.arrayContaining(['Ellison', 'Fairley', 'Pike']));
  });
});
