import { createServer } from 'node:net';
import { AxeBuilder } from '@axe-core/playwright';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/testApp.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps dialling Google, which this machine's
// closed network refuses.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface BrowserHarness {
  testApp: TestApp;
  baseUrl: string;
  browser: Browser;
  newPage(options?: { locale?: string; javaScriptEnabled?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

/** A real OneRoof server on a free port, on its own database, and a headless Debian Chromium. */
export async function startBrowserHarness(options: { extraRoutes?: (app: FastifyInstance) => void } = {}): Promise<BrowserHarness> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const testApp = await createTestApp({ env: { BASE_URL: baseUrl }, extraRoutes: options.extraRoutes });
  await testApp.app.listen({ port, host: '127.0.0.1' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const contexts: BrowserContext[] = [];
  return {
    testApp,
    baseUrl,
    browser,
    async newPage(options = {}) {
      const context = await browser.newContext({
        baseURL: baseUrl,
        locale: options.locale ?? 'en-GB',
        javaScriptEnabled: options.javaScriptEnabled ?? true,
        timezoneId: 'Europe/London',
      });
      context.setDefaultTimeout(10_000);
      contexts.push(context);
      const page = await context.newPage();
      if (options.javaScriptEnabled === false) pagesWithoutScript.add(page);
      return page;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await testApp.close();
    },
  };
}

// axe runs as a script in the page, so pages opened with JavaScript off cannot be checked; the
// same pages are checked in the tests that run with it on.
const pagesWithoutScript = new WeakSet<Page>();

// axe takes 1–2 s a run; a page already checked in the same language and state (with or
// without an error summary or banner) is not checked again in this file.
const checkedStates = new Set<string>();

async function pageState(page: Page): Promise<string> {
  const url = new URL(page.url());
  const path = url.pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id').replace(/\/(invite|reset-password)\/[^/]+/, '/$1/:token');
  const [lang, errors, banner] = await Promise.all([
    page.locator('html').getAttribute('lang'),
    page.locator('.govuk-error-summary').count(),
    page.locator('.govuk-notification-banner').count(),
  ]);
  return `${lang}|${path}|${errors}|${banner}`;
}

/** Runs axe (WCAG 2.2 A and AA rules) on the page as it is now; any violation fails the test. */
export async function expectAccessible(page: Page): Promise<void> {
  if (pagesWithoutScript.has(page)) return;
  const state = await pageState(page);
  if (checkedStates.has(state)) return;
  checkedStates.add(state);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const violations = results.violations
    .map((violation) => ({ ...violation, nodes: violation.nodes.filter((node) => !isGovukConditionalRadio(violation.id, node)) }))
    .filter((violation) => violation.nodes.length > 0)
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      targets: violation.nodes.map((node) => node.target.join(' ')).slice(0, 5),
    }));
  expect(violations, `axe violations on ${page.url()}`).toEqual([]);
}

/**
 * GOV.UK Frontend sets aria-expanded on a radio that reveals a conditional question. ARIA does
 * not allow it on radios, but the Design System keeps it on purpose, after research with screen
 * reader users (alphagov/govuk-frontend#979, a documented known issue). Only that attribute, on
 * those radios, is let through; anything else about them still fails.
 */
function isGovukConditionalRadio(rule: string, node: { html: string; all: { data: unknown }[]; any: { data: unknown }[] }): boolean {
  if (rule !== 'aria-allowed-attr' || !/class="[^"]*govuk-radios__input/.test(node.html) || !/aria-controls="conditional-/.test(node.html)) return false;
  const attributes = [...node.all, ...node.any].flatMap((check) => (Array.isArray(check.data) ? check.data : [check.data]));
  return attributes.length > 0 && attributes.every((attribute) => typeof attribute === 'string' && attribute.startsWith('aria-expanded='));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
