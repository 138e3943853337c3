import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.ts';
import { SecretBox } from '../server/shared/crypto.ts';
import { createUser, signedInAgent } from './factories/index.ts';
import { HttpAgent, type ServerProcess, startServerProcess, stopServerProcess } from './support/serverProcess.ts';
import { TEST_SECRETS, type TestApp } from './support/testApp.ts';
import { createTestDatabase, preferredBackend, type TestDatabase } from './support/testDatabase.ts';

/**
 * The scale-out path (docs/architecture.md, "Beyond one machine"): two app processes on one
 * PostgreSQL database behave as one service behind a load balancer. Sessions, CSRF tokens and
 * data live in the database, so a request may land on either process.
 */
describe.runIf(preferredBackend() === 'postgres')('two app processes on one database', () => {
  let database: TestDatabase;
  let fixtures: TestApp;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'oneroof-two-'));
    const env = { DATABASE_URL: database.url!, DATA_DIR: dataDir, SESSION_SECRET: TEST_SECRETS.sessionSecret, ENCRYPTION_KEY: TEST_SECRETS.encryptionKey };
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, SESSION_SECRET: TEST_SECRETS.sessionSecret, ENCRYPTION_KEY: TEST_SECRETS.encryptionKey });
    fixtures = { database, config, services: { secretBox: new SecretBox(TEST_SECRETS.encryptionKey) } } as unknown as TestApp;
    servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
  }, 180_000);

  afterAll(async () => {
    for (const server of servers) await stopServerProcess(server);
    await database?.drop();
  });

  it('honours a session, its CSRF token and a change made through either process, and a sign-out through one ends it on both', async () => {
    const [first, second] = servers as [ServerProcess, ServerProcess];
    const fixture = await createUser(fixtures, { role: 'case_manager' });
    const cookies = Object.fromEntries((await signedInAgent(fixtures, fixture.user)).cookies);
    const onFirst = new HttpAgent(first.url, cookies);

    const profile = await onFirst.get('/profile');
    expect(profile.status).toBe(200);
    expect(profile.body).toContain(fixture.user.name);
    // The same session, the CSRF token the first process issued, a change posted to the second.
    const onSecond = onFirst.at(second.url);
    const created = await onSecond.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'medium', summary: 'Noise from a flat across two processes' });
    expect(created.status, created.body.slice(0, 400)).toBe(302);
    const caseUrl = created.location!;
    expect(caseUrl).toMatch(/^\/cases\/[0-9a-f-]{36}$/);
    // …visible at once through the first.
    const shown = await onFirst.get(caseUrl);
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('Noise from a flat across two processes');

    const signedOut = await onSecond.post('/sign-out');
    expect([302, 303]).toContain(signedOut.status);
    const after = await onFirst.get('/profile');
    expect(after.status).toBe(302);
    expect(after.location).toMatch(/^\/sign-in/);
  });
});
