import type { Page } from 'playwright-core';
import { BasePage } from './page.ts';

export class UploadIncidentsPage extends BasePage {
  expectedHeading() {
    return /^Import incidents$/;
  }

  async upload(fileName: string, content: string): Promise<void> {
    await this.page.getByLabel('CSV file').setInputFiles({ name: fileName, mimeType: 'text/csv', buffer: Buffer.from(content) });
    await this.page.getByRole('button', { name: 'Upload and continue' }).click();
  }
}

export class ChooseColumnsPage extends BasePage {
  expectedHeading() {
    return /^Choose the columns$/;
  }

  async chosen(label: string): Promise<string> {
    return this.page.getByLabel(label, { exact: true }).locator('option:checked').innerText();
  }

  async unusedColumns(): Promise<string> {
    return (await this.page.getByTestId('unused-columns').textContent()) ?? '';
  }

  async continue(): Promise<void> {
    await this.page.getByRole('button', { name: 'Continue to preview' }).click();
  }
}

export class PreviewPage extends BasePage {
  expectedHeading() {
    return /^Preview$/;
  }

  async checks(): Promise<string[]> {
    return this.page.getByTestId('preview').locator('tbody tr td:last-child').allInnerTexts();
  }

  async checkWholeFile(): Promise<void> {
    await this.page.getByRole('button', { name: 'Check the whole file' }).click();
  }
}

/** The report page, reached once the progress page (if any) has moved on. */
export class ImportReportPage extends BasePage {
  expectedHeading() {
    return /^(Check complete|Import complete)$/;
  }

  static async afterProgress(page: Page): Promise<ImportReportPage> {
    await page.getByTestId('report-heading').waitFor({ timeout: 30_000 });
    return ImportReportPage.verifyOnPage(page);
  }

  async problems(): Promise<string[][]> {
    const rows = await this.page.getByTestId('row-errors').locator('tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allInnerTexts()).map((text) => text.trim())));
  }

  async importGoodRows(): Promise<void> {
    await this.page.getByTestId('import-good').click();
  }

  async seeIncidents(): Promise<void> {
    await this.page.getByTestId('see-incidents').click();
  }
}

export class IncidentListPage extends BasePage {
  expectedHeading() {
    return /^Incidents$/;
  }

  async references(): Promise<string[]> {
    return this.page.getByTestId('incidents').locator('tbody tr td:first-child').allInnerTexts();
  }

  async open(reference: string): Promise<void> {
    await this.page.getByRole('link', { name: reference, exact: true }).click();
  }
}

export class IncidentPage extends BasePage {
  expectedHeading() {
    return /^Incident /;
  }
}
