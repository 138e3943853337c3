import { BasePage } from './page.ts';

export class AdministrationPage extends BasePage {
  expectedHeading() {
    return /^Administration$/;
  }

  async open(area: string): Promise<void> {
    await this.page.getByRole('link', { name: area, exact: true }).first().click();
  }
}

export class UsersPage extends BasePage {
  expectedHeading() {
    return /^Users$/;
  }

  async invite(): Promise<void> {
    await this.page.getByRole('button', { name: 'Invite a user' }).click();
  }

  async names(): Promise<string[]> {
    return this.page.locator('tbody tr td:first-child').allTextContents();
  }

  async openUser(name: string): Promise<void> {
    await this.page.getByRole('link', { name }).click();
  }
}

export class InviteUserPage extends BasePage {
  expectedHeading() {
    return /^Invite a user$/;
  }

  async fill(details: { name: string; email: string; organisation: string; role: string }): Promise<void> {
    await this.page.locator('#name').fill(details.name);
    await this.page.locator('#email').fill(details.email);
    await this.page.locator('#organisationId').selectOption({ label: details.organisation });
    await this.page.getByLabel(details.role, { exact: true }).check();
  }

  async send(): Promise<void> {
    await this.page.getByRole('button', { name: 'Send invitation' }).click();
  }
}

export class UserPage extends BasePage {
  expectedHeading() {
    return /.+/;
  }

  async disable(): Promise<void> {
    await this.page.getByRole('button', { name: 'Disable account' }).click();
  }

  async banner(): Promise<string> {
    return (await this.page.locator('.govuk-notification-banner').textContent()) ?? '';
  }
}

export class OutboxPage extends BasePage {
  expectedHeading() {
    return /^Email outbox$/;
  }

  async openFirstTo(address: string): Promise<void> {
    await this.page.locator('tr', { hasText: address }).first().getByRole('link').first().click();
  }
}

export class OutboxMessagePage extends BasePage {
  expectedHeading() {
    return /invited/;
  }

  async link(): Promise<string> {
    const body = (await this.page.getByTestId('outbox-body').textContent()) ?? '';
    const match = /https?:\/\/\S+/.exec(body);
    if (!match) throw new Error(`No link in: ${body}`);
    return match[0];
  }
}

export class SetPasswordPage extends BasePage {
  expectedHeading() {
    return /Set up your OneRoof account/;
  }

  async choose(password: string): Promise<void> {
    await this.page.locator('#password').fill(password);
    await this.page.locator('#confirmPassword').fill(password);
    await this.page.getByRole('button', { name: 'Save password' }).click();
  }
}

export class AuditLogPage extends BasePage {
  expectedHeading() {
    return /^Audit log$/;
  }
}
