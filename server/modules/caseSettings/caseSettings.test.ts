import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, signedInAgent } from '../../../test/factories/index.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

async function adminAgent() {
  return signedInAgent(testApp, (await createUser(testApp, { role: 'partnership_admin' })).user);
}

describe('case settings', () => {
  it('shows the current clearances and review intervals to a partnership administrator only', async () => {
    const agent = await adminAgent();
    const page = await agent.get('/admin/case-settings');
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/name="sensitive" type="checkbox" value="case_manager" checked/);
    expect(page.body).not.toMatch(/name="sensitive" type="checkbox" value="case_worker" checked/);
    expect(page.body).toMatch(/name="health_restricted" type="checkbox" value="case_worker"/);
    expect(page.body).toMatch(/name="highDays"[^>]*value="14"/);
    expect((await agent.get('/admin')).body).toContain('Case settings');
    for (const role of ['case_manager', 'organisation_admin', 'case_worker'] as const) {
      const other = await signedInAgent(testApp, (await createUser(testApp, { role })).user);
      expect((await other.get('/admin/case-settings')).statusCode, role).toBe(403);
      expect((await other.post('/admin/case-settings', { highDays: '7', mediumDays: '7', standardDays: '7' })).statusCode, role).toBe(403);
    }
  });

  it('explains each problem and keeps what was typed and ticked', async () => {
    const agent = await adminAgent();
    const response = await agent.post('/admin/case-settings', {
      sensitive: ['case_manager', 'case_worker'],
      health_restricted: 'partnership_admin',
      highDays: '0',
      mediumDays: 'four weeks',
      standardDays: '',
    });
    expect(response.statusCode).toBe(400);
    for (const message of [
      'Select roles from the list',
      'The number of days between reviews of high-risk cases must be between 1 and 365',
      'The number of days between reviews of medium-risk cases must be a whole number, like 28',
      'Enter the number of days between reviews of standard-risk cases',
    ]) {
      expect(response.body).toContain(message);
    }
    expect(response.body).toContain('value="0"');
    expect(response.body).toContain('value="four weeks"');
    expect(response.body).toMatch(/name="sensitive" type="checkbox" value="case_worker" checked/);
    expect((await agent.post('/admin/case-settings', { highDays: '366', mediumDays: '28', standardDays: '56' })).body).toContain('must be between 1 and 365');
    const clearances = await testApp.database.db.selectFrom('sensitivity_clearances').selectAll().execute();
    expect(clearances).toEqual([{ role: 'case_manager', sensitivity: 'sensitive' }]);
  });

  it('saves clearances and intervals together, audited with what changed', async () => {
    const agent = await adminAgent();
    const saved = await agent.post('/admin/case-settings', {
      sensitive: ['case_manager', 'case_worker', 'case_worker'],
      health_restricted: 'case_manager',
      highDays: '7',
      mediumDays: '21',
      standardDays: '90',
    });
    expect(saved.statusCode).toBe(302);
    expect((await agent.follow(saved)).body).toContain('The case settings have been saved');
    const db = testApp.database.db;
    const clearances = await db.selectFrom('sensitivity_clearances').selectAll().orderBy('sensitivity').orderBy('role').execute();
    expect(clearances).toEqual([
      { role: 'case_manager', sensitivity: 'health_restricted' },
      { role: 'case_manager', sensitivity: 'sensitive' },
      { role: 'case_worker', sensitivity: 'sensitive' },
    ]);
    const intervals = await db.selectFrom('review_intervals').selectAll().orderBy('days').execute();
    expect(intervals).toEqual([{ risk_level: 'high', days: 7 }, { risk_level: 'medium', days: 21 }, { risk_level: 'standard', days: 90 }]);
    const audit = await db.selectFrom('audit_events').select('details').where('action', '=', 'CASE_SETTINGS_UPDATED').executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({
      before: { reviewIntervals: { high: 14, medium: 28, standard: 56 } },
      after: { reviewIntervals: { high: 7, medium: 21, standard: 90 } },
    });
    await agent.post('/admin/case-settings', { sensitive: 'case_manager', highDays: '14', mediumDays: '28', standardDays: '56' });
    expect(await db.selectFrom('sensitivity_clearances').selectAll().execute()).toEqual([{ role: 'case_manager', sensitivity: 'sensitive' }]);
  });
});
