import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncident, createPerson } from '../test/factories/alertIncidents.ts';
import { createOrganisation, createUser } from '../test/factories/index.ts';
import { createSharingAgreement } from '../test/factories/sharingAgreements.ts';
import { AlertListPage, AlertPage } from './pages/alertPages.ts';
import { signInThroughPages } from './pages/authPages.ts';
import { type BrowserHarness, expectAccessible, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

describe('an alert shared under an information-sharing agreement (browser)', { timeout: 240_000 }, () => {
  it('a council officer sees a health-only alert once the council signs the hidden-harm agreement, and not after it is withdrawn', async () => {
    const db = harness.testApp.database.db;
    const health = await createOrganisation(harness.testApp, { name: 'Tyneside Health Trust', type: 'nhs_trust' });
    const council = await createOrganisation(harness.testApp, { name: 'Gateshead Council' });
    const officer = await createUser(harness.testApp, { role: 'case_worker', organisationId: council.id, name: 'Amir Shah' });
    const signatory = await createUser(harness.testApp, { role: 'organisation_admin', organisationId: council.id, name: 'Rhian Price' });
    const asOf = new Date();
    const person = await createPerson(db, { given: 'Eileen', family: 'Marsh' });
    for (const daysAgo of [1, 4, 8]) {
      await createIncident(db, { organisationId: health.id, asOf, daysAgo, people: [{ personId: person, role: 'complainant' }], category: 'concern_for_welfare', summary: `Missed appointment, found distressed (${daysAgo})` });
    }
    await harness.testApp.services.alerts.runRules(asOf);
    const agreement = await createSharingAgreement(harness.testApp, [health.id, council.id], { purposes: ['hidden_harm_signals'], status: 'draft', signedBy: [health.id] });
    const page = await harness.newPage();

    // Before the council signs: the alert is not theirs to see.
    await signInThroughPages(page, officer);
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    expect((await (await AlertListPage.verifyOnPage(page)).rows()).flat().join(' ')).not.toContain('Eileen Marsh');
    await page.getByTestId('sign-out').click();

    // The council's administrator signs the agreement through its page.
    await signInThroughPages(page, signatory);
    await page.goto(`/sharing-agreements/${agreement.id}`);
    await page.getByLabel('Gateshead Council').check();
    await page.getByLabel('I am authorised to sign this agreement').check();
    await page.getByRole('button', { name: 'Sign the agreement' }).click();
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('the agreement is active');
    await page.getByTestId('sign-out').click();

    // Now the officer sees the alert and the health incidents in full.
    await signInThroughPages(page, officer, 1);
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    const list = await AlertListPage.verifyOnPage(page);
    await list.open('Repeat victim', 'Eileen Marsh');
    const alert = await AlertPage.verifyOnPage(page);
    const evidence = await alert.evidenceRows();
    expect(evidence).toHaveLength(3);
    expect(evidence.map((row) => row.join(' ')).join(' ')).toContain('Missed appointment, found distressed (4)');
    await expectAccessible(page);
    const alertUrl = page.url();

    // Withdrawn: the same page is "not found".
    await db.updateTable('sharing_agreements').set({ status: 'withdrawn', withdrawn_reason: 'Under review' }).where('id', '=', agreement.id).execute();
    const response = await page.goto(alertUrl);
    expect(response?.status()).toBe(404);
  });
});
