import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser } from '../test/factories/index.ts';
import { systemActor } from '../server/shared/actor.ts';
import { signInThroughPages } from './pages/authPages.ts';
import { LinkedRecordsPage, PossibleMatchPage, ReviewQueuePage } from './pages/linkagePages.ts';
import { type BrowserHarness, expectAccessible, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

describe('reviewing a possible match (browser)', { timeout: 240_000 }, () => {
  it('a case manager compares two records field by field, confirms the match, then unlinks it again', async () => {
    const db = harness.testApp.database.db;
    const police = await createOrganisation(harness.testApp, { name: 'Northumbria Police', type: 'police' });
    const manager = await createUser(harness.testApp, { role: 'case_manager', organisationId: police.id, name: 'Sergeant Ruth Bell' });
    const person = await db.insertInto('people').values({ given_name: 'Maria', family_name: 'Featherstonehaugh', date_of_birth: '1975-06-02', created_by_organisation_id: police.id }).returning('id').executeTakeFirstOrThrow();
    const incident = await db.insertInto('incidents').values({ source_organisation_id: police.id, source_reference: 'NP-2026-0415', occurred_at: new Date(Date.now() - 86_400_000), category_code: 'asb_personal' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('incident_people').values({ incident_id: incident.id, role: 'victim', given_name: 'Maria', family_name: 'Featherstonehaugh', date_of_birth: '1975-09-21' }).execute();
    const linked = await harness.testApp.services.linkage.linkPending({ workers: 1, actor: systemActor('test') });
    expect(linked.queuedForReview).toBe(1);
    const page = await harness.newPage();

    await signInThroughPages(page, manager);
    await page.getByRole('link', { name: 'Linkage review', exact: true }).click();
    const queue = await ReviewQueuePage.verifyOnPage(page);
    expect((await queue.rows()).map((row) => row.slice(0, 3))).toEqual([['Maria FeatherstonehaughBorn 21 September 1975', 'Maria FeatherstonehaughBorn 2 June 1975', 'NP-2026-0415']]);
    await expectAccessible(page);
    await queue.open('Maria Featherstonehaugh');

    const match = await PossibleMatchPage.verifyOnPage(page);
    expect(await match.sideBySide()).toContainEqual(['Date of birth', '1975-09-21', '1975-06-02']);
    const steps = await match.waterfall();
    expect(steps.map((row) => row.slice(0, 2))).toEqual([
      ['Starting weight', ''],
      ['Given name', 'the same'],
      ['Family name', 'the same'],
      ['Date of birth', 'same year only'],
      ['Address', 'missing on one side (no evidence)'],
      ['Phone', 'missing on one side (no evidence)'],
      ['Identifier', 'missing on one side (no evidence)'],
      ['Total', ''],
    ]);
    expect(Number(steps[1]![2])).toBeGreaterThan(0);
    await expectAccessible(page);

    // A reason that is too long comes back with what was typed and the GOV.UK error summary.
    await match.reject('x'.repeat(1001));
    await PossibleMatchPage.verifyOnPage(page);
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('The reason must be 1,000 characters or fewer');
    expect(await page.getByLabel('Why not (optional)').inputValue()).toHaveLength(1001);
    await expectAccessible(page);

    await match.confirm();
    await ReviewQueuePage.verifyOnPage(page);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Match confirmed');
    expect(await queue.rows()).toEqual([]);

    await page.goto(`${harness.baseUrl}/people/${person.id}`);
    await page.getByRole('link', { name: 'Records from agencies linked to this person' }).click();
    const records = await LinkedRecordsPage.verifyOnPage(page);
    expect((await records.rows())[0]!.slice(0, 4)).toEqual(['Northumbria PoliceNP-2026-0415', 'Maria Featherstonehaugh (Victim)Born 21 September 1975', expect.any(String), 'Confirmed by a reviewer']);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Unlink record NP-2026-0415 from Northumbria Police' }).click();
    await LinkedRecordsPage.verifyOnPage(page);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('The record is unlinked');
    expect(await records.rows()).toEqual([]);
  });
});
