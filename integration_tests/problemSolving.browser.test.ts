import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { latLngToCell } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser } from '../test/factories/index.ts';
import { addDays, londonToday } from '../server/shared/dates.ts';
import { signInThroughPages } from './pages/authPages.ts';
import { NewProblemPage, ProblemPage, ProblemReportPage, ProblemStagePage } from './pages/problemPages.ts';
import { type BrowserHarness, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

const CENTRE = { latitude: 54.98, longitude: -1.6 };

describe('problem-solving from a hotspot (browser)', { timeout: 480_000 }, () => {
  it('an analyst creates a problem from a hotspot cell, takes it through the stages, gives responses to two partners, records the assessment and prints the report', async () => {
    const police = await createOrganisation(harness.testApp, { name: 'Northumbria Police', type: 'police' });
    const housing = await createOrganisation(harness.testApp, { name: 'Tyneside Homes', type: 'housing_provider' });
    const analyst = await createUser(harness.testApp, { role: 'analyst', organisationId: police.id, name: 'Nurul Hassan' });
    await createUser(harness.testApp, { role: 'case_worker', organisationId: housing.id, name: 'Tom Walker' });
    await createUser(harness.testApp, { role: 'case_manager', organisationId: police.id, name: 'Daniel Hughes' });
    const year = Number(londonToday().slice(0, 4)) - 1;
    const incidents = [
      ...Array.from({ length: 12 }, (_, index) => ({ at: `${year}-02-10`, north: 0, index })),
      ...Array.from({ length: 4 }, (_, index) => ({ at: `${year}-06-10`, north: 0, index })),
      ...Array.from({ length: 15 }, (_, index) => ({ at: `${year}-02-10`, north: 3000, index })),
      ...Array.from({ length: 14 }, (_, index) => ({ at: `${year}-06-10`, north: 3000, index })),
    ];
    await harness.testApp.database.db
      .insertInto('incidents')
      .values(incidents.map((incident, number) => ({
        source_organisation_id: police.id,
        source_reference: `BROWSER-${number}`,
        occurred_at: new Date(`${incident.at}T20:00:00Z`),
        category_code: 'burglary',
        latitude: CENTRE.latitude + incident.north / 111_195 + incident.index * 0.00001,
        longitude: CENTRE.longitude,
      })))
      .execute();
    const page = await harness.newPage();
    await signInThroughPages(page, analyst);

    // 1. From a hotspot cell: the target area is the circle around it.
    const cell = latLngToCell(CENTRE.latitude, CENTRE.longitude, 9);
    await page.goto(`/problems/new?h3=${cell}&category=burglary`);
    const form = await NewProblemPage.verifyOnPage(page);
    const area = await form.targetArea();
    expect(Number(area.latitude)).toBeCloseTo(CENTRE.latitude, 2);
    expect(Number(area.radius)).toBeGreaterThan(100);
    await form.create('');
    const refused = await NewProblemPage.verifyOnPage(page);
    expect(await refused.errorSummary()).toContain('Enter a title for the problem');
    expect((await refused.targetArea()).latitude).toBe(area.latitude);
    await refused.create('Burglaries around Heaton Park Road');
    let problem = await ProblemPage.verifyOnPage(page);
    expect(await problem.reference()).toMatch(/^PRB-\d{4}-\d{4}$/);
    expect(await problem.stage()).toBe('Objective');

    // 2. Objective, then scanning with the buffer and a comparison area 3 km north.
    await problem.change('Objective');
    let stage = await ProblemStagePage.verifyOnPage(page);
    await stage.fill({ Objective: 'Reduce burglary around Heaton Park Road', 'How it will be measured': 'Burglaries 4 months before and after, against Jesmond' });
    await stage.save();
    problem = await ProblemPage.verifyOnPage(page);
    await problem.move('Move on to Scanning');
    problem = await ProblemPage.verifyOnPage(page);
    await problem.change('Scanning');
    stage = await ProblemStagePage.verifyOnPage(page);
    await stage.fill({ 'What the problem is': 'Burglaries through unlocked back doors', 'Displacement buffer': '400' });
    await stage.fillIn('Comparison area', { Latitude: String(CENTRE.latitude + 3000 / 111_195), Longitude: String(CENTRE.longitude), Radius: '500' });
    await stage.save();
    problem = await ProblemPage.verifyOnPage(page);
    await problem.move('Move on to Analysis');

    // 3. Analysis: the triangle.
    problem = await ProblemPage.verifyOnPage(page);
    await problem.change('Analysis');
    stage = await ProblemStagePage.verifyOnPage(page);
    await stage.fill({ Location: 'Back lanes with broken gates', 'Place managers': 'Tyneside Homes', 'Victim or target': 'Terraced houses with rear access' });
    await stage.save();
    problem = await ProblemPage.verifyOnPage(page);
    await problem.move('Move on to Response');

    // 4. Responses for two partners.
    const due = addDays(londonToday(), 21);
    for (const [title, organisation, officer] of [['Fit gates to back lanes', 'Tyneside Homes', /Tom Walker/], ['Evening patrols', 'Northumbria Police', /Daniel Hughes/]] as const) {
      problem = await ProblemPage.verifyOnPage(page);
      await problem.follow('Add a response');
      stage = await ProblemStagePage.verifyOnPage(page);
      await stage.fill({ Action: title });
      await stage.select('Partner organisation', organisation);
      await stage.select('Owner officer', officer);
      await stage.date('Due date', due);
      await stage.save();
    }
    problem = await ProblemPage.verifyOnPage(page);
    expect(await problem.responses()).toEqual([
      ['Fit gates to back lanes', 'Tyneside Homes'],
      ['Evening patrols', 'Northumbria Police'],
    ]);
    await problem.move('Move on to Assessment');

    // 5. The assessment: a bad period first, then the real one.
    problem = await ProblemPage.verifyOnPage(page);
    await problem.follow('Record an assessment');
    stage = await ProblemStagePage.verifyOnPage(page);
    await stage.date('Start date', `${year}-01-01`, 0);
    await stage.date('End date', `${year}-03-31`, 0);
    await stage.date('Start date', `${year}-03-01`, 1);
    await stage.date('End date', `${year}-07-31`, 1);
    await stage.save();
    stage = await ProblemStagePage.verifyOnPage(page);
    expect(await stage.errorSummary()).toContain('The after period must start after the before period ends');
    await stage.date('Start date', `${year}-05-01`, 1);
    await stage.fill({ Conclusion: 'Burglary fell by two thirds with no sign of displacement.' });
    await stage.save();
    problem = await ProblemPage.verifyOnPage(page);
    const assessment = await problem.assessment();
    // (4/12) / (14/15) = 0.357: 64.3 % fewer than the comparison area's trend suggests.
    expect(assessment).toContain('-64.3%');
    expect(await page.getByTestId('problem-map').isVisible()).toBe(true);
    await problem.move('Close the problem');
    problem = await ProblemPage.verifyOnPage(page);
    expect(await problem.stage()).toBe('Closed');

    // 6. The printable report, with the map and the chart.
    await problem.follow('Printable report');
    await ProblemReportPage.verifyOnPage(page);
    expect(await page.getByTestId('report').textContent()).toContain('Fit gates to back lanes');
    expect(await page.getByTestId('assessment-1-svg').isVisible()).toBe(true);
    const screenshots = path.join(os.tmpdir(), 'oneroof-screenshots');
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: path.join(screenshots, 'problem-report.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.govuk-header').isVisible()).toBe(false);
  });
});
