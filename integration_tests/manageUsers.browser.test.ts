import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, totpCode } from '../test/factories/index.ts';
import { AdministrationPage, AuditLogPage, InviteUserPage, OutboxMessagePage, OutboxPage, SetPasswordPage, UserPage, UsersPage } from './pages/adminPages.ts';
import { HomePage, SignedOutPage, SignInPage, VerifyPage } from './pages/authPages.ts';
import { type BrowserHarness, expectAccessible, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

describe('managing users (browser)', { timeout: 180_000 }, () => {
  it('a partnership administrator invites a colleague, who accepts and signs in; then the administrator disables them', async () => {
    const council = await createOrganisation(harness.testApp, { name: 'Gateshead Council', type: 'district_borough_council' });
    const admin = await createUser(harness.testApp, { role: 'partnership_admin', organisationId: council.id, name: 'Alex Admin' });
    const page = await harness.newPage();

    await page.goto('/sign-in');
    await (await SignInPage.verifyOnPage(page)).signIn(admin.user.email, admin.password);
    await (await VerifyPage.verifyOnPage(page)).enterCode(await totpCode(admin.totpSecret!));
    await HomePage.verifyOnPage(page);

    await page.getByRole('link', { name: 'Administration' }).click();
    await (await AdministrationPage.verifyOnPage(page)).open('Users');
    await (await UsersPage.verifyOnPage(page)).invite();
    const invite = await InviteUserPage.verifyOnPage(page);
    await invite.send();
    expect(await invite.errorSummary()).toContain('Enter the person');
    await expectAccessible(page);
    await invite.fill({ name: 'Bethan Hughes', email: 'bethan.hughes@example.org', organisation: 'Gateshead Council', role: 'Read-only partner' });
    await invite.send();
    const userPage = await UserPage.verifyOnPage(page);
    expect(await userPage.banner()).toContain('Invitation sent to bethan.hughes@example.org');

    await page.getByRole('link', { name: 'Administration' }).click();
    await (await AdministrationPage.verifyOnPage(page)).open('Email outbox');
    await (await OutboxPage.verifyOnPage(page)).openFirstTo('bethan.hughes@example.org');
    const link = await (await OutboxMessagePage.verifyOnPage(page)).link();
    await (await HomePage.verifyOnPage(await goHome(page))).signOut();
    await SignedOutPage.verifyOnPage(page);

    await page.goto(link);
    await (await SetPasswordPage.verifyOnPage(page)).choose('bethan has a long password');
    const signIn = await SignInPage.verifyOnPage(page);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Your account is ready');
    await signIn.signIn('bethan.hughes@example.org', 'bethan has a long password');
    await HomePage.verifyOnPage(page);
    await (await HomePage.verifyOnPage(page)).signOut();

    await page.goto('/sign-in');
    await (await SignInPage.verifyOnPage(page)).signIn(admin.user.email, admin.password);
    await (await VerifyPage.verifyOnPage(page)).enterCode(await totpCode(admin.totpSecret!, 1));
    await page.goto('/admin/users');
    const users = await UsersPage.verifyOnPage(page);
    const names = (await users.names()).map((name) => name.trim());
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    await users.openUser('Bethan Hughes');
    const bethan = await UserPage.verifyOnPage(page);
    await bethan.disable();
    expect(await (await UserPage.verifyOnPage(page)).banner()).toContain('The account is disabled');

    await page.getByRole('link', { name: 'Administration' }).click();
    await (await AdministrationPage.verifyOnPage(page)).open('Audit log');
    await AuditLogPage.verifyOnPage(page);
    expect(await page.locator('table').textContent()).toContain('bethan.hughes@example.org');
  });
});

async function goHome(page: import('playwright-core').Page) {
  await page.goto('/');
  return page;
}
