import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser } from '../test/factories/index.ts';
import { signInThroughPages } from './pages/authPages.ts';
import { AccessAnomaliesPage, AccessReviewPage, NewSubjectAccessRequestPage, SubjectAccessExportPage, SubjectAccessRequestPage, SubjectAccessRequestsPage } from './pages/dataProtectionPages.ts';
import { type BrowserHarness, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

describe('answering a subject access request (browser)', { timeout: 240_000 }, () => {
  it('the DPO records a request, finds the records, redacts a neighbour, approves and downloads the export', async () => {
    const db = harness.testApp.database.db;
    const council = await createOrganisation(harness.testApp, { name: 'Newcastle City Council' });
    const officer = await createUser(harness.testApp, { role: 'data_protection_officer', organisationId: council.id, name: 'Siân Morgan' });
    const kase = await db.insertInto('cases').values({ reference: 'ASB-2026-000777', case_type: 'anti_social_behaviour', summary: 'Harassment on the landing', lead_organisation_id: council.id }).returning('id').executeTakeFirstOrThrow();
    const [agnes, neighbour] = await db
      .insertInto('people')
      .values([
        { given_name: 'Agnes', family_name: 'Pemberton', date_of_birth: '1950-04-12', created_by_organisation_id: council.id },
        { given_name: 'Derek', family_name: 'Quigley', date_of_birth: '1970-01-01', created_by_organisation_id: council.id },
      ])
      .returning('id')
      .execute();
    await db.insertInto('case_people').values([{ case_id: kase.id, person_id: agnes!.id, role: 'victim' }, { case_id: kase.id, person_id: neighbour!.id, role: 'alleged_perpetrator' }]).execute();
    await db.insertInto('case_notes').values({ case_id: kase.id, body: 'Agnes reports Derek Quigley banging on her door at night.', author_organisation_id: council.id }).execute();

    const page = await harness.newPage();
    await signInThroughPages(page, officer);
    await page.getByRole('link', { name: 'Data protection', exact: true }).click();
    const list = await SubjectAccessRequestsPage.verifyOnPage(page);
    await list.recordRequest();

    const form = await NewSubjectAccessRequestPage.verifyOnPage(page);
    await form.findPerson('Agnes Pemberton');
    await NewSubjectAccessRequestPage.verifyOnPage(page);
    await form.choose('Agnes Pemberton');
    await NewSubjectAccessRequestPage.verifyOnPage(page);
    await form.fill({ requester: 'Agnes Pemberton', day: '2', month: '11', year: '2026' });

    const request = await SubjectAccessRequestPage.open(page);
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).toContain('ASB-2026-000777');
    expect(main).toContain('banging on her door');
    expect(main).toContain('2 December 2026');
    await request.redact('Derek Quigley, 1 January 1970');
    await request.saveRedactions();
    await SubjectAccessRequestPage.open(page);
    expect(await page.locator('#export-preview ~ section').textContent()).not.toContain('Quigley');
    expect(await page.getByTestId('download-json').count()).toBe(0);

    await request.approve();
    await SubjectAccessRequestPage.open(page);
    const json = JSON.parse(await request.downloadJson());
    expect(json.person).toMatchObject({ givenName: 'Agnes', familyName: 'Pemberton' });
    expect(JSON.stringify(json)).not.toContain('Quigley');

    await page.getByTestId('download-html').click();
    await SubjectAccessExportPage.verifyOnPage(page);
    const printable = (await page.locator('main').textContent()) ?? '';
    expect(printable).toContain('Harassment on the landing');
    expect(printable).not.toContain('Quigley');

    await page.getByRole('link', { name: 'Back' }).click();
    await SubjectAccessRequestPage.open(page);
    await page.getByRole('link', { name: 'Access review Agnes Pemberton' }).click();
    const review = await AccessReviewPage.verifyOnPage(page);
    expect((await review.rows()).map((row) => row[2]).join(' ')).toContain('Subject access export downloaded');
    await page.goto(page.url().replace(/\/data-protection\/.*$/, '/data-protection/anomalies?days=7'));
    await AccessAnomaliesPage.verifyOnPage(page);
  });
});
