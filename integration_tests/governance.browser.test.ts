import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastCompleteQuarter, quarterRange } from '../server/modules/governance/quarters.ts';
import { systemActor } from '../server/shared/actor.ts';
import type { CurrentUser } from '../server/types.ts';
import { createOrganisation, createUser, type UserFixture } from '../test/factories/index.ts';
import { SignedOutPage, signInThroughPages } from './pages/authPages.ts';
import { AgreementPage, GovernanceDashboardPage, TransparencyPage } from './pages/governancePages.ts';
import { SignInPage } from './pages/authPages.ts';
import { type BrowserHarness, expectAccessible, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

const asCurrentUser = (fixture: UserFixture, organisationName: string): CurrentUser => ({
  id: fixture.user.id, email: fixture.user.email, name: fixture.user.name, role: 'partnership_admin', organisationId: fixture.user.organisation_id, organisationName, locale: null, mfaEnabled: true,
});

/** The partnership publishes the agreement with a commitment from each partner, and one incident area with a small number. */
async function publishAgreement(police: string, council: string) {
  const { governance } = harness.testApp.services;
  const actor = systemActor('browser-test');
  const team = await createOrganisation(harness.testApp, { name: 'Community Safety Team' });
  const admin = await createUser(harness.testApp, { role: 'partnership_admin', organisationId: team.id });
  await governance.agreement.addCommitment('asb', { organisationId: police, commitment: 'Attend every ASB case conference within ten working days.' }, actor);
  await governance.agreement.addCommitment('vawg', { organisationId: council, commitment: 'Fund an adviser for every high-risk victim.' }, actor);
  await governance.agreement.addMeasure('mental_health', { title: 'Referrals decided on time', source: 'referral_deadline_compliance', unit: 'percent', direction: 'higher_is_better', baseline: '70', target: '90', dueOn: '2029-03-31' }, actor);
  const draft = await governance.agreement.draft();
  await governance.agreement.publish(asCurrentUser(admin, team.name), draft!.version.id, actor);
}

describe('partners sign the Community Safety Agreement (browser)', { timeout: 240_000 }, () => {
  it('two partners each sign for their own organisation; every page passes axe', async () => {
    const police = await createOrganisation(harness.testApp, { name: 'Northumbria Police', type: 'police' });
    const council = await createOrganisation(harness.testApp, { name: 'Newcastle City Council' });
    await publishAgreement(police.id, council.id);
    const policeSignatory = await createUser(harness.testApp, { role: 'organisation_admin', organisationId: police.id, name: 'Gareth Evans' });
    const councilSignatory = await createUser(harness.testApp, { role: 'organisation_admin', organisationId: council.id, name: 'Sian Morgan' });
    const page = await harness.newPage();

    // The police: the dashboard says they have not signed, and takes them to the agreement.
    await signInThroughPages(page, policeSignatory);
    await page.getByRole('link', { name: 'Governance', exact: true }).click();
    const dashboard = await GovernanceDashboardPage.verifyOnPage(page);
    await dashboard.followSignLink();
    const agreement = await AgreementPage.verifyOnPage(page);
    expect(await agreement.awaiting()).toEqual(expect.arrayContaining(['Northumbria Police', 'Newcastle City Council']));
    expect(await page.getByText('Attend every ASB case conference within ten working days.').count()).toBe(1);
    // Sending without the confirmation is refused, and the job title typed is kept.
    await page.getByLabel('Your job title').fill('Chief Superintendent');
    await page.getByRole('button', { name: 'Sign the agreement' }).click();
    const refused = await AgreementPage.verifyOnPage(page);
    expect(await refused.errorSummary()).toContain('Confirm that you are authorised to sign for your organisation');
    expect(await page.getByLabel('Your job title').inputValue()).toBe('Chief Superintendent');
    await refused.sign('Chief Superintendent');
    const signed = await AgreementPage.verifyOnPage(page);
    expect(await signed.banner()).toContain('Northumbria Police has signed the agreement.');
    expect(await signed.signatories()).toEqual(['Northumbria Police']);
    expect(await page.getByRole('button', { name: 'Sign the agreement' }).count()).toBe(0);
    await signed.signOut();
    await SignedOutPage.verifyOnPage(page);

    // The council.
    await signInThroughPages(page, councilSignatory, 1);
    await page.goto('/governance/agreement');
    const councilView = await AgreementPage.verifyOnPage(page);
    await councilView.sign('Director of Communities');
    const both = await AgreementPage.verifyOnPage(page);
    expect(await both.signatories()).toEqual(['Northumbria Police', 'Newcastle City Council']);
    expect(await both.awaiting()).not.toContain('Northumbria Police');
    expect(await both.awaiting()).not.toContain('Newcastle City Council');
    expect(await page.getByTestId('signatories').textContent()).toContain('Sian Morgan, Director of Communities');
  });
});

describe('a member of the public reads the transparency page (browser)', { timeout: 180_000 }, () => {
  it('reaches it from the sign-in page without an account; headings, landmarks and table names make sense to a screen reader; axe clean in English and Welsh', async () => {
    // Incidents last quarter: Walker's 2 ASB incidents are too few to publish.
    const source = await createOrganisation(harness.testApp, { name: 'Incident source' });
    const at = new Date(quarterRange(lastCompleteQuarter(new Date())).from.getTime() + 10 * 86_400_000);
    const incidents = [...Array(2)].map(() => ['Walker', 'asb_nuisance']).concat([...Array(9)].map(() => ['Walker', 'burglary']), [...Array(7)].map(() => ['Heaton', 'asb_nuisance']), [...Array(6)].map(() => ['Heaton', 'burglary']));
    await harness.testApp.database.db
      .insertInto('incidents')
      .values(incidents.map(([area, category], index) => ({ source_organisation_id: source.id, source_reference: `PUBLIC-${index}`, occurred_at: at, category_code: category!, area })))
      .execute();
    const page = await harness.newPage();
    await page.goto('/sign-in');
    await SignInPage.verifyOnPage(page);
    await page.getByRole('link', { name: "See the partnership's priorities and figures without signing in" }).click();
    await TransparencyPage.verifyOnPage(page);

    const tree = await page.locator('body').ariaSnapshot();
    // One main landmark, the footer, the page's navigation, and the headings in order.
    expect(tree).toContain('- main');
    expect(tree).toContain('- contentinfo');
    // (A name with a colon is quoted by the snapshot's YAML, so lines are matched without the leading "- ".)
    expect(tree).toMatch(/heading "Community safety: what we do and how we are doing" \[level=1\]/);
    const headings = [...tree.matchAll(/- heading "([^"]+)" \[level=2\]/g)].map((match) => match[1]);
    expect(headings).toEqual(expect.arrayContaining(['Our priorities and progress', 'Quarterly figures by area and category', 'ASB Case Reviews', 'You said, we did', 'Ask for an ASB Case Review', 'Open data']));
    expect(tree).toMatch(/- navigation "Contents"/);
    // Tables are named by their captions.
    expect(tree).toMatch(/- table "ASB Case Reviews by calendar year"/);
    expect(tree).toMatch(/table "Outcome measures: Improve mental-health responses"/);
    expect(tree).toMatch(/table "Incidents by area and category, [A-Za-z]+ to [A-Za-z]+ \d{4}"/);
    expect(tree).toMatch(/row "Walker [^"]*not shown, to protect privacy/);
    expect(await page.getByTestId('incidents-table').textContent()).not.toMatch(/\b[1-4]\b/);
    expect(tree).toContain('link "Apply for an ASB Case Review"');
    expect(tree).toContain('link "Open Government Licence v3.0"');

    await page.getByRole('link', { name: 'Cymraeg' }).click();
    await TransparencyPage.verifyOnPage(page);
    const welsh = await page.locator('body').ariaSnapshot();
    expect(welsh).toMatch(/heading "Diogelwch cymunedol: beth a wnawn a sut rydym yn gwneud" \[level=1\]/);
    expect(await page.locator('html').getAttribute('lang')).toBe('cy');
    await expectAccessible(page);
  });
});
