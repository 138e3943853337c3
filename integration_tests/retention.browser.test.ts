import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser } from '../test/factories/index.ts';
import { signInThroughPages } from './pages/authPages.ts';
import { RetentionPage, RetentionRunPage, RetentionRunsPage, SchedulePage } from './pages/retentionPages.ts';
import { type BrowserHarness, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

describe('a retention run (browser)', { timeout: 240_000 }, () => {
  it('the data-protection officer sets a schedule, proposes a run, reviews it and approves it; the old closed case is anonymised', async () => {
    const db = harness.testApp.database.db;
    const police = await createOrganisation(harness.testApp, { name: 'Northumbria Police', type: 'police' });
    const dpo = await createUser(harness.testApp, { role: 'data_protection_officer', organisationId: police.id, name: 'Dana Protector' });
    const closedAt = new Date(Date.now() - 7 * 365 * 86_400_000);
    const kase = await db
      .insertInto('cases')
      .values({ reference: 'ASB-2019-000777', case_type: 'anti_social_behaviour', summary: 'Harassment of Mr Old Example', status: 'closed', closed_at: closedAt, opened_at: closedAt, lead_organisation_id: police.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    const page = await harness.newPage();

    await signInThroughPages(page, dpo);
    await page.goto('/admin');
    await page.getByRole('link', { name: 'Retention and legal holds' }).click();
    const retention = await RetentionPage.verifyOnPage(page);
    await retention.changeSchedule('Closed cases');

    const schedule = await SchedulePage.verifyOnPage(page);
    await schedule.fill({ number: '', unit: 'years', action: 'Anonymise', basis: 'Limitation Act 1980: period for claims', reason: 'Six years after closure' });
    await schedule.save();
    const withError = await SchedulePage.verifyOnPage(page);
    expect(await withError.errorSummary()).toContain('Enter how long the record is kept');
    expect(await page.getByLabel('Legal reason').inputValue()).toBe('Six years after closure');
    await withError.fill({ number: '6', unit: 'years', action: 'Anonymise', basis: 'Limitation Act 1980: period for claims', reason: 'Six years after closure, the limitation period for claims' });
    await withError.save();

    const saved = await RetentionPage.verifyOnPage(page);
    expect(await saved.scheduleRow('Closed cases')).toContain('6 years');
    await saved.openRuns();
    await (await RetentionRunsPage.verifyOnPage(page)).proposeRun();

    const run = await RetentionRunPage.verifyOnPage(page);
    expect(await run.count('proposed', 'closed_cases')).toBe(1);
    expect(await page.locator('main').textContent()).toContain('ASB-2019-000777');
    await run.pressApproveWithoutConfirming();
    const unconfirmed = await RetentionRunPage.verifyOnPage(page);
    expect(await unconfirmed.errorSummary()).toContain('Confirm that you have checked what is due');
    await unconfirmed.approve();

    const done = await RetentionRunPage.verifyOnPage(page);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Run approved and carried out');
    expect((await done.summaryList()).Status).toBe('Completed');
    expect(await done.count('anonymised', 'closed_cases')).toBe(1);
    const row = await db.selectFrom('cases').select(['summary', 'anonymised_at']).where('id', '=', kase.id).executeTakeFirstOrThrow();
    expect(row.summary).toBe('');
    expect(row.anonymised_at).not.toBeNull();
  });
});
