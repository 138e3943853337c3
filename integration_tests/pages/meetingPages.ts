import { expect } from 'vitest';
import { BasePage } from './page.ts';

const CASE_REFERENCE = /^[A-Z]+-\d{4}-\d{6}$/;

async function titleOf(page: BasePage['page']): Promise<string> {
  return (await page.title()).split(' – ')[0]!.replace(/^Error:\s*/, '').trim();
}

async function fillDate(page: BasePage['page'], field: string, isoDate: string): Promise<void> {
  const [year, month, day] = isoDate.split('-');
  await page.locator(`#${field}-day`).fill(String(Number(day)));
  await page.locator(`#${field}-month`).fill(String(Number(month)));
  await page.locator(`#${field}-year`).fill(year!);
}

/** A case's "Multi-agency meetings" page: where it is waiting, and the form to flag it. */
export class CaseMeetingsPage extends BasePage {
  expectedHeading() {
    return CASE_REFERENCE;
  }

  override async checkOnPage(): Promise<void> {
    expect(await titleOf(this.page)).toBe('Multi-agency meetings');
    await super.checkOnPage();
  }

  async flag(series: string | undefined, reason: string): Promise<void> {
    if (series) await this.page.getByLabel('Meeting', { exact: true }).selectOption({ label: series });
    await this.page.getByLabel('Why should it be discussed?').fill(reason);
    await this.page.getByRole('button', { name: 'Flag for the next meeting' }).click();
  }

  async waiting(): Promise<string[]> {
    return (await this.page.getByTestId('open-flags').locator('li').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
  }
}

export class MeetingsPage extends BasePage {
  expectedHeading() {
    return /^Multi-agency meetings$/;
  }

  async openNextMeeting(series: string): Promise<void> {
    await this.page.getByRole('row', { name: new RegExp(series) }).locator('td').nth(2).getByRole('link').click();
  }
}

/** One meeting: the confidentiality statement until it is accepted, then the agenda. */
export class MeetingPage extends BasePage {
  expectedHeading() {
    return /, \d{1,2} \w+ \d{4}$/;
  }

  async statement(): Promise<string> {
    return ((await this.page.locator('.govuk-inset-text').textContent()) ?? '').trim();
  }

  async accept(tick = true): Promise<void> {
    if (tick) await this.page.getByLabel('I accept the confidentiality statement').check();
    await this.page.getByRole('button', { name: 'Continue to the agenda' }).click();
  }

  async agendaReferences(): Promise<string[]> {
    return (await this.page.getByTestId('agenda-item').locator('h3').allTextContents()).map((text) => text.split(' – ')[0]!.trim());
  }

  async recordMinutesFor(reference: string): Promise<void> {
    await this.page.getByRole('link', { name: `Record minutes and actions ${reference}` }).click();
  }

  async openPack(): Promise<void> {
    await this.page.getByRole('link', { name: 'Print the meeting pack' }).click();
  }

  async banner(): Promise<string> {
    return ((await this.page.locator('.govuk-notification-banner').first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }
}

export interface MinutesDetails {
  minutes: string;
  actionTitle?: string;
  agency?: string;
  dueDate?: string;
}

export class MinutesPage extends BasePage {
  expectedHeading() {
    return CASE_REFERENCE;
  }

  override async checkOnPage(): Promise<void> {
    expect(await titleOf(this.page)).toMatch(/^Minutes for [A-Z]+-\d{4}-\d{6}$/);
    await super.checkOnPage();
  }

  async fill(details: MinutesDetails): Promise<void> {
    await this.page.getByLabel('Minutes for this case').fill(details.minutes);
    if (details.actionTitle !== undefined) await this.page.getByLabel('Action', { exact: true }).fill(details.actionTitle);
    if (details.agency) await this.page.getByLabel('Agency responsible').selectOption({ label: details.agency });
    if (details.dueDate) await fillDate(this.page, 'actionDueDate', details.dueDate);
  }

  async save(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save the minutes' }).click();
  }

  async typedMinutes(): Promise<string> {
    return this.page.getByLabel('Minutes for this case').inputValue();
  }
}

export class MeetingPackPage extends BasePage {
  expectedHeading() {
    return /^Meeting pack: /;
  }

  async hiddenNote(): Promise<string | null> {
    const note = this.page.getByTestId('hidden-cases');
    return (await note.count()) ? ((await note.textContent()) ?? '').trim() : null;
  }
}
