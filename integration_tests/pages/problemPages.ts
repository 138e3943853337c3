import type { Page } from 'playwright-core';
import { BasePage } from './page.ts';

/** Fills a GOV.UK date input inside the fieldset with the given legend. */
async function fillDate(page: Page, legend: string | RegExp, isoDate: string, nth = 0): Promise<void> {
  const [year, month, day] = isoDate.split('-');
  const group = page.getByRole('group', { name: legend }).nth(nth);
  await group.getByLabel('Day').fill(String(Number(day)));
  await group.getByLabel('Month').fill(String(Number(month)));
  await group.getByLabel('Year').fill(year!);
}

export class NewProblemPage extends BasePage {
  expectedHeading() {
    return /^Create a problem$/;
  }

  async targetArea(): Promise<{ latitude: string; longitude: string; radius: string }> {
    return {
      latitude: await this.page.getByLabel('Latitude').inputValue(),
      longitude: await this.page.getByLabel('Longitude').inputValue(),
      radius: await this.page.getByLabel('Radius').inputValue(),
    };
  }

  async create(title: string): Promise<void> {
    await this.page.getByLabel('Title').fill(title);
    await this.page.getByRole('button', { name: 'Create problem' }).click();
  }
}

export class ProblemPage extends BasePage {
  expectedHeading() {
    return /.+/;
  }

  async reference(): Promise<string> {
    return ((await this.page.locator('.govuk-caption-l').first().textContent()) ?? '').trim();
  }

  async stage(): Promise<string> {
    return ((await this.page.getByTestId('stage').textContent()) ?? '').trim();
  }

  async banner(): Promise<string> {
    return ((await this.page.locator('.govuk-notification-banner').textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }

  async change(section: string): Promise<void> {
    await this.page.getByRole('link', { name: `Change ${section}`, exact: true }).click();
  }

  async follow(link: string): Promise<void> {
    await this.page.getByRole('link', { name: link, exact: true }).first().click();
  }

  async move(button: string | RegExp): Promise<void> {
    await this.page.getByRole('button', { name: button }).click();
  }

  async responses(): Promise<string[][]> {
    const rows = await this.page.getByTestId('responses').locator('tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allTextContents()).slice(0, 2).map((cell) => cell.replace(/\s+/g, ' ').trim())));
  }

  async assessment(): Promise<string> {
    return ((await this.page.getByTestId('assessment').first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }
}

export class ProblemStagePage extends BasePage {
  expectedHeading() {
    return /^(Objective|Scanning|Analysis|Add a response|Record an assessment)$/;
  }

  async fill(fields: Record<string, string>): Promise<void> {
    for (const [label, value] of Object.entries(fields)) await this.page.getByLabel(label, { exact: true }).fill(value);
  }

  async fillIn(group: string, fields: Record<string, string>): Promise<void> {
    for (const [label, value] of Object.entries(fields)) await this.page.getByRole('group', { name: group }).getByLabel(label, { exact: true }).fill(value);
  }

  async select(label: string, option: string | RegExp): Promise<void> {
    const select = this.page.getByLabel(label, { exact: true });
    const options = await select.locator('option').allTextContents();
    const wanted = options.find((text) => (typeof option === 'string' ? text === option : option.test(text)));
    await select.selectOption({ label: wanted ?? String(option) });
  }

  async date(legend: string | RegExp, isoDate: string, nth = 0): Promise<void> {
    await fillDate(this.page, legend, isoDate, nth);
  }

  async save(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save' }).click();
  }
}

export class ProblemReportPage extends BasePage {
  expectedHeading() {
    return /.+/;
  }
}
