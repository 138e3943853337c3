import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, totpCode } from '../test/factories/index.ts';
import { HomePage, RecoveryCodesPage, SetUpVerificationPage, SignedOutPage, SignInPage, VerifyPage } from './pages/authPages.ts';
import { type BrowserHarness, expectAccessible, startBrowserHarness } from './support/browser.ts';

let harness: BrowserHarness;
beforeAll(async () => {
  harness = await startBrowserHarness();
});
afterAll(async () => harness?.close());

describe('signing in with a second factor (browser)', { timeout: 120_000 }, () => {
  it('signs in with password and authenticator code, switches language, signs out', async () => {
    const fixture = await createUser(harness.testApp, { role: 'case_worker', name: 'Rhian Morgan' });
    const page = await harness.newPage();
    await page.goto('/');
    const signIn = await SignInPage.verifyOnPage(page);
    await signIn.signIn(fixture.user.email, 'a wrong password here');
    expect(await signIn.errorSummary()).toContain('Enter a correct email address and password');
    await expectAccessible(page);

    await signIn.signIn(fixture.user.email, fixture.password);
    const verify = await VerifyPage.verifyOnPage(page);
    await verify.enterCode('000000');
    expect(await verify.errorSummary()).toContain('The code is not correct');
    await verify.enterCode(await totpCode(fixture.totpSecret!));

    const home = await HomePage.verifyOnPage(page);
    expect(await page.locator('h1').textContent()).toContain('Rhian Morgan');
    expect(await home.htmlLang()).toBe('en');

    await page.getByRole('link', { name: 'Cymraeg' }).click();
    expect(await home.htmlLang()).toBe('cy');
    await expectAccessible(page);
    await page.goto('/profile');
    expect(await home.htmlLang()).toBe('cy');
    const saved = await harness.testApp.database.db.selectFrom('users').select('locale').where('id', '=', fixture.user.id).executeTakeFirstOrThrow();
    expect(saved.locale).toBe('cy');
    await page.getByRole('link', { name: 'English' }).click();
    expect(await home.htmlLang()).toBe('en');

    await home.signOut();
    await SignedOutPage.verifyOnPage(page);
    await page.goto('/');
    await SignInPage.verifyOnPage(page);
  });

  it('makes a new case manager set up an authenticator app and shows recovery codes once', async () => {
    const fixture = await createUser(harness.testApp, { role: 'case_manager', mfa: false });
    const page = await harness.newPage();
    await page.goto('/sign-in');
    await (await SignInPage.verifyOnPage(page)).signIn(fixture.user.email, fixture.password);
    const setUp = await SetUpVerificationPage.verifyOnPage(page);
    expect(await page.locator('.oneroof-qr svg').count()).toBe(1);
    const secret = await setUp.secret();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await setUp.enterCode(await totpCode(secret));
    const codes = await (await RecoveryCodesPage.verifyOnPage(page)).codes();
    expect(codes).toHaveLength(10);
    await page.getByRole('button', { name: 'Continue' }).click();
    await HomePage.verifyOnPage(page);
  });

  it('follows the browser language on a first visit', async () => {
    const page = await harness.newPage({ locale: 'cy-GB' });
    await page.goto('/sign-in');
    expect(await page.locator('html').getAttribute('lang')).toBe('cy');
  });

  it('works without JavaScript', async () => {
    const fixture = await createUser(harness.testApp, { role: 'read_only_partner' });
    const page = await harness.newPage({ javaScriptEnabled: false });
    await page.goto('/sign-in');
    await (await SignInPage.verifyOnPage(page)).signIn(fixture.user.email, fixture.password);
    await HomePage.verifyOnPage(page);
  });
});
