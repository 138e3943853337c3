import { expect } from 'vitest';
import { BasePage } from './page.ts';

/**
 * The public ASB Case Review form, driven with the keyboard only: Tab moves focus (checked
 * through document.activeElement, never by clicking), typing fills the focused field, Space
 * ticks a radio or checkbox, arrow keys move within a radio group and Enter submits or follows.
 */
export class KeyboardPage extends BasePage {
  expectedHeading(): RegExp {
    return /.*/;
  }

  /** Presses Tab until the element matching `selector` has focus. */
  async tabTo(selector: string): Promise<void> {
    for (let presses = 0; presses < 80; presses += 1) {
      if ((await this.page.locator(`${selector}:focus`).count()) > 0) return;
      await this.page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${selector} on ${this.page.url()}`);
  }

  async typeInto(selector: string, text: string): Promise<void> {
    await this.tabTo(selector);
    await this.page.keyboard.type(text);
  }

  /** Focuses a radio group's first option with Tab, then moves down to the wanted one (arrows select as they move). */
  async chooseRadio(name: string, position: number): Promise<void> {
    await this.tabTo(`input[type=radio][name="${name}"]`);
    if (position === 0) await this.page.keyboard.press('Space');
    for (let step = 0; step < position; step += 1) await this.page.keyboard.press('ArrowDown');
    expect(await this.page.locator(`input[type=radio][name="${name}"]:checked`).count()).toBe(1);
  }

  async tick(selector: string): Promise<void> {
    await this.tabTo(selector);
    await this.page.keyboard.press('Space');
  }

  /** The page's main (not secondary) button, pressed with Enter; waits for the next page. */
  async continue(): Promise<void> {
    await this.tabTo('main button.govuk-button:not(.govuk-button--secondary)');
    await Promise.all([this.page.waitForNavigation(), this.page.keyboard.press('Enter')]);
  }

  /** Types a date into the three boxes, replacing whatever they held (Control+A selects a box's text). */
  async typeDate(field: string, isoDate: string): Promise<void> {
    const [year, month, day] = isoDate.split('-');
    await this.tabTo(`#${field}-day`);
    for (const [index, part] of [String(Number(day)), String(Number(month)), year!].entries()) {
      if (index > 0) await this.page.keyboard.press('Tab');
      await this.page.keyboard.press('Control+A');
      await this.page.keyboard.type(part);
    }
  }
}

function pageWithHeading(heading: RegExp) {
  return class extends KeyboardPage {
    override expectedHeading(): RegExp {
      return heading;
    }
  };
}

export const CaseReviewStartPage = pageWithHeading(/^Ask for an ASB Case Review$/);
export const ApplyingForPage = pageWithHeading(/^Are you applying for yourself or for someone else\?$/);
export const ApplicantNamePage = pageWithHeading(/^What is your name\?$/);
export const ContactPage = pageWithHeading(/^How can we contact you\?$/);
export const ProblemPage = pageWithHeading(/^What is the anti-social behaviour\?$/);
export const LocationPage = pageWithHeading(/^Where is it happening\?$/);
export const IncidentPage = pageWithHeading(/^Incident \d+$/);
export const IncidentsPage = pageWithHeading(/^You have added \d+ incidents?$/);
export const ImpactPage = pageWithHeading(/^How has it affected you/);
export const VulnerabilityPage = pageWithHeading(/^Is the person affected vulnerable\?$/);
export const HatePage = pageWithHeading(/^Do you think any of it was motivated by hate\?$/);
export const CheckAnswersPage = pageWithHeading(/^Check your answers before sending your application$/);

export class ConfirmationPage extends KeyboardPage {
  override expectedHeading(): RegExp {
    return /^Application sent/;
  }

  async reference(): Promise<string> {
    return ((await this.page.getByTestId('reference').textContent()) ?? '').trim();
  }
}

export const TrackingPage = pageWithHeading(/^Your ASB Case Review application$/);


// Staff pages ------------------------------------------------------------------------------------

export const CaseReviewQueuePage = pageWithHeading(/^ASB Case Reviews$/);
export const CaseReviewApplicationPage = pageWithHeading(/^CR-\d{4}-\d{6}$/);
export const ThresholdDecisionPage = pageWithHeading(/^Threshold decision$/);
export const MeetingPage = pageWithHeading(/^Arrange the case review meeting$/);
export const RecommendationPage = pageWithHeading(/^Add a recommendation$/);
export const OutcomePage = pageWithHeading(/^Outcome of the review$/);
export const OutcomeLetterPage = pageWithHeading(/^Outcome letter for CR-\d{4}-\d{6}$/);
export const CaseReviewSettingsPage = pageWithHeading(/^ASB Case Review settings$/);
export const CaseReviewStatisticsPage = pageWithHeading(/^ASB Case Review statistics$/);
