import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../server/db/seeds/demoSeed.ts';
import { signedInAgent } from './factories/index.ts';
import type { TestAgent } from './support/agent.ts';
import { createTestApp, type TestApp } from './support/testApp.ts';
import { availableBackends } from './support/testDatabase.ts';

/**
 * Follows every link a demo user can see, page after page, on each store. PGlite serves one
 * query at a time, so a page that reads outside the transaction it is in waits for itself for
 * ever there while PostgreSQL answers at once: this walk finds such a page on the store the
 * app starts with, and any page that fails, before a person does.
 */
const PAGES_PER_USER = 400;
const SLOW_PAGE_MS = 5_000;
const USERS = ['manager@oneroof.example', 'caseworker@oneroof.example', 'nhs@oneroof.example', 'admin@oneroof.example', 'analyst@oneroof.example', 'dpo@oneroof.example'];
const NOT_FOLLOWED = [/^\/sign-out/, /^\/api\//, /[?&]lang=/, /^\/(public|assets|govuk|moj)\//];

describe.each(availableBackends())('every page a demo user can reach on %s', (kind) => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await createTestApp({ kind });
    await seedDemoData(testApp.services);
  });
  afterAll(async () => testApp?.close());

  async function agentFor(email: string): Promise<TestAgent> {
    const user = await testApp.database.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    return signedInAgent(testApp, user);
  }

  it.each(USERS)('as %s: every linked page answers, quickly, without an error', async (email) => {
    const agent = await agentFor(email);
    const seen = new Set<string>(['/']);
    const queue = ['/', '/cases', '/people', '/referrals/inbox', '/case-reviews', '/notifications'];
    const problems: string[] = [];
    let visited = 0;
    while (queue.length > 0 && visited < PAGES_PER_USER) {
      const url = queue.shift()!;
      visited += 1;
      const started = performance.now();
      const response = await agent.get(url);
      const ms = performance.now() - started;
      if (response.statusCode >= 500) problems.push(`${url} answered ${response.statusCode}`);
      if (ms > SLOW_PAGE_MS) problems.push(`${url} took ${Math.round(ms)} ms`);
      if (!String(response.headers['content-type'] ?? '').startsWith('text/html')) continue;
      for (const match of response.body.matchAll(/href="(\/[^"#]*)"/g)) {
        const link = match[1]!.replace(/&amp;/g, '&');
        if (seen.has(link) || NOT_FOLLOWED.some((pattern) => pattern.test(link))) continue;
        seen.add(link);
        queue.push(link);
      }
    }
    expect(problems).toEqual([]);
    // The walk really went through the service, not round a sign-in page.
    expect(visited).toBeGreaterThan(10);
  }, 120_000);
});
