import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { expectAccessible } from '../support/browser.ts';

/**
 * Page objects: each knows its heading, checks the browser is really on it (and that the page is
 * accessible) when constructed through `verifyOnPage`, and offers the actions a person takes there.
 */
export abstract class BasePage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  static async verifyOnPage<T extends BasePage>(this: new (page: Page) => T, page: Page): Promise<T> {
    const instance = new this(page);
    await instance.checkOnPage();
    return instance;
  }

  abstract expectedHeading(): RegExp;

  async checkOnPage(): Promise<void> {
    const heading = await this.page.locator('h1').first().textContent();
    expect(heading?.trim()).toMatch(this.expectedHeading());
    await expectAccessible(this.page);
  }

  async signOut(): Promise<void> {
    await this.page.getByTestId('sign-out').click();
  }

  /** The page's first summary list (or the rows of all of them) as key → value, whitespace collapsed. */
  async summaryList(which: 'first' | 'all' = 'first'): Promise<Record<string, string>> {
    const lists = which === 'first' ? this.page.locator('.govuk-summary-list').first() : this.page;
    const rows = await lists.locator('.govuk-summary-list__row').all();
    const pairs = await Promise.all(
      rows.map(async (row) => [
        ((await row.locator('.govuk-summary-list__key').textContent()) ?? '').trim(),
        ((await row.locator('.govuk-summary-list__value').textContent()) ?? '').replace(/\s+/g, ' ').trim(),
      ]),
    );
    return Object.fromEntries(pairs);
  }

  async errorSummary(): Promise<string> {
    return (await this.page.locator('.govuk-error-summary').textContent()) ?? '';
  }

  htmlLang(): Promise<string | null> {
    return this.page.locator('html').getAttribute('lang');
  }
}
