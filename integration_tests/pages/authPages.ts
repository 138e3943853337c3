import type { Page } from 'playwright-core';
import { totpCode, type UserFixture } from '../../test/factories/index.ts';
import { BasePage } from './page.ts';

export class SignInPage extends BasePage {
  expectedHeading() {
    return /Sign in to OneRoof|Mewngofnodi i OneRoof|Log masuk ke OneRoof/;
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.page.locator('#email').fill(email);
    await this.page.locator('#password').fill(password);
    await this.page.locator('main form button[type=submit]').first().click();
  }
}

export class VerifyPage extends BasePage {
  expectedHeading() {
    return /Enter the code from your authenticator app/;
  }

  async enterCode(code: string): Promise<void> {
    await this.page.locator('#code').fill(code);
    await this.page.getByRole('button', { name: 'Continue' }).click();
  }
}

export class SetUpVerificationPage extends BasePage {
  expectedHeading() {
    return /Set up your authenticator app/;
  }

  async secret(): Promise<string> {
    await this.page.getByText('I cannot scan the QR code').click();
    return ((await this.page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s+/g, '');
  }

  async enterCode(code: string): Promise<void> {
    await this.page.locator('#code').fill(code);
    await this.page.getByRole('button', { name: 'Continue' }).click();
  }
}

export class RecoveryCodesPage extends BasePage {
  expectedHeading() {
    return /Save your recovery codes/;
  }

  async codes(): Promise<string[]> {
    return this.page.getByTestId('recovery-codes').locator('li').allTextContents();
  }
}

export class HomePage extends BasePage {
  expectedHeading() {
    return /Welcome, |Croeso, |Selamat datang, /;
  }
}

export class SignedOutPage extends BasePage {
  expectedHeading() {
    return /You have signed out/;
  }
}

/** Signs in through the pages with a second factor; `step` moves the code on 30 s so that a second sign-in never reuses one. */
export async function signInThroughPages(page: Page, fixture: UserFixture, step = 0): Promise<HomePage> {
  await page.goto('/sign-in');
  await (await SignInPage.verifyOnPage(page)).signIn(fixture.user.email, fixture.password);
  await (await VerifyPage.verifyOnPage(page)).enterCode(await totpCode(fixture.totpSecret!, step));
  return HomePage.verifyOnPage(page);
}
