import type { Page } from 'playwright-core';
import { BasePage } from './page.ts';

/** The data-protection officer's list of subject access requests. */
export class SubjectAccessRequestsPage extends BasePage {
  expectedHeading() {
    return /^Subject access requests$/;
  }

  async recordRequest(): Promise<void> {
    await this.page.getByRole('button', { name: 'Record a request' }).click();
  }
}

/** Recording a request: find the person, then the request's details. */
export class NewSubjectAccessRequestPage extends BasePage {
  expectedHeading() {
    return /^Record a subject access request$/;
  }

  async findPerson(name: string): Promise<void> {
    await this.page.getByLabel('Name', { exact: true }).fill(name);
    await this.page.getByRole('button', { name: 'Search everyone' }).click();
  }

  async choose(name: string): Promise<void> {
    await this.page.getByTestId('person-results').getByRole('link', { name: new RegExp(name) }).click();
  }

  async fill(form: { requester: string; day: string; month: string; year: string }): Promise<void> {
    await this.page.getByLabel('Who made the request').fill(form.requester);
    await this.page.getByRole('group', { name: 'Who is the requester?' }).getByLabel('The person themself').check();
    await this.page.getByRole('group', { name: 'Has the requester’s identity been verified?' }).getByLabel('Yes').check();
    const received = this.page.getByRole('group', { name: 'Date received' });
    await received.getByLabel('Day').fill(form.day);
    await received.getByLabel('Month').fill(form.month);
    await received.getByLabel('Year').fill(form.year);
    await this.page.getByRole('button', { name: 'Record the request' }).click();
  }
}

/** One request: what was found, the redaction ticks, approval and the downloads. */
export class SubjectAccessRequestPage extends BasePage {
  expectedHeading() {
    return /^SAR-\d{4}-\d{6}/;
  }

  static async open(page: Page): Promise<SubjectAccessRequestPage> {
    return SubjectAccessRequestPage.verifyOnPage(page);
  }

  async redact(label: string): Promise<void> {
    await this.page.getByTestId('redactions').getByLabel(label).check();
  }

  async saveRedactions(): Promise<void> {
    await this.page.getByTestId('save-redactions').click();
  }

  async approve(): Promise<void> {
    await this.page.getByTestId('approve').click();
  }

  async downloadJson(): Promise<string> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId('download-json').click()]);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
}

/** The printable export. */
export class SubjectAccessExportPage extends BasePage {
  expectedHeading() {
    return /^Information held about you: SAR-/;
  }
}

/** Who read a person's record and why. */
export class AccessReviewPage extends BasePage {
  expectedHeading() {
    return /^Access review$/;
  }

  async rows(): Promise<string[][]> {
    const rows = await this.page.locator('[data-testid="access-events"] tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())));
  }
}

/** Heavy viewers, out-of-hours readers and break-glass use. */
export class AccessAnomaliesPage extends BasePage {
  expectedHeading() {
    return /^Access anomalies$/;
  }
}
