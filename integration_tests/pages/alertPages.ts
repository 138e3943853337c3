import { BasePage } from './page.ts';

/** The alert triage queue. */
export class AlertListPage extends BasePage {
  expectedHeading() {
    return /^Alerts$/;
  }

  async rows(): Promise<string[][]> {
    const rows = await this.page.locator('[data-testid="alerts"] tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())));
  }

  async open(rule: string, subject: string): Promise<void> {
    await this.page.locator('[data-testid="alerts"] tbody tr', { hasText: subject }).getByRole('link', { name: rule }).click();
  }
}

/** One alert: why it fired, and the triage decisions. */
export class AlertPage extends BasePage {
  expectedHeading() {
    return /\S/;
  }

  async reason(): Promise<string> {
    return ((await this.page.getByTestId('alert-reason').textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }

  async evidenceRows(): Promise<string[][]> {
    const rows = await this.page.locator('[data-testid="evidence"] tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())));
  }

  async openCase(form: { caseType: string; priority: string }): Promise<void> {
    await this.page.getByText('Open a case from this alert').click();
    await this.page.getByLabel('Type of case').selectOption({ label: form.caseType });
    await this.page.getByRole('group', { name: 'Priority' }).getByLabel(form.priority, { exact: true }).check();
    await this.page.getByRole('button', { name: 'Open the case' }).click();
  }
}
