import { BasePage } from './page.ts';

/** /admin/retention: the schedules and their history. */
export class RetentionPage extends BasePage {
  expectedHeading() {
    return /^Retention and legal holds$/;
  }

  async changeSchedule(recordType: string): Promise<void> {
    await this.page.getByRole('link', { name: `Change ${recordType}` }).click();
  }

  async scheduleRow(recordType: string): Promise<string> {
    return ((await this.page.locator('tbody tr', { has: this.page.getByRole('rowheader', { name: new RegExp(`^${recordType}`) }) }).textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }

  async openRuns(): Promise<void> {
    await this.page.getByRole('link', { name: 'Retention runs' }).click();
  }
}

/** One schedule's form. */
export class SchedulePage extends BasePage {
  expectedHeading() {
    return /^Retention schedule: /;
  }

  async fill(form: { number: string; unit: 'years' | 'months'; action: 'Anonymise' | 'Delete'; basis: string; reason: string }): Promise<void> {
    await this.page.getByLabel('Number').fill(form.number);
    await this.page.getByLabel('Unit').selectOption(form.unit);
    await this.page.getByRole('group', { name: 'What happens then' }).getByLabel(form.action, { exact: true }).check();
    await this.page.getByLabel('Lawful basis').selectOption({ label: form.basis });
    await this.page.getByLabel('Legal reason').fill(form.reason);
  }

  async save(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save schedule' }).click();
  }
}

/** /admin/retention/runs: the run history and the button that proposes one. */
export class RetentionRunsPage extends BasePage {
  expectedHeading() {
    return /^Retention runs$/;
  }

  async proposeRun(): Promise<void> {
    await this.page.getByRole('button', { name: 'Propose a run now' }).click();
  }
}

/** One run: what is due per record type, and the officer's decision. */
export class RetentionRunPage extends BasePage {
  expectedHeading() {
    return /^Retention run$/;
  }

  async count(kind: 'proposed' | 'deleted' | 'anonymised', recordType: string): Promise<number> {
    return Number(await this.page.locator(`[data-count="${kind}-${recordType}"]`).textContent());
  }

  async approve(): Promise<void> {
    await this.page.getByLabel('I have checked what is due and approve deleting or anonymising it').check();
    await this.page.getByRole('button', { name: 'Approve and carry out' }).click();
  }

  async pressApproveWithoutConfirming(): Promise<void> {
    await this.page.getByRole('button', { name: 'Approve and carry out' }).click();
  }
}
