import { expect } from 'vitest';
import { BasePage } from './page.ts';

/** A case reference as the app makes them, e.g. DA-2026-000001. */
const CASE_REFERENCE = /^[A-Z]+-\d{4}-\d{6}$/;

/** Text of the page's `<title>` before its first " – ", without the "Error:" prefix. */
async function titleOf(page: BasePage['page']): Promise<string> {
  return (await page.title()).split(' – ')[0]!.replace(/^Error:\s*/, '').trim();
}

/** The GOV.UK date input's three boxes, from an ISO date. */
async function fillDate(page: BasePage['page'], field: string, isoDate: string): Promise<void> {
  const [year, month, day] = isoDate.split('-');
  await page.locator(`#${field}-day`).fill(String(Number(day)));
  await page.locator(`#${field}-month`).fill(String(Number(month)));
  await page.locator(`#${field}-year`).fill(year!);
}

/**
 * Where each link in the error summary leads: the tag and type of the element it names, so that
 * a test can check that every link takes the person to a box or choice they can fix.
 */
export async function errorSummaryTargets(page: BasePage['page']): Promise<string[]> {
  const hrefs = await page.locator('.govuk-error-summary a').evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
  return Promise.all(
    hrefs.map(async (href) => {
      const target = page.locator(`[id="${href.replace(/^#/, '')}"]`);
      if ((await target.count()) !== 1) return `${href}: missing`;
      return target.evaluate((element) => `${element.tagName.toLowerCase()}${element.getAttribute('type') ? `[${element.getAttribute('type')}]` : ''}`);
    }),
  );
}

export class CaseListPage extends BasePage {
  expectedHeading() {
    return /^Cases$/;
  }

  async openNewCase(): Promise<void> {
    await this.page.getByRole('button', { name: 'Open a case' }).click();
  }

  async references(): Promise<string[]> {
    return (await this.page.locator('tbody tr td:first-child, tbody tr th:first-child').allTextContents()).map((text) => text.trim());
  }

  async openCase(reference: string): Promise<void> {
    await this.page.getByRole('link', { name: reference, exact: true }).click();
  }
}

export class ActionsDuePage extends BasePage {
  expectedHeading() {
    return /^Cases$/;
  }

  override async checkOnPage(): Promise<void> {
    expect(await titleOf(this.page)).toBe('Actions due');
    await super.checkOnPage();
  }

  /** Each row as its cells' text: reference, action, officer, due date, status. */
  async rows(): Promise<string[][]> {
    const rows = await this.page.locator('tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())));
  }
}

export interface NewCaseDetails {
  caseType: string;
  priority: string;
  summary: string;
  area?: string;
}

export class NewCasePage extends BasePage {
  expectedHeading() {
    return /^Open a case$/;
  }

  async fill(details: Partial<NewCaseDetails>): Promise<void> {
    if (details.caseType) await this.page.getByLabel(details.caseType, { exact: true }).check();
    if (details.priority) await this.page.getByRole('group', { name: 'Priority' }).getByLabel(details.priority, { exact: true }).check();
    if (details.summary !== undefined) await this.page.locator('#summary').fill(details.summary);
    if (details.area !== undefined) await this.page.locator('#area').fill(details.area);
  }

  async submit(): Promise<void> {
    await this.page.getByRole('button', { name: 'Open the case' }).click();
  }

  summary(): Promise<string> {
    return this.page.locator('#summary').inputValue();
  }

  area(): Promise<string> {
    return this.page.locator('#area').inputValue();
  }

  checkedPriority(): Promise<string | null> {
    return this.page.locator('input[name=priority]:checked').getAttribute('value');
  }
}

/**
 * A page inside a case: its `<h1>` is the case reference and its `<title>` names the section.
 * Each subclass names the title it expects.
 */
export abstract class CaseSectionPage extends BasePage {
  expectedHeading() {
    return CASE_REFERENCE;
  }

  abstract expectedTitle(): RegExp;

  override async checkOnPage(): Promise<void> {
    expect(await titleOf(this.page)).toMatch(this.expectedTitle());
    await super.checkOnPage();
  }

  async reference(): Promise<string> {
    return ((await this.page.locator('h1').first().textContent()) ?? '').trim();
  }

  /** The case's id, from the address of any page inside it. */
  caseId(): string {
    const match = /\/cases\/([0-9a-f-]{36})/.exec(this.page.url());
    if (!match) throw new Error(`Not on a case page: ${this.page.url()}`);
    return match[1]!;
  }

  /** The status, priority and risk tags under the reference. */
  async tags(): Promise<string[]> {
    return (await this.page.locator('main .govuk-tag').first().locator('xpath=..').locator('.govuk-tag').allTextContents()).map((text) => text.trim());
  }

  async openTab(name: 'Overview' | 'People and places' | 'Risk' | 'Actions' | 'Timeline and notes' | 'Agencies' | 'Referrals'): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Case sections' }).getByRole('link', { name, exact: true }).click();
  }

  async banner(): Promise<string> {
    return ((await this.page.locator('.govuk-notification-banner').first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }
}

export class CaseOverviewPage extends CaseSectionPage {
  expectedTitle() {
    return CASE_REFERENCE;
  }

  /** The "Case details" summary list as key → value. */
  async details(): Promise<Record<string, string>> {
    return this.summaryList('all');
  }

  async changeStatus(): Promise<void> {
    await this.page.getByRole('button', { name: 'Change the status' }).click();
  }
}

export class CasePeoplePage extends CaseSectionPage {
  expectedTitle() {
    return /^People$/;
  }

  async addNewPerson(): Promise<void> {
    await this.page.getByRole('button', { name: 'Add a new person' }).click();
  }

  async addPlace(): Promise<void> {
    await this.page.getByRole('button', { name: 'Add a place' }).click();
  }

  async search(name: string): Promise<void> {
    await this.page.getByRole('searchbox', { name: 'Name' }).fill(name);
    await this.page.getByRole('button', { name: 'Search', exact: true }).click();
  }

  /** Links someone the search found, as `role` (or without choosing one, when left out). */
  async link(name: string, role?: string): Promise<void> {
    const candidate = this.page.locator('main form', { hasText: name }).filter({ has: this.page.getByRole('button', { name: 'Link to this case' }) });
    if (role) await candidate.getByLabel(role, { exact: true }).check();
    await candidate.getByRole('button', { name: 'Link to this case' }).click();
  }

  async candidates(): Promise<string[]> {
    return (await this.page.locator('main form p.govuk-body').allTextContents()).map((text) => text.trim());
  }

  /** Linked people as "Name – role". */
  async people(): Promise<string[]> {
    const rows = await this.page.locator('table tbody tr').all();
    return Promise.all(rows.map(async (row) => `${((await row.locator('td').nth(0).textContent()) ?? '').trim()} – ${((await row.locator('td').nth(1).textContent()) ?? '').trim()}`));
  }

  async places(): Promise<string[]> {
    return (await this.page.locator('h2:has-text("Places") + ul li').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
  }
}

export interface PersonDetails {
  role: string;
  givenName: string;
  familyName: string;
  dateOfBirth?: string;
  gender?: string;
  phone?: string;
}

export class NewPersonPage extends CaseSectionPage {
  expectedTitle() {
    return /^Add a person to the case$/;
  }

  async fill(person: PersonDetails): Promise<void> {
    await this.page.getByRole('group', { name: 'Their part in the case' }).getByLabel(person.role, { exact: true }).check();
    await this.page.locator('#givenName').fill(person.givenName);
    await this.page.locator('#familyName').fill(person.familyName);
    if (person.dateOfBirth) await fillDate(this.page, 'dateOfBirth', person.dateOfBirth);
    if (person.gender) await this.page.locator('#gender').selectOption({ label: person.gender });
    if (person.phone) await this.page.locator('#phone').fill(person.phone);
  }

  async submit(): Promise<void> {
    await this.page.getByRole('button', { name: 'Add to the case' }).click();
  }

  /** What the form holds now, as the person sees it. */
  async typed(): Promise<Record<string, string | null>> {
    const value = (selector: string) => this.page.locator(selector).inputValue();
    return {
      role: await this.page.locator('input[name=role]:checked').getAttribute('value'),
      givenName: await value('#givenName'),
      familyName: await value('#familyName'),
      dateOfBirth: `${await value('#dateOfBirth-year')}-${await value('#dateOfBirth-month')}-${await value('#dateOfBirth-day')}`,
      phone: await value('#phone'),
    };
  }
}

export interface PlaceDetails {
  addressLine1: string;
  town?: string;
  postcode?: string;
  locationType: string;
  area?: string;
}

export class NewLocationPage extends CaseSectionPage {
  expectedTitle() {
    return /^Add a place to the case$/;
  }

  async fill(place: PlaceDetails): Promise<void> {
    await this.page.locator('#addressLine1').fill(place.addressLine1);
    if (place.town) await this.page.locator('#town').fill(place.town);
    if (place.postcode) await this.page.locator('#postcode').fill(place.postcode);
    await this.page.getByRole('group', { name: 'Type of place' }).getByLabel(place.locationType, { exact: true }).check();
    if (place.area) await this.page.locator('#area').fill(place.area);
  }

  async submit(): Promise<void> {
    await this.page.getByRole('button', { name: 'Add the place' }).click();
  }
}

export class RiskPage extends CaseSectionPage {
  expectedTitle() {
    return /^Risk$/;
  }

  async start(instrument: string): Promise<void> {
    await this.page.getByRole('button', { name: `Start: ${instrument}` }).click();
  }

  /** The history table's rows as cell texts. */
  async history(): Promise<string[][]> {
    const rows = await this.page.getByTestId('risk-history').locator('tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())));
  }

  highRiskPrompt() {
    return this.page.getByTestId('high-risk-prompt');
  }
}

export class RiskAssessmentFormPage extends CaseSectionPage {
  expectedTitle() {
    return /^New assessment: /;
  }

  /** Answers every yes/no question on the form: the first `yesCount` "Yes", the rest "No". */
  async answerYesToFirst(yesCount: number): Promise<void> {
    const groups = await this.page.locator('form .govuk-radios').all();
    let index = 0;
    for (const group of groups) {
      const answer = index < yesCount ? 'yes' : 'no';
      await group.locator(`input[type=radio][value=${answer}]`).check();
      index += 1;
    }
  }

  questionCount(): Promise<number> {
    return this.page.locator('form .govuk-radios').count();
  }

  async submit(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save the assessment' }).click();
  }
}

export class RiskResultPage extends CaseSectionPage {
  expectedTitle() {
    return /^Risk assessment$/;
  }

  /** The result's summary list (the first one) as key → value. */
  async result(): Promise<Record<string, string>> {
    return this.summaryList('first');
  }

  highRiskPrompt() {
    return this.page.getByTestId('high-risk-prompt');
  }
}

export class AgenciesPage extends CaseSectionPage {
  expectedTitle() {
    return /^Agencies involved$/;
  }

  async add(organisation: string): Promise<void> {
    await this.page.locator('#organisationId').selectOption({ label: organisation });
    await this.page.getByRole('button', { name: 'Add agency' }).click();
  }

  async agencies(): Promise<string[]> {
    return (await this.page.locator('table tbody tr td:first-child').allTextContents()).map((text) => text.trim());
  }
}

export class ActionPlanPage extends CaseSectionPage {
  expectedTitle() {
    return /^Action plan$/;
  }

  async addAction(): Promise<void> {
    await this.page.getByRole('button', { name: 'Add an action' }).click();
  }

  /** The plan's rows as cell texts: action, owner agency, owner officer, due date, status. */
  async actions(): Promise<string[][]> {
    const table = this.page.locator('table', { has: this.page.locator('caption', { hasText: 'Action plan' }) });
    const rows = await table.locator('tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())));
  }
}

export interface ActionDetails {
  title: string;
  description?: string;
  ownerAgency: string;
  ownerOfficer?: string;
  dueDate: string;
}

export class NewActionPage extends CaseSectionPage {
  expectedTitle() {
    return /^Add an action$/;
  }

  async fill(action: ActionDetails): Promise<void> {
    await this.page.locator('#title').fill(action.title);
    if (action.description) await this.page.locator('#description').fill(action.description);
    await this.page.locator('#ownerOrganisationId').selectOption({ label: action.ownerAgency });
    if (action.ownerOfficer) await this.page.locator('#ownerUserId').selectOption({ label: `${action.ownerOfficer} (${action.ownerAgency})` });
    await fillDate(this.page, 'dueDate', action.dueDate);
  }

  async submit(): Promise<void> {
    await this.page.getByRole('button', { name: 'Add the action' }).click();
  }
}

export class CaseStatusPage extends CaseSectionPage {
  expectedTitle() {
    return /^Change the status$/;
  }

  async choose(transition: string): Promise<void> {
    await this.page.getByLabel(transition, { exact: true }).check();
  }

  async close(outcome: string, reason: string): Promise<void> {
    await this.choose('Close the case');
    await this.page.getByRole('group', { name: 'Outcome' }).getByLabel(outcome, { exact: true }).check();
    await this.page.locator('#closureReason').fill(reason);
  }

  async save(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save' }).click();
  }

  async transitions(): Promise<string[]> {
    return (await this.page.locator('input[name=transition] + label').allTextContents()).map((text) => text.trim());
  }
}
