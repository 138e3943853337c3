import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, londonToday } from '../server/shared/dates.ts';
import { createOrganisation, createUser, totpCode } from '../test/factories/index.ts';
import { HomePage, SignInPage, VerifyPage } from './pages/authPages.ts';
import {
  ApplicantNamePage,
  ApplyingForPage,
  CaseReviewApplicationPage,
  CaseReviewQueuePage,
  CaseReviewStartPage,
  CaseReviewStatisticsPage,
  CheckAnswersPage,
  ConfirmationPage,
  ContactPage,
  HatePage,
  ImpactPage,
  IncidentPage,
  IncidentsPage,
  LocationPage,
  MeetingPage,
  OutcomeLetterPage,
  OutcomePage,
  ProblemPage,
  RecommendationPage,
  ThresholdDecisionPage,
  TrackingPage,
  VulnerabilityPage,
} from './pages/caseReviewPages.ts';
import { type BrowserHarness, expectAccessible, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

describe('a member of the public asks for an ASB Case Review (browser, keyboard only)', { timeout: 180_000 }, () => {
  it('completes the application with Tab, typing, Space, arrows and Enter, and gets a reference; every page passes axe', async () => {
    await applyWithKeyboard(await harness.newPage(), 'sian@example.org');
  });

  it('works the same with JavaScript turned off', async () => {
    await applyWithKeyboard(await harness.newPage({ javaScriptEnabled: false }), 'sian-nojs@example.org');
  });
});

/** The whole public journey with the keyboard alone, from the sign-in page's link to the tracking page. */
async function applyWithKeyboard(page: Page, email: string): Promise<void> {
  await page.goto('/sign-in');
  await SignInPage.verifyOnPage(page);
  await new CaseReviewStartPage(page).tabTo('a[href="/asb-case-review"]');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);

  const start = await CaseReviewStartPage.verifyOnPage(page);
  await start.tabTo('a.govuk-button--start');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);

  // Sending nothing shows the error summary, which is itself accessible.
  const applyingFor = await ApplyingForPage.verifyOnPage(page);
  await applyingFor.continue();
  expect(await applyingFor.errorSummary()).toContain('Select whether you are applying for yourself or for someone else');
  await expectAccessible(page);
  await applyingFor.chooseRadio('applyingFor', 0);
  await applyingFor.continue();

  const name = await ApplicantNamePage.verifyOnPage(page);
  await name.typeInto('#applicantName', 'Siân Roberts');
  await name.continue();

  const contact = await ContactPage.verifyOnPage(page);
  await contact.typeInto('#email', email);
  await contact.continue();

  const problem = await ProblemPage.verifyOnPage(page);
  await problem.typeInto('#problemDescription', 'Motorbikes are ridden across the green late at night.');
  await problem.continue();

  const location = await LocationPage.verifyOnPage(page);
  await location.typeInto('#problemLocation', 'Heaton Park Road');
  await location.continue();

  for (const [number, days] of [[1, 5], [2, 30], [3, 60]] as const) {
    const incident = await IncidentPage.verifyOnPage(page);
    if (number === 1) {
      // An impossible date first: the error is shown and what was typed is kept.
      await incident.typeDate('occurredOn', '2026-02-31');
      await incident.typeInto('#description', 'Bikes on the green');
      await incident.tick('input[name="reportedTo"][value="council"]');
      await incident.continue();
      expect(await incident.errorSummary()).toContain('The date of the incident must be a real date');
      await expectAccessible(page);
      expect(await page.locator('#description').inputValue()).toBe('Bikes on the green');
      await incident.typeDate('occurredOn', addDays(londonToday(), -days));
    } else {
      await incident.typeDate('occurredOn', addDays(londonToday(), -days));
      await incident.typeInto('#description', `Bikes on the green (${number})`);
      await incident.tick('input[name="reportedTo"][value="police"]');
    }
    await incident.typeInto('#agencyReferences', `NB-${number}`);
    await incident.continue();
    const list = await IncidentsPage.verifyOnPage(page);
    await list.chooseRadio('addAnother', number < 3 ? 0 : 1);
    await list.continue();
  }

  const impact = await ImpactPage.verifyOnPage(page);
  await impact.typeInto('#impact', 'My children cannot sleep.');
  await impact.continue();

  const vulnerability = await VulnerabilityPage.verifyOnPage(page);
  await vulnerability.chooseRadio('vulnerable', 1);
  await vulnerability.continue();

  const hate = await HatePage.verifyOnPage(page);
  await hate.chooseRadio('hateMotivated', 1);
  await hate.continue();

  const check = await CheckAnswersPage.verifyOnPage(page);
  expect(await page.locator('main').textContent()).toContain('Siân Roberts');
  await check.continue();

  const confirmation = await ConfirmationPage.verifyOnPage(page);
  const reference = await confirmation.reference();
  expect(reference).toMatch(/^CR-\d{4}-\d{6}$/);
  expect(await page.getByTestId('threshold').textContent()).toContain('appears to meet the threshold');
  await confirmation.tabTo('a[href*="/asb-case-review/track/"]');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  await TrackingPage.verifyOnPage(page);
  expect(await page.locator('main').textContent()).toContain(reference);

  const stored = await harness.testApp.database.db.selectFrom('case_review_applications').select(['applicant_name', 'status']).where('reference', '=', reference).executeTakeFirstOrThrow();
  expect(stored).toEqual({ applicant_name: 'Siân Roberts', status: 'received' });
}

describe('staff work an ASB Case Review to its outcome letter (browser)', { timeout: 180_000 }, () => {
  it('a case manager acknowledges, decides, arranges the meeting, adds a recommendation, records the outcome and sends the letter; every page passes axe', async () => {
    const council = await createOrganisation(harness.testApp, { name: 'Gateshead Council' });
    const manager = await createUser(harness.testApp, { role: 'case_manager', organisationId: council.id, name: 'Rhys Manager' });
    const today = londonToday();
    const sent = await harness.testApp.services.caseReviews.apply(
      {
        applyingFor: 'self', applicantName: 'Eira Hughes', victimName: null, relationship: null, email: 'eira@example.org', phone: null,
        problemDescription: 'Fireworks thrown at windows', problemLocation: 'Low Fell', impact: 'Frightened', vulnerable: false, vulnerabilityDetails: null, hateMotivated: 'no',
        incidents: [5, 25, 45].map((days) => ({ occurredOn: addDays(today, -days), reportedTo: ['council'], agencyReferences: null, description: 'Fireworks' })),
      },
      { ip: null, requestId: null, locale: 'en' },
    );
    const page = await harness.newPage();
    await page.goto('/sign-in');
    await (await SignInPage.verifyOnPage(page)).signIn(manager.user.email, manager.password);
    await (await VerifyPage.verifyOnPage(page)).enterCode(await totpCode(manager.totpSecret!));
    await HomePage.verifyOnPage(page);

    await page.getByRole('link', { name: 'Case reviews' }).click();
    await CaseReviewQueuePage.verifyOnPage(page);
    await page.getByRole('link', { name: sent.reference }).click();
    await CaseReviewApplicationPage.verifyOnPage(page);
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await expectAccessible(page);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Application acknowledged');

    await page.getByRole('button', { name: 'Record threshold decision' }).click();
    await ThresholdDecisionPage.verifyOnPage(page);
    await page.getByRole('button', { name: 'Save' }).click();
    await expectAccessible(page);
    await page.getByLabel('Threshold met').check();
    await page.getByRole('button', { name: 'Save' }).click();

    await page.getByRole('button', { name: 'Arrange case review meeting' }).click();
    await MeetingPage.verifyOnPage(page);
    const meetingDay = addDays(today, 14).split('-');
    await page.locator('#meetingDate-day').fill(String(Number(meetingDay[2])));
    await page.locator('#meetingDate-month').fill(String(Number(meetingDay[1])));
    await page.locator('#meetingDate-year').fill(meetingDay[0]!);
    await page.locator('#meetingTime').fill('10:00');
    await page.locator('#location').fill('Civic Centre, Room 2');
    await page.getByLabel('Gateshead Council').check();
    await page.getByRole('button', { name: 'Save' }).click();

    await page.getByRole('button', { name: 'Add recommendation' }).click();
    await RecommendationPage.verifyOnPage(page);
    await page.locator('#recommendation').fill('Patrols on bonfire night');
    await page.locator('#ownerOrganisationId').selectOption({ label: 'Gateshead Council' });
    const due = addDays(today, 30).split('-');
    await page.locator('#dueOn-day').fill(String(Number(due[2])));
    await page.locator('#dueOn-month').fill(String(Number(due[1])));
    await page.locator('#dueOn-year').fill(due[0]!);
    await page.getByRole('button', { name: 'Save' }).click();

    await page.getByRole('button', { name: 'Record outcome' }).click();
    await OutcomePage.verifyOnPage(page);
    await page.locator('#outcomeSummary').fill('Reports were not joined up between teams; a named officer now coordinates.');
    await page.getByRole('button', { name: 'Save' }).click();
    await CaseReviewApplicationPage.verifyOnPage(page);

    await page.getByRole('link', { name: 'Outcome letter' }).click();
    await OutcomeLetterPage.verifyOnPage(page);
    expect(await page.getByTestId('letter').textContent()).toContain('Patrols on bonfire night');
    // Printed, only the letter shows.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.govuk-service-navigation').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Send the letter to the applicant' }).isVisible()).toBe(false);
    expect(await page.getByTestId('letter').isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    await page.getByRole('button', { name: 'Send the letter to the applicant' }).click();
    await CaseReviewApplicationPage.verifyOnPage(page);
    expect(await page.locator('main').textContent()).toContain('Outcome sent');

    await page.goto('/case-reviews/statistics');
    await CaseReviewStatisticsPage.verifyOnPage(page);
  });
});
