import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser } from '../test/factories/index.ts';
import { createSharingAgreement } from '../test/factories/sharingAgreements.ts';
import { SignedOutPage, signInThroughPages } from './pages/authPages.ts';
import { CaseOverviewPage } from './pages/casePages.ts';
import { CaseReferralsPage, NewCaseReferralPage, ReferralInboxPage, ReferralPage } from './pages/referralPages.ts';
import { type BrowserHarness, expectAccessible, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

describe('referring a case from police to mental health (browser)', { timeout: 240_000 }, () => {
  it('a police officer refers through the Right Care, Right Person pathway; the trust accepts from its inbox and then sees the case', async () => {
    const police = await createOrganisation(harness.testApp, { name: 'Northumbria Police', type: 'police' });
    const trust = await createOrganisation(harness.testApp, { name: 'Cumbria, Northumberland, Tyne and Wear NHS Trust', type: 'nhs_trust' });
    await createOrganisation(harness.testApp, { name: 'Closed Crisis Service', type: 'nhs_trust', active: false });
    await createSharingAgreement(harness.testApp, [police.id, trust.id]);
    const officer = await createUser(harness.testApp, { role: 'case_manager', organisationId: police.id, name: 'PC Dan Carter' });
    const clinician = await createUser(harness.testApp, { role: 'case_worker', organisationId: trust.id, name: 'Priya Shah' });
    const kase = await harness.testApp.database.db
      .insertInto('cases')
      .values({ reference: 'ASB-2026-004242', case_type: 'anti_social_behaviour', summary: 'Concern for welfare at Elm Court', lead_organisation_id: police.id, lead_officer_id: officer.user.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    const page = await harness.newPage();

    // 1. The officer opens the case's Referrals tab and picks the pathway: one click to the right form.
    await signInThroughPages(page, officer);
    await page.goto(`/cases/${kase.id}`);
    await (await CaseOverviewPage.verifyOnPage(page)).openTab('Referrals');
    const tab = await CaseReferralsPage.verifyOnPage(page);
    expect(await tab.rows()).toEqual([]);
    await tab.referViaPathway('Concern for welfare → mental health crisis team');
    const form = await NewCaseReferralPage.verifyOnPage(page);
    const offered = await form.organisations();
    expect(offered).toContain(trust.name);
    expect(offered).not.toContain('Closed Crisis Service');

    // Sending without the basis is refused with the error summary, keeping what was typed.
    await form.fill({
      organisation: trust.name,
      answers: { 'Is there a real and immediate risk to life or of serious harm?': 'No', 'Did police attend?': 'Yes' },
      reason: 'Neighbours report Mr Lowe shouting at night and not eating; no crime, no immediate risk.',
      requested: 'A mental health assessment today',
      informationShared: 'Mr Lowe, 54, Flat 3 Elm Court. Known to the crisis team in 2024.',
      consent: 'Consent not sought',
      consentReason: 'He was too distressed to discuss it; sharing is in his vital interests.',
    });
    await form.send();
    const refused = await NewCaseReferralPage.verifyOnPage(page);
    expect(await refused.errorSummary()).toContain('Select the lawful basis for sharing this information');
    expect(await page.getByLabel('Reason for the referral').inputValue()).toContain('not eating');
    await refused.fill({ lawfulBasis: 'Vital interests' });
    await refused.send();
    const sent = await ReferralPage.verifyOnPage(page);
    const reference = await sent.reference();
    expect(await sent.banner()).toContain(`Referral ${reference} sent`);
    expect(await sent.status()).toBe('Received');
    await sent.signOut();
    await SignedOutPage.verifyOnPage(page);

    // 2. The trust's clinician finds it in the inbox; the case itself is not theirs to see yet.
    await signInThroughPages(page, clinician, 1);
    await page.getByRole('link', { name: 'Referrals', exact: true }).click();
    const inbox = await ReferralInboxPage.verifyOnPage(page);
    expect(await inbox.references()).toContain(reference);
    await inbox.open(reference);
    const received = await ReferralPage.verifyOnPage(page);
    const details = await received.details();
    expect(details['Information you are sharing']).toContain('Flat 3 Elm Court');
    expect(details['About']).toBe('A case (you will see it when you accept the referral)');
    expect(details['Did police attend?']).toBe('Yes');
    const blocked = await page.goto(`/cases/${kase.id}`);
    expect(blocked?.status()).toBe(404);
    await expectAccessible(page);
    await page.goBack();

    // 3. Acknowledge, accept, and the case opens for the trust, with the referral on it.
    const toAccept = await ReferralPage.verifyOnPage(page);
    await toAccept.acknowledge();
    const acknowledged = await ReferralPage.verifyOnPage(page);
    expect(await acknowledged.status()).toBe('Acknowledged');
    await acknowledged.accept();
    const accepted = await ReferralPage.verifyOnPage(page);
    expect(await accepted.banner()).toContain('Referral accepted');
    expect(await accepted.status()).toBe('Accepted');
    await accepted.goToCase();
    const overview = await CaseOverviewPage.verifyOnPage(page);
    expect(await overview.reference()).toBe('ASB-2026-004242');
    await overview.openTab('Referrals');
    const onCase = await CaseReferralsPage.verifyOnPage(page);
    const [row] = await onCase.rows();
    expect(row?.[0]).toBe(reference);
    expect(row?.[2]).toBe(trust.name);
    expect(row?.[4]).toBe('Accepted');
  });
});
