import { expect } from 'vitest';
import { CaseSectionPage } from './casePages.ts';
import { BasePage } from './page.ts';

const REFERRAL_REFERENCE = /^REF-\d{4}-\d{6}$/;

/** The case's Referrals tab: the referrals so far and the pathways to refer through. */
export class CaseReferralsPage extends CaseSectionPage {
  expectedTitle() {
    return /^Referrals$/;
  }

  async referViaPathway(name: string): Promise<void> {
    await this.page.getByRole('link', { name, exact: true }).click();
  }

  /** Each referral's row: reference, from, to, sent, status. */
  async rows(): Promise<string[][]> {
    const rows = await this.page.locator('main table tbody tr').all();
    return Promise.all(rows.map(async (row) => (await row.locator('td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())));
  }
}

/** The referral form inside a case, opened from a pathway. */
export class NewCaseReferralPage extends CaseSectionPage {
  expectedTitle() {
    return /^Refer: /;
  }

  async fill(form: {
    organisation?: string;
    answers?: Record<string, 'Yes' | 'No'>;
    urgency?: string;
    reason?: string;
    requested?: string;
    informationShared?: string;
    lawfulBasis?: string;
    consent?: string;
    consentReason?: string;
  }): Promise<void> {
    if (form.organisation) await this.page.getByLabel('Organisation to refer to').selectOption({ label: form.organisation });
    for (const [question, answer] of Object.entries(form.answers ?? {})) {
      await this.page.getByRole('group', { name: question }).getByLabel(answer, { exact: true }).check();
    }
    if (form.urgency) await this.page.getByRole('group', { name: 'Urgency' }).getByLabel(form.urgency, { exact: true }).check();
    if (form.reason) await this.page.getByLabel('Reason for the referral').fill(form.reason);
    if (form.requested) await this.page.getByLabel('What you are asking for').fill(form.requested);
    if (form.informationShared) await this.page.getByLabel('Information you are sharing').fill(form.informationShared);
    if (form.lawfulBasis) await this.page.getByRole('group', { name: 'Lawful basis for sharing' }).getByLabel(form.lawfulBasis).check();
    if (form.consent) await this.page.getByRole('group', { name: 'Consent' }).getByLabel(form.consent, { exact: true }).check();
    if (form.consentReason) await this.page.getByLabel('Why consent was refused or not sought').fill(form.consentReason);
  }

  async send(): Promise<void> {
    await this.page.getByRole('button', { name: 'Send referral' }).click();
  }

  async organisations(): Promise<string[]> {
    return (await this.page.getByLabel('Organisation to refer to').locator('option').allTextContents()).map((text) => text.trim());
  }
}

/** One referral: what was referred, its status, and the steps the user may take. */
export class ReferralPage extends BasePage {
  expectedHeading() {
    return REFERRAL_REFERENCE;
  }

  async reference(): Promise<string> {
    return ((await this.page.locator('h1').first().textContent()) ?? '').trim();
  }

  async status(): Promise<string> {
    return ((await this.page.locator('main .govuk-tag').first().textContent()) ?? '').trim();
  }

  async banner(): Promise<string> {
    return ((await this.page.locator('.govuk-notification-banner').textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }

  /** The summary list as key → value. */
  async details(): Promise<Record<string, string>> {
    return this.summaryList('all');
  }

  async acknowledge(): Promise<void> {
    await this.page.getByRole('button', { name: 'Acknowledge receipt' }).click();
  }

  async accept(): Promise<void> {
    await this.page.getByRole('button', { name: 'Accept referral' }).click();
  }

  async goToCase(): Promise<void> {
    await this.page.getByRole('link', { name: 'Go to the case' }).click();
  }
}

/** The receiving organisation's inbox. */
export class ReferralInboxPage extends BasePage {
  expectedHeading() {
    return /^Referrals$/;
  }

  override async checkOnPage(): Promise<void> {
    expect(((await this.page.title()).split(' – ')[0] ?? '').trim()).toBe('Inbox');
    await super.checkOnPage();
  }

  async references(): Promise<string[]> {
    return (await this.page.locator('[data-testid="referrals"] tbody tr td:first-child').allTextContents()).map((text) => text.trim());
  }

  async open(reference: string): Promise<void> {
    await this.page.getByRole('link', { name: reference, exact: true }).click();
  }
}
