import { BasePage } from './page.ts';

export class GovernanceDashboardPage extends BasePage {
  expectedHeading() {
    return /Partnership priorities/;
  }

  async followSignLink(): Promise<void> {
    await this.page.getByRole('link', { name: 'Read and sign it' }).click();
  }
}

export class AgreementPage extends BasePage {
  expectedHeading() {
    return /Community Safety Agreement/;
  }

  async sign(jobTitle: string): Promise<void> {
    await this.page.getByLabel('Your job title').fill(jobTitle);
    await this.page.getByRole('checkbox').check();
    await this.page.getByRole('button', { name: 'Sign the agreement' }).click();
  }

  async signatories(): Promise<string[]> {
    return (await this.page.getByTestId('signatories').locator('tbody tr td:first-child').allTextContents()).map((text) => text.trim());
  }

  async awaiting(): Promise<string[]> {
    if ((await this.page.getByTestId('awaiting').count()) === 0) return [];
    return (await this.page.getByTestId('awaiting').locator('li').allTextContents()).map((text) => text.trim());
  }

  async banner(): Promise<string> {
    return ((await this.page.locator('.govuk-notification-banner').textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }
}

export class TransparencyPage extends BasePage {
  expectedHeading() {
    return /Community safety: what we do and how we are doing|Diogelwch cymunedol|Keselamatan komuniti/;
  }
}
