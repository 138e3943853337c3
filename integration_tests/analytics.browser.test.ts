import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser } from '../test/factories/index.ts';
import { AnalyticsDashboardPage, HotspotMapPage, NearRepeatFormPage, NearRepeatResultPage, SavedAnalysesPage } from './pages/analyticsPages.ts';
import { signInThroughPages } from './pages/authPages.ts';
import { type BrowserHarness, expectAccessible, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

/** Burglaries in pairs on the same street a day apart (a near-repeat pattern), and a cluster of ASB in the city centre. */
async function seedIncidents(organisationId: string) {
  const rows = [];
  for (let index = 0; index < 20; index += 1) {
    const day = 1 + (index % 27);
    const latitude = 54.975 + (index % 10) * 0.004;
    rows.push({ at: `2026-03-${String(day).padStart(2, '0')}T00:00:00Z`, precision: 'day' as const, category: 'burglary', latitude, longitude: -1.62 });
    rows.push({ at: `2026-03-${String(day + 1).padStart(2, '0')}T00:00:00Z`, precision: 'day' as const, category: 'burglary', latitude: latitude + 0.0004, longitude: -1.62 });
  }
  for (let index = 0; index < 60; index += 1) rows.push({ at: `2026-04-${String(1 + (index % 28)).padStart(2, '0')}T${String(index % 24).padStart(2, '0')}:15:00Z`, precision: 'minute' as const, category: 'asb_nuisance', latitude: 54.9738 + (index % 3) * 0.0001, longitude: -1.6132 });
  for (let index = 0; index < 30; index += 1) rows.push({ at: `2026-04-${String(1 + (index % 28)).padStart(2, '0')}T12:00:00Z`, precision: 'minute' as const, category: 'asb_nuisance', latitude: 54.96 + (index % 6) * 0.02, longitude: -1.7 + Math.floor(index / 6) * 0.04 });
  await harness.testApp.database.db
    .insertInto('incidents')
    .values(rows.map((row, index) => ({ source_organisation_id: organisationId, source_reference: `BROWSER-${index}`, occurred_at: new Date(row.at), occurred_precision: row.precision, category_code: row.category, latitude: row.latitude, longitude: row.longitude, area: 'Newcastle upon Tyne' })))
    .execute();
  harness.testApp.services.analytics.forget();
}

describe('analytics (browser)', { timeout: 240_000 }, () => {
  it('an analyst reads the dashboard, finds the hotspot on the map, runs a near-repeat analysis and saves it', async () => {
    const police = await createOrganisation(harness.testApp, { name: 'Northumbria Police', type: 'police' });
    const analyst = await createUser(harness.testApp, { role: 'analyst', organisationId: police.id, name: 'Asha Analyst' });
    await seedIncidents(police.id);
    const page = await harness.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
    });
    const screenshots = path.join(os.tmpdir(), 'oneroof-screenshots');
    mkdirSync(screenshots, { recursive: true });

    await signInThroughPages(page, analyst);
    await page.getByRole('link', { name: 'Analytics', exact: true }).click();
    const dashboard = await AnalyticsDashboardPage.verifyOnPage(page);
    await dashboard.filterPeriod('2026-01-01', '2026-04-30');
    const filtered = await AnalyticsDashboardPage.verifyOnPage(page);
    expect(await filtered.summary()).toBe('130 incidents from 1 January 2026 to 30 April 2026.');
    expect(await filtered.chartTitles()).toEqual(['Incidents by month', 'Incidents by category', 'Incidents by area (largest 15)', 'Incidents by LSOA (largest 15)']);
    // The figures behind a chart open as a table.
    await page.getByText('Show the figures as a table').first().click();
    await expect.poll(() => page.getByTestId('chart-byMonth-table').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(screenshots, 'analytics-dashboard.png'), fullPage: true });

    await filtered.openTab('Hotspot map');
    const map = await HotspotMapPage.verifyOnPage(page);
    await map.waitForInteractiveMap();
    await expectAccessible(page);
    const rows = await map.hotspotRows();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]![4]).toBe('Hotspot, 99 % confidence');
    await page.locator('.oneroof-map').screenshot({ path: path.join(screenshots, 'analytics-hotspot-map.png') });

    await page.getByRole('navigation', { name: 'Analytics pages' }).getByRole('link', { name: 'Near repeats' }).click();
    const form = await NearRepeatFormPage.verifyOnPage(page);
    await form.run({ category: 'Burglary', from: '2026-03-01', to: '2026-03-31', distanceBands: '100,200,400', timeBands: '2,7,14', iterations: '99', seed: '1' });
    const result = await NearRepeatResultPage.waitForResult(page);
    expect(await result.summary()).toMatch(/^Pairs of burglary incidents within 100 m and .+ are [\d.]+ times more common than chance/);
    expect(await result.significantCells()).toBeGreaterThan(0);
    await result.save('Burglary near repeats, March');
    const saved = await SavedAnalysesPage.verifyOnPage(page);
    expect(await saved.names()).toContain('Burglary near repeats, March');
    expect(cspViolations).toEqual([]);
  });
});
