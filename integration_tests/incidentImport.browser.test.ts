import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser } from '../test/factories/index.ts';
import { signInThroughPages } from './pages/authPages.ts';
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
});
