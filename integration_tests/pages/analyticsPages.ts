import type { Page } from 'playwright-core';
import { BasePage } from './page.ts';

async function fillDate(page: Page, legend: string, isoDate: string): Promise<void> {
  const [year, month, day] = isoDate.split('-');
  const group = page.getByRole('group', { name: legend, exact: true });
  await group.getByLabel('Day').fill(String(Number(day)));
  await group.getByLabel('Month').fill(String(Number(month)));
  await group.getByLabel('Year').fill(year!);
}

export class AnalyticsDashboardPage extends BasePage {
  expectedHeading() {
    return /^Incident counts and trends$/;
  }

  async summary(): Promise<string> {
    return ((await this.page.getByTestId('dashboard-summary').textContent()) ?? '').trim();
  }

  async filterPeriod(from: string, to: string): Promise<void> {
    await fillDate(this.page, 'From', from);
    await fillDate(this.page, 'To', to);
    await this.page.getByTestId('apply-filter').click();
  }

  async chartTitles(): Promise<string[]> {
    return this.page.locator('figure.oneroof-chart figcaption').allTextContents();
  }

  async openTab(name: string): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Analytics pages' }).getByRole('link', { name }).click();
  }
}

export class HotspotMapPage extends BasePage {
  expectedHeading() {
    return /^Hotspot map$/;
  }

  async waitForInteractiveMap(): Promise<void> {
    await this.page.locator('#hotspot-map[data-ready="true"]').waitFor();
  }

  async hotspotRows(): Promise<string[][]> {
    const rows = await this.page.getByTestId('hotspot-table').locator('tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allTextContents()).map((text) => text.trim())));
  }
}

export class NearRepeatFormPage extends BasePage {
  expectedHeading() {
    return /^Near-repeat analysis$/;
  }

  async run(options: { category: string; from: string; to: string; distanceBands: string; timeBands: string; iterations: string; seed: string }): Promise<void> {
    await this.page.getByLabel('Category').selectOption({ label: options.category });
    await fillDate(this.page, 'From', options.from);
    await fillDate(this.page, 'To', options.to);
    await this.page.getByLabel('Distance bands (metres)').fill(options.distanceBands);
    await this.page.getByLabel('Time bands (days)').fill(options.timeBands);
    await this.page.getByLabel('Iterations').fill(options.iterations);
    await this.page.getByLabel('Seed').fill(options.seed);
    await this.page.getByTestId('run-near-repeat').click();
  }
}

export class NearRepeatResultPage extends BasePage {
  expectedHeading() {
    return /^Near-repeat analysis$/;
  }

  static async waitForResult(page: Page): Promise<NearRepeatResultPage> {
    await page.getByTestId('near-repeat-table').waitFor({ timeout: 60_000 });
    return NearRepeatResultPage.verifyOnPage(page);
  }

  async summary(): Promise<string> {
    return ((await this.page.getByTestId('near-repeat-summary').textContent()) ?? '').trim();
  }

  async significantCells(): Promise<number> {
    return this.page.locator('[data-significant="true"]').count();
  }

  async save(name: string): Promise<void> {
    await this.page.getByLabel('Name this analysis to save it').fill(name);
    await this.page.getByTestId('save-analysis').click();
  }
}

export class SavedAnalysesPage extends BasePage {
  expectedHeading() {
    return /^Saved analyses$/;
  }

  async names(): Promise<string[]> {
    return (await this.page.getByTestId('saved-analyses').locator('tbody tr td:first-child').allTextContents()).map((text) => text.trim());
  }
}
