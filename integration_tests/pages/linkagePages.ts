import { BasePage } from './page.ts';

/** The clerical review queue of possible matches. */
export class ReviewQueuePage extends BasePage {
  expectedHeading() {
    return /^Possible matches to review$/;
  }

  async rows(): Promise<string[][]> {
    const rows = await this.page.locator('[data-testid="review-queue"] tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())));
  }

  async open(incomingName: string): Promise<void> {
    await this.page.locator('[data-testid="review-queue"] tbody tr', { hasText: incomingName }).getByRole('link', { name: incomingName }).click();
  }
}

/** One possible match: the two records side by side and the weight of each field. */
export class PossibleMatchPage extends BasePage {
  expectedHeading() {
    return /^Is this the same person\?$/;
  }

  async sideBySide(): Promise<string[][]> {
    const rows = await this.page.locator('[data-testid="side-by-side"] tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('th, td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())));
  }

  async waterfall(): Promise<string[][]> {
    const rows = await this.page.locator('[data-testid="waterfall"] tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('th, td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())));
  }

  async reject(reason: string): Promise<void> {
    await this.page.getByLabel('Why not (optional)').fill(reason);
    await this.page.getByRole('button', { name: 'Reject match' }).click();
  }

  async confirm(): Promise<void> {
    await this.page.getByRole('button', { name: 'Confirm match' }).click();
  }
}

/** The agency records linked to one person, each of which can be unlinked. */
export class LinkedRecordsPage extends BasePage {
  expectedHeading() {
    return /^Agency records linked to /;
  }

  async rows(): Promise<string[][]> {
    const rows = await this.page.locator('[data-testid="linked-records"] tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())));
  }
}
