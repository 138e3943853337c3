import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../server/shared/actor.ts';
import { addDays, londonToday } from '../server/shared/dates.ts';
import type { Role } from '../server/shared/permissions.ts';
import type { CurrentUser } from '../server/types.ts';
import { createOrganisation, createUser } from '../test/factories/index.ts';
import { createSharingAgreement } from '../test/factories/sharingAgreements.ts';
import { SignedOutPage, signInThroughPages } from './pages/authPages.ts';
import {
  ActionPlanPage,
  ActionsDuePage,
  AgenciesPage,
  CaseListPage,
  CaseOverviewPage,
  CasePeoplePage,
  CaseStatusPage,
  errorSummaryTargets,
  NewActionPage,
  NewCasePage,
  NewLocationPage,
  NewPersonPage,
  RiskAssessmentFormPage,
  RiskPage,
  RiskResultPage,
} from './pages/casePages.ts';
import { type BrowserHarness, expectAccessible, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

async function signOut(page: Page): Promise<void> {
  await page.getByTestId('sign-out').click();
  await SignedOutPage.verifyOnPage(page);
}

describe('working a case across two agencies (browser)', { timeout: 240_000 }, () => {
  it('a case manager opens a case, adds people, a place, a Dash assessment, a partner agency and its action; the partner sees it; the case is closed', async () => {
    const council = await createOrganisation(harness.testApp, { name: 'Newcastle City Council', type: 'district_borough_council' });
    const housing = await createOrganisation(harness.testApp, { name: 'Tyneside Homes', type: 'housing_provider' });
    await createSharingAgreement(harness.testApp, [council.id, housing.id]);
    const lead = await createUser(harness.testApp, { role: 'case_manager', organisationId: council.id, name: 'Aisha Rahman' });
    const partner = await createUser(harness.testApp, { role: 'case_worker', organisationId: housing.id, name: 'Tom Walker' });
    const page = await harness.newPage();

    // 1. Open a case; the empty form is refused with the error summary, keeping what was typed.
    await signInThroughPages(page, lead);
    await page.getByRole('link', { name: 'Open a case' }).click();
    const newCase = await NewCasePage.verifyOnPage(page);
    await newCase.fill({ area: 'Byker ward' });
    await newCase.submit();
    await NewCasePage.verifyOnPage(page);
    const caseErrors = await newCase.errorSummary();
    expect(caseErrors).toContain('Select the type of case');
    expect(caseErrors).toContain('Enter a summary of the case');
    expect(await page.locator('.govuk-error-summary').count()).toBe(1);
    expect(await errorSummaryTargets(page)).toEqual(['input[radio]', 'textarea']);
    expect(await newCase.area()).toBe('Byker ward');
    expect(await newCase.checkedPriority()).toBe('medium');
    expect(await page.title()).toMatch(/^Error: /);
    await newCase.fill({ caseType: 'Domestic abuse', priority: 'Medium', summary: 'Repeated abuse reported by a tenant; neighbours have called the police twice this month.' });
    await newCase.submit();
    const overview = await CaseOverviewPage.verifyOnPage(page);
    const reference = await overview.reference();
    expect(reference).toMatch(/^DA-\d{4}-\d{6}$/);
    expect(await overview.banner()).toContain(`Case ${reference} opened`);
    expect(await overview.tags()).toEqual(['Open', 'Medium priority']);
    const details = await overview.details();
    expect(details['Type of case']).toBe('Domestic abuse');
    expect(details['Area (ward or district)']).toBe('Byker ward');
    expect(details['Lead officer']).toBe('Aisha Rahman');
    expect(details['Risk level']).toBe('Not assessed yet');

    // 2. A new person (a future date of birth is refused, keeping what was typed) and a place.
    await overview.openTab('People and places');
    await (await CasePeoplePage.verifyOnPage(page)).addNewPerson();
    const newPerson = await NewPersonPage.verifyOnPage(page);
    const nextYear = Number(londonToday().slice(0, 4)) + 1;
    await newPerson.fill({ role: 'Victim', givenName: 'Laura', familyName: 'Chen', dateOfBirth: `${nextYear}-03-14`, phone: '0191 496 0123' });
    await newPerson.submit();
    await NewPersonPage.verifyOnPage(page);
    expect(await newPerson.errorSummary()).toContain('Date of birth must be in the past');
    expect(await page.locator('.govuk-error-summary').count()).toBe(1);
    expect(await errorSummaryTargets(page)).toEqual(['input[text]']);
    expect(await newPerson.typed()).toEqual({ role: 'victim', givenName: 'Laura', familyName: 'Chen', dateOfBirth: `${nextYear}-3-14`, phone: '0191 496 0123' });
    await page.locator('#dateOfBirth-year').fill('1991');
    await newPerson.submit();
    const people = await CasePeoplePage.verifyOnPage(page);
    expect(await people.banner()).toContain('Laura Chen added to the case');
    expect(await people.people()).toEqual(['Laura Chen – Victim']);

    await people.addPlace();
    const newPlace = await NewLocationPage.verifyOnPage(page);
    await newPlace.fill({ addressLine1: '14 Raby Street', town: 'Newcastle upon Tyne', postcode: 'ne6 1aa', locationType: 'Home', area: 'Byker' });
    await newPlace.submit();
    const withPlace = await CasePeoplePage.verifyOnPage(page);
    expect(await withPlace.banner()).toContain('Place added to the case');
    expect(await withPlace.places()).toEqual(['14 Raby Street, Newcastle upon Tyne, NE6 1AA (Home)']);

    // 3. A SafeLives Dash assessment with 14 "yes" answers: high risk, MARAC, priority raised.
    await withPlace.openTab('Risk');
    const risk = await RiskPage.verifyOnPage(page);
    await risk.start('SafeLives Dash risk checklist');
    const dash = await RiskAssessmentFormPage.verifyOnPage(page);
    expect(await dash.questionCount()).toBe(24);
    await dash.submit();
    await RiskAssessmentFormPage.verifyOnPage(page);
    expect(await dash.errorSummary()).toContain("Question 1: select yes, no or don't know");
    expect(new Set(await errorSummaryTargets(page))).toEqual(new Set(['input[radio]']));
    await dash.answerYesToFirst(14);
    await page.locator('#police_call_outs').fill('1');
    await dash.submit();
    const result = await RiskResultPage.verifyOnPage(page);
    expect(await result.banner()).toContain('Assessment saved: High risk');
    const scored = await result.result();
    expect(scored['Risk level']).toBe('High risk');
    expect(scored.Score).toBe('14 out of 24');
    expect(scored['Why this level']).toBe('The score');
    expect(await result.highRiskPrompt().textContent()).toContain('Refer to MARAC');
    expect(await result.tags()).toEqual(['Open', 'High priority', 'High risk']);
    await page.getByRole('link', { name: 'Back to risk' }).click();
    const riskAfter = await RiskPage.verifyOnPage(page);
    expect(await riskAfter.highRiskPrompt().textContent()).toContain('Add a MARAC referral action');
    const [assessed] = await riskAfter.history();
    expect(assessed?.slice(1, 6)).toEqual(['SafeLives Dash risk checklist', 'The case', 'Aisha Rahman, Newcastle City Council', '14', 'High risk']);

    // 4. Tyneside Homes joins the case and is given an action with a named officer.
    await riskAfter.openTab('Agencies');
    const agencies = await AgenciesPage.verifyOnPage(page);
    await agencies.add('Tyneside Homes');
    const joined = await AgenciesPage.verifyOnPage(page);
    expect(await joined.banner()).toContain('Agency added');
    expect(await joined.agencies()).toEqual(['Newcastle City Council', 'Tyneside Homes']);

    await joined.openTab('Actions');
    await (await ActionPlanPage.verifyOnPage(page)).addAction();
    const newAction = await NewActionPage.verifyOnPage(page);
    await newAction.submit();
    await NewActionPage.verifyOnPage(page);
    expect(await newAction.errorSummary()).toContain('Enter what needs doing');
    expect(await errorSummaryTargets(page)).toEqual(['input[text]', 'select', 'input[text]']);
    const dueDate = addDays(londonToday(), 5);
    await newAction.fill({ title: 'Fit extra locks and a door camera', ownerAgency: 'Tyneside Homes', ownerOfficer: 'Tom Walker', dueDate });
    await newAction.submit();
    const plan = await ActionPlanPage.verifyOnPage(page);
    expect(await plan.banner()).toContain('Action added: Fit extra locks and a door camera');
    const [planned] = await plan.actions();
    expect(planned?.slice(0, 3)).toEqual(['Fit extra locks and a door camera', 'Tyneside Homes', 'Tom Walker']);
    expect(planned?.[4]).toBe('Open');
    await signOut(page);

    // 5. The housing officer sees the case in their organisation's list and the action due.
    await signInThroughPages(page, partner);
    await page.getByRole('link', { name: "My organisation's cases" }).click();
    const partnerList = await CaseListPage.verifyOnPage(page);
    expect(await partnerList.references()).toContain(reference);
    await page.getByRole('link', { name: 'Actions due' }).click();
    const due = await ActionsDuePage.verifyOnPage(page);
    expect((await due.rows()).map((row) => row.slice(0, 3))).toEqual([[reference, 'Fit extra locks and a door camera', 'Tom Walker']]);
    await page.getByRole('link', { name: 'Fit extra locks and a door camera' }).click();
    const partnerPlan = await ActionPlanPage.verifyOnPage(page);
    expect((await partnerPlan.actions())[0]?.[0]).toBe('Fit extra locks and a door camera');
    await partnerPlan.openTab('Overview');
    const partnerView = await CaseOverviewPage.verifyOnPage(page);
    expect(await page.getByRole('button', { name: 'Change the status' }).count()).toBe(1);
    await partnerView.changeStatus();
    const partnerStatus = await CaseStatusPage.verifyOnPage(page);
    expect(await partnerStatus.transitions()).toEqual([]);
    expect(await page.locator('main').textContent()).toContain('You cannot change the status of this case');
    await signOut(page);

    // 6. The lead moves the case on and closes it with an outcome and a reason.
    await signInThroughPages(page, lead, 1);
    await page.getByRole('link', { name: 'My cases' }).click();
    await (await CaseListPage.verifyOnPage(page)).openCase(reference);
    await (await CaseOverviewPage.verifyOnPage(page)).changeStatus();
    const status = await CaseStatusPage.verifyOnPage(page);
    expect(await status.transitions()).toEqual(['Assessment done', 'Close the case']);
    await status.save();
    await CaseStatusPage.verifyOnPage(page);
    expect(await status.errorSummary()).toContain('Select what has happened');
    await status.choose('Assessment done');
    await status.save();
    await (await CaseOverviewPage.verifyOnPage(page)).changeStatus();
    await (await CaseStatusPage.verifyOnPage(page)).choose('Start work on the case');
    await status.save();
    expect(await (await CaseOverviewPage.verifyOnPage(page)).tags()).toEqual(['In progress', 'High priority', 'High risk']);
    await page.getByRole('button', { name: 'Change the status' }).click();
    const closing = await CaseStatusPage.verifyOnPage(page);
    await closing.choose('Close the case');
    await closing.save();
    await CaseStatusPage.verifyOnPage(page);
    const closeErrors = await closing.errorSummary();
    expect(closeErrors).toContain('Select the outcome');
    expect(closeErrors).toContain('Enter the reason for closing the case');
    expect(await errorSummaryTargets(page)).toEqual(['input[radio]', 'textarea']);
    await closing.close('Resolved', 'Victim rehoused by Tyneside Homes; safety measures in place and MARAC actions complete.');
    await closing.save();
    const closed = await CaseOverviewPage.verifyOnPage(page);
    expect(await closed.banner()).toContain('The case is now Closed');
    expect(await closed.tags()).toEqual(['Closed', 'High priority', 'High risk']);
    expect((await closed.details()).Outcome).toBe('Resolved – Victim rehoused by Tyneside Homes; safety measures in place and MARAC actions complete.');
    await expectAccessible(page);
  });

  it('linking someone already known without choosing their part keeps the search and points at the choice', async () => {
    const council = await createOrganisation(harness.testApp, { name: 'Northumberland County Council', type: 'county_council' });
    const worker = await createUser(harness.testApp, { role: 'case_worker', organisationId: council.id, name: 'Sam Carr' });
    const role = worker.user.role as Role;
    const me: CurrentUser = { id: worker.user.id, email: worker.user.email, name: worker.user.name, role, organisationId: council.id, organisationName: council.name, locale: null, mfaEnabled: true };
    const actor: Actor = { userId: me.id, label: me.email, organisationId: council.id, role, ip: null, requestId: null };
    const { cases } = harness.testApp.services;
    const earlier = await cases.create(me, { caseType: 'anti_social_behaviour', priority: 'medium', summary: 'Earlier case about the same family.', area: 'Blyth', leadOfficerId: null }, actor);
    await cases.createAndLinkPerson(
      me,
      earlier.id,
      { givenName: 'Dylan', familyName: 'Hetherington', dateOfBirth: '1998-04-02', approximateAge: null, gender: 'male', ethnicity: null, disability: null, religion: null, sexuality: null, phone: null, email: null, preferredLanguage: null, interpreterNeeded: false, aliases: [], version: undefined },
      'alleged_perpetrator',
      actor,
    );
    const current = await cases.create(me, { caseType: 'anti_social_behaviour', priority: 'medium', summary: 'Fireworks thrown at cars on Cowpen Road.', area: 'Blyth', leadOfficerId: null }, actor);

    const page = await harness.newPage();
    await signInThroughPages(page, worker);
    await page.goto(`/cases/${current.id}/people`);
    const people = await CasePeoplePage.verifyOnPage(page);
    await people.search('Dylan Hetherington');
    expect((await people.candidates())[0]).toContain('Dylan Hetherington');
    await people.link('Dylan Hetherington');

    const refused = await CasePeoplePage.verifyOnPage(page);
    expect(await refused.errorSummary()).toContain("Select the person's part in the case");
    expect((await refused.candidates())[0]).toContain('Dylan Hetherington');
    const target = await page.locator('.govuk-error-summary a').first().getAttribute('href');
    expect(await page.locator(`${target} [name=role], input${target}[name=role]`).count()).toBe(1);
    expect(await page.locator('main form .govuk-error-message').textContent()).toContain("Select the person's part in the case");

    await refused.link('Dylan Hetherington', 'Alleged perpetrator');
    const linked = await CasePeoplePage.verifyOnPage(page);
    expect(await linked.banner()).toContain('Person linked to the case');
    expect(await linked.people()).toEqual(['Dylan Hetherington – Alleged perpetrator']);
  });
});
