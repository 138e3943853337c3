import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser } from '../test/factories/index.ts';
import { AlertListPage, AlertPage } from './pages/alertPages.ts';
import { signInThroughPages } from './pages/authPages.ts';
import { CaseOverviewPage } from './pages/casePages.ts';
import { ChooseColumnsPage, ImportReportPage, IncidentListPage, IncidentPage, PreviewPage, UploadIncidentsPage } from './pages/incidentPages.ts';
import { type BrowserHarness, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

const FILE = [
  'Log No,Date/Time,Type,Summary,Postcode,Person 1 Role,Person 1 Forename,Person 1 Surname,Person 1 DOB,Officer',
  'CC-101,03/02/2026 22:15,noise,Loud music after midnight,NE6 1AA,complainant,Joan,Partridge,03/02/1948,PC Hale',
  'CC-102,31/02/2026 23:40,noise,Shouting and banging,NE6 1AA,complainant,Joan,Partridge,03/02/1948,PC Hale',
  'CC-117,2026-02-16,neighbour_dispute,Argument over parking,NE6 1AB,victim,Sam,Hale,,PC Reid',
].join('\n');

describe('importing incidents from a CSV file (browser)', { timeout: 480_000 }, () => {
  it.each([true, false])('uploads a file with a bad row, reads the report, imports the good rows and sees them (JavaScript %s)', async (javaScriptEnabled) => {
    const council = await createOrganisation(harness.testApp, { name: `Newcastle City Council ${javaScriptEnabled ? 'A' : 'B'}` });
    const officer = await createUser(harness.testApp, { role: 'case_worker', organisationId: council.id, name: 'Tom Walker' });
    const page = await harness.newPage({ javaScriptEnabled });
    await signInThroughPages(page, officer);
    await page.getByRole('link', { name: 'Incidents', exact: true }).click();
    await (await IncidentListPage.verifyOnPage(page)).page.getByRole('link', { name: 'Import incidents' }).first().click();

    const upload = await UploadIncidentsPage.verifyOnPage(page);
    await upload.upload('council-asb.csv', FILE);
    const columns = await ChooseColumnsPage.verifyOnPage(page);
    expect(await columns.chosen('Reference')).toBe('Log No');
    expect(await columns.chosen('Date')).toBe('Date/Time');
    expect(await columns.chosen('Person 1: family name')).toBe('Person 1 Surname');
    expect(await columns.unusedColumns()).toContain('Officer');
    await columns.continue();

    const preview = await PreviewPage.verifyOnPage(page);
    expect(await preview.checks()).toEqual(['Good', 'Problem', 'Good']);
    await preview.checkWholeFile();

    const report = await ImportReportPage.afterProgress(page);
    expect(await report.problems()).toEqual([['3', 'Date', 'is not a real date or time']]);
    await report.importGoodRows();

    await page.getByText('2 incidents imported').waitFor({ timeout: 30_000 });
    await (await ImportReportPage.verifyOnPage(page)).seeIncidents();
    const list = await IncidentListPage.verifyOnPage(page);
    expect((await list.references()).sort()).toEqual(['CC-101', 'CC-117']);
    await list.open('CC-101');
    const incident = await IncidentPage.verifyOnPage(page);
    const details = await incident.summaryList('all');
    expect(details['Category']).toBe('Noise complaint');
    expect(details['Family name']).toBe('Partridge');
    expect(details['Date of birth']).toBe('3 February 1948');
  });

  it('goes from a file with a bad row to an alert about a person the agencies kept seeing, and opens a case from it', async () => {
    const council = await createOrganisation(harness.testApp, { name: 'Gateshead Council' });
    const officer = await createUser(harness.testApp, { role: 'case_worker', organisationId: council.id, name: 'Rhiannon Price' });
    // Three reports naming the same woman within 28 days (her name spelt two ways): once linked
    // as one person, the repeat-victim rule fires.
    const daysAgo = (days: number) => {
      const date = new Date(Date.now() - days * 86_400_000);
      return `${String(date.getUTCDate()).padStart(2, '0')}/${String(date.getUTCMonth() + 1).padStart(2, '0')}/${date.getUTCFullYear()} 21:30`;
    };
    const file = [
      'Log No,Date/Time,Type,Summary,Postcode,Person 1 Role,Person 1 Forename,Person 1 Surname,Person 1 DOB,Person 1 Address',
      `GC-1,${daysAgo(3)},noise,Music through the wall again,NE8 4AB,complainant,Winifred,Ashworth,12/07/1939,"14 Saltwell Road, Gateshead"`,
      `GC-2,${daysAgo(10)},asb_personal,Eggs thrown at her door,NE8 4AB,victim,Winnie,Ashworth,12/07/1939,"14 Saltwell Road, Gateshead"`,
      `GC-3,not a date,noise,Typed in the wrong column,NE8 4AB,complainant,Winifred,Ashworth,12/07/1939,"14 Saltwell Road, Gateshead"`,
      `GC-4,${daysAgo(17)},criminal_damage,Garden gate kicked in,NE8 4AB,victim,Winifred,Ashworth,12/07/1939,"14 Saltwell Road, Gateshead"`,
    ].join('\n');
    const page = await harness.newPage();
    await signInThroughPages(page, officer);
    await page.getByRole('link', { name: 'Incidents', exact: true }).click();
    await (await IncidentListPage.verifyOnPage(page)).page.getByRole('link', { name: 'Import incidents' }).first().click();
    await (await UploadIncidentsPage.verifyOnPage(page)).upload('gateshead.csv', file);
    await (await ChooseColumnsPage.verifyOnPage(page)).continue();
    await (await PreviewPage.verifyOnPage(page)).checkWholeFile();
    const report = await ImportReportPage.afterProgress(page);
    expect(await report.problems()).toEqual([['4', 'Date', 'is not a date in a format OneRoof reads: use DD/MM/YYYY, DD/MM/YYYY HH:mm, YYYY-MM-DD, an ISO date and time, or YYYY-MM']]);
    await report.importGoodRows();
    await page.getByText('3 incidents imported').waitFor({ timeout: 30_000 });

    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    const alerts = await AlertListPage.verifyOnPage(page);
    // One person made of the three records, named from one of them ("Winifred" or "Winnie").
    const fired = (await alerts.rows()).filter((row) => row[0] === 'Repeat victim' && /^Win\w+ Ashworth$/.test(row[1] ?? ''));
    expect(fired).toHaveLength(1);
    await alerts.open('Repeat victim', fired[0]![1]!);
    const alert = await AlertPage.verifyOnPage(page);
    expect(await alert.evidenceRows()).toHaveLength(3);
    await alert.openCase({ caseType: 'Anti-social behaviour', priority: 'High' });
    await CaseOverviewPage.verifyOnPage(page);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Case opened from the alert');
  });
});
