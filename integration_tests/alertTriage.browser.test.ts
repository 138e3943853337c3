import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncident, createPerson } from '../test/factories/alertIncidents.ts';
import { createOrganisation, createUser } from '../test/factories/index.ts';
import { AlertListPage, AlertPage } from './pages/alertPages.ts';
import { signInThroughPages } from './pages/authPages.ts';
import { CaseOverviewPage } from './pages/casePages.ts';
import { type BrowserHarness, expectAccessible, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

describe('triaging an alert (browser)', { timeout: 240_000 }, () => {
  it('an officer sees why an alert fired, with other agencies’ incidents kept brief, and opens a case from it', async () => {
    const db = harness.testApp.database.db;
    const police = await createOrganisation(harness.testApp, { name: 'Northumbria Police', type: 'police' });
    const council = await createOrganisation(harness.testApp, { name: 'Newcastle City Council' });
    const officer = await createUser(harness.testApp, { role: 'case_worker', organisationId: police.id, name: 'PC Dan Carter' });
    const asOf = new Date();
    const person = await createPerson(db, { given: 'Margaret', family: 'Ellison' });
    const victim = [{ personId: person, role: 'victim' as const }];
    await createIncident(db, { organisationId: police.id, asOf, daysAgo: 2, people: victim, summary: 'Youths banging on her windows' });
    await createIncident(db, { organisationId: police.id, asOf, daysAgo: 9, people: victim, category: 'criminal_damage', summary: 'Door kicked in' });
    await createIncident(db, { organisationId: council.id, asOf, daysAgo: 15, people: victim, category: 'noise', summary: 'Council note that the police must not see' });
    await harness.testApp.services.alerts.runRules(asOf);
    const page = await harness.newPage();

    await signInThroughPages(page, officer);
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    const list = await AlertListPage.verifyOnPage(page);
    expect((await list.rows()).map((row) => row.slice(0, 3))).toContainEqual(['Repeat victim', 'Margaret Ellison', '3 incidents as victim or complainant in 28 days, reported by 2 agencies']);
    await list.open('Repeat victim', 'Margaret Ellison');

    const alert = await AlertPage.verifyOnPage(page);
    expect(await alert.reason()).toBe('3 incidents as victim or complainant in 28 days, reported by 2 agencies');
    const evidence = await alert.evidenceRows();
    expect(evidence).toHaveLength(3);
    expect(evidence.map((row) => row[3]).join(' ')).toContain('Youths banging on her windows');
    expect(evidence.map((row) => row[3]).join(' ')).not.toContain('Council note');
    expect(evidence.find((row) => row[2] === 'Newcastle City Council')?.[3]).toBe('Details held by Newcastle City Council');

    await alert.openCase({ caseType: 'Anti-social behaviour', priority: 'High' });
    const overview = await CaseOverviewPage.verifyOnPage(page);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Case opened from the alert');
    await overview.openTab('Timeline and notes');
    await expectAccessible(page);
    expect(await page.locator('main').textContent()).toContain('Alert evidence added');
  });
});
