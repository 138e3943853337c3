import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHarness, startBrowserHarness } from '../../integration_tests/support/browser.ts';
import { createOrganisation, createUser, totpCode, type UserFixture } from '../factories/index.ts';

/**
 * Stored script, in real Chromium. A case note holds an inline script and an onerror handler.
 * On the real timeline autoescaping shows it as text; on a test-only page that renders the same
 * stored note raw (standing in for a future escaping mistake) the Content-Security-Policy must
 * stop it, and the browser must report the violation.
 */
const INJECTED = '<script>window.__pwned = 1</script><img src="/no-such-image.png" onerror="window.__pwned = 2"><b id="injected-bold">bold</b>';

let harness: BrowserHarness;
let caseId: string;
let noteId: string;

beforeAll(async () => {
  harness = await startBrowserHarness({
    extraRoutes: (app) => {
      // Test only: renders a stored note's body without escaping, as a bug would.
      app.get('/test-only/raw-note/:noteId', { config: { access: 'public' } }, async (request, reply) => {
        const { noteId: id } = request.params as { noteId: string };
        const note = await harness.testApp.database.db.selectFrom('case_notes').select('body').where('id', '=', id).executeTakeFirstOrThrow();
        return reply.type('text/html; charset=utf-8').send(`<!doctype html><html lang="en"><head><title>Raw note</title></head><body><main><h1>Raw note</h1>${note.body}</main></body></html>`);
      });
    },
  });
}, 120_000);
afterAll(async () => harness?.close());

/** Records CSP violations from the page's first moment (init scripts run outside the page's policy). */
async function watchViolations(page: Page): Promise<void> {
  await page.addInitScript({
    content: "window.__violations = []; document.addEventListener('securitypolicyviolation', (event) => window.__violations.push(event.effectiveDirective));",
  });
}

/** Signs in through the real forms (the sign-in pages' own browser tests check them with axe). */
async function signIn(page: Page, fixture: UserFixture): Promise<void> {
  await page.goto('/sign-in');
  await page.locator('#email').fill(fixture.user.email);
  await page.locator('#password').fill(fixture.password);
  await page.locator('main form button[type=submit]').first().click();
  await page.locator('#code').fill(await totpCode(fixture.totpSecret!));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

// Expressions evaluated in the page (the project's TypeScript has no DOM types).
const pwned = (page: Page) => page.evaluate<number | undefined>('window.__pwned');
const violations = (page: Page) => page.evaluate<string[]>('window.__violations');

describe('content security policy against stored script (browser)', { timeout: 120_000 }, () => {
  it('shows an injected case note as text on the timeline, and nothing in it runs', async () => {
    const organisation = await createOrganisation(harness.testApp, { name: 'CSP agency' });
    const fixture = await createUser(harness.testApp, { role: 'case_worker', organisationId: organisation.id });
    const db = harness.testApp.database.db;
    caseId = (
      await db.insertInto('cases').values({ reference: 'ASB-2026-777777', case_type: 'anti_social_behaviour', summary: 'CSP case', lead_organisation_id: organisation.id }).returning('id').executeTakeFirstOrThrow()
    ).id;
    const page = await harness.newPage();
    await watchViolations(page);
    await signIn(page, fixture);
    // Stored through the real note form, as an attacker with an account would.
    await page.goto(`/cases/${caseId}/timeline`);
    await page.locator('#body').fill(INJECTED);
    await page.locator('input[name=sensitivity]').first().check();
    await page.getByTestId('note-form').locator('button').click();
    await page.waitForLoadState('load');
    noteId = (await db.selectFrom('case_notes').select('id').where('case_id', '=', caseId).where('body', '=', INJECTED).executeTakeFirstOrThrow()).id;
    await page.goto(`/cases/${caseId}/timeline`);
    await expect.poll(() => page.getByText('window.__pwned = 1', { exact: false }).count()).toBeGreaterThan(0);
    expect(await page.locator('#injected-bold').count()).toBe(0);
    expect(await pwned(page)).toBeUndefined();
  });

  it('blocks the same stored content when a page renders it raw, and reports the violation', async () => {
    const page = await harness.newPage();
    await watchViolations(page);
    const messages: string[] = [];
    page.on('console', (message) => messages.push(message.text()));
    const response = await page.goto(`/test-only/raw-note/${noteId}`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self' 'nonce-");
    // The markup did reach the page (this is the escaping mistake), so only the policy stands in the way.
    await expect.poll(() => page.locator('#injected-bold').count()).toBe(1);
    await expect.poll(() => violations(page)).toEqual(expect.arrayContaining(['script-src-elem', 'script-src-attr']));
    expect(await pwned(page)).toBeUndefined();
    expect(messages.join('\n')).toMatch(/Content Security Policy/);
  });
});
