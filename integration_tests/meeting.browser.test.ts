import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, londonToday } from '../server/shared/dates.ts';
import { createOrganisation, createUser } from '../test/factories/index.ts';
import { createSharingAgreement } from '../test/factories/sharingAgreements.ts';
import { signInThroughPages } from './pages/authPages.ts';
import { ActionPlanPage, CaseOverviewPage } from './pages/casePages.ts';
import { CaseMeetingsPage, MeetingPackPage, MeetingPage, MeetingsPage, MinutesPage } from './pages/meetingPages.ts';
import { type BrowserHarness, expectAccessible, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

describe('running a multi-agency meeting (browser)', { timeout: 600_000 }, () => {
  it('a case manager flags a case, opens the meeting, accepts the statement, records minutes and an action, and the case shows them', async () => {
    const db = harness.testApp.database.db;
    const council = await createOrganisation(harness.testApp, { name: 'Newcastle City Council', type: 'district_borough_council' });
    const police = await createOrganisation(harness.testApp, { name: 'Northumbria Police', type: 'police' });
    const housing = await createOrganisation(harness.testApp, { name: 'Tyneside Homes', type: 'housing_provider' });
    await createSharingAgreement(harness.testApp, [council.id, police.id, housing.id]);
    const manager = await createUser(harness.testApp, { role: 'case_manager', organisationId: council.id, name: 'Aisha Rahman' });
    await createUser(harness.testApp, { role: 'case_worker', organisationId: police.id, name: 'Daniel Hughes' });
    const kase = await db
      .insertInto('cases')
      .values({ reference: 'VUL-2026-004711', case_type: 'vulnerability', summary: 'Hoarding and a kitchen fire at Fenham Hall Drive', lead_organisation_id: council.id, lead_officer_id: manager.user.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('case_participants').values({ case_id: kase.id, organisation_id: police.id }).execute();
    // Housing's own case on the same agenda: the council sees that it is there, not what it is.
    const housingCase = await db
      .insertInto('cases')
      .values({ reference: 'ASB-2026-004712', case_type: 'anti_social_behaviour', summary: 'Housing only matter', lead_organisation_id: housing.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    const heldOn = addDays(londonToday(), 3);
    const series = await db
      .insertInto('meeting_series')
      .values({ name: 'Newcastle CHaRMM', kind: 'charmm', purpose: 'vulnerability_safeguarding', every_weeks: 4, first_date: heldOn, start_time: '10:00', location: 'Civic Centre', confidentiality_statement: 'Information shared here is confidential and for reducing harm only.' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('meeting_series_members').values([council.id, police.id, housing.id].map((organisation_id) => ({ series_id: series.id, organisation_id }))).execute();
    await db.insertInto('meetings').values({ series_id: series.id, held_on: heldOn, starts_at: new Date(`${heldOn}T10:00:00Z`) }).execute();
    await db.insertInto('meeting_case_flags').values({ series_id: series.id, case_id: housingCase.id, reason: 'Housing reason' }).execute();
    const page = await harness.newPage();

    // 1. From the case, flag it for the meeting; an empty form is refused with the error summary.
    await signInThroughPages(page, manager);
    await page.goto(`/cases/${kase.id}`);
    await CaseOverviewPage.verifyOnPage(page);
    await page.getByRole('button', { name: 'Flag for a meeting' }).click();
    const flagPage = await CaseMeetingsPage.verifyOnPage(page);
    await flagPage.flag(undefined, '');
    const refused = await CaseMeetingsPage.verifyOnPage(page);
    expect(await refused.errorSummary()).toContain('Select a meeting your organisation belongs to');
    await refused.flag('Newcastle CHaRMM', 'Fire risk rising; agree who visits and when.');
    const flagged = await CaseMeetingsPage.verifyOnPage(page);
    expect((await flagged.waiting())[0]).toContain('Waiting for Newcastle CHaRMM');

    // 2. Open the meeting: the confidentiality statement comes before the agenda.
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Meetings' }).click();
    await (await MeetingsPage.verifyOnPage(page)).openNextMeeting('Newcastle CHaRMM');
    const statement = await MeetingPage.verifyOnPage(page);
    expect(await statement.statement()).toBe('Information shared here is confidential and for reducing harm only.');
    expect(await page.content()).not.toContain('VUL-2026-004711');
    await statement.accept(false);
    const unaccepted = await MeetingPage.verifyOnPage(page);
    expect(await unaccepted.errorSummary()).toContain('Accept the confidentiality statement to see the agenda');
    await unaccepted.accept();
    const agenda = await MeetingPage.verifyOnPage(page);
    expect(await agenda.agendaReferences()).toEqual(['VUL-2026-004711']);
    expect(await page.getByTestId('hidden-cases').textContent()).toContain('1 case not shown');
    expect(await page.getByTestId('attendees').textContent()).toContain('Aisha Rahman (Newcastle City Council)');

    // 3. Minutes and an action for the case; a missing agency is refused, keeping the minutes.
    await agenda.recordMinutesFor('VUL-2026-004711');
    const minutes = await MinutesPage.verifyOnPage(page);
    await minutes.fill({ minutes: 'Fire service to fit alarms; police to check visitors weekly.', actionTitle: 'Check visitors weekly' });
    await minutes.save();
    const minutesRefused = await MinutesPage.verifyOnPage(page);
    expect(await minutesRefused.errorSummary()).toContain('Select the agency responsible for the action');
    expect(await minutesRefused.typedMinutes()).toBe('Fire service to fit alarms; police to check visitors weekly.');
    const dueDate = addDays(londonToday(), 14);
    await minutesRefused.fill({ minutes: 'Fire service to fit alarms; police to check visitors weekly.', actionTitle: 'Check visitors weekly', agency: 'Northumbria Police', dueDate });
    await minutesRefused.save();
    const afterMinutes = await MeetingPage.verifyOnPage(page);
    expect(await afterMinutes.banner()).toContain('Minutes added to the case timeline');
    expect(await page.getByTestId('agenda-item').first().textContent()).toContain('Minutes recorded');

    // 4. The pack shows the same, for printing.
    await afterMinutes.openPack();
    const pack = await MeetingPackPage.verifyOnPage(page);
    expect(await pack.hiddenNote()).toContain('1 case not shown');
    expect(await page.content()).not.toContain('Housing only matter');

    // 5. The case's timeline has the minutes; its action plan has the action.
    await page.goto(`/cases/${kase.id}/timeline`);
    expect(await page.locator('main').textContent()).toContain('Fire service to fit alarms; police to check visitors weekly.');
    await expectAccessible(page);
    await page.goto(`/cases/${kase.id}/actions`);
    const plan = await ActionPlanPage.verifyOnPage(page);
    const rows = await plan.actions();
    expect(rows.some((row) => row[0]?.includes('Check visitors weekly') && row[1]?.includes('Northumbria Police'))).toBe(true);
  });
});
