import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.ts';
import { SecretBox } from '../server/shared/crypto.ts';
import { createOrganisation, createUser, signedInAgent } from './factories/index.ts';
import { HttpAgent, type ServerProcess, startServerProcess, stopServerProcess } from './support/serverProcess.ts';
import { uploadAndCheck, waitForImportStatus } from './support/importJourney.ts';
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
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'oneroof-two-'));
    // A short stale time, so a process that wrongly judged another's import stopped would show it within the test.
    env = { DATABASE_URL: database.url!, DATA_DIR: dataDir, SESSION_SECRET: TEST_SECRETS.sessionSecret, ENCRYPTION_KEY: TEST_SECRETS.encryptionKey, IMPORT_STALE_SECONDS: '3' };
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

  it("a restart of one process leaves the CSV import running in the other alone; it finishes with every row", async () => {
    const [first] = servers as [ServerProcess, ServerProcess];
    const organisation = await createOrganisation(fixtures, { name: `Two-process council ${Math.random().toString(36).slice(2, 8)}` });
    const fixture = await createUser(fixtures, { role: 'case_manager', organisationId: organisation.id });
    const onFirst = new HttpAgent(first.url, Object.fromEntries((await signedInAgent(fixtures, fixture.user)).cookies));
    const rows = Array.from({ length: 200 }, (_, index) => `TWO-${index + 1},2026-03-${String((index % 28) + 1).padStart(2, '0')},noise,Row ${index + 1},NE6 1AA`);
    const importId = await uploadAndCheck(onFirst, `${['Reference,Date,Type,Summary,Postcode', ...rows].join('\r\n')}\r\n`, 'two-processes.csv');

    // Parks the import's transaction at its first insert, long past the stale time, its process alive.
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table incidents in share mode');
    try {
      expect((await onFirst.post(`/incidents/imports/${importId}/import`)).status).toBe(302);
      await waitForImportStatus(onFirst, importId, (status) => status.status === 'importing' && status.rows > 0);
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      // The second process restarts: its start-up, and its sweeps while we wait, look at running imports.
      await stopServerProcess(servers[1]!);
      servers[1] = await startServerProcess(env);
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const running = await blocker.query<{ status: string; beat_seconds_ago: number }>(
        'select status, extract(epoch from now() - heartbeat_at)::float8 as beat_seconds_ago from incident_imports where id = $1',
        [importId],
      );
      expect(running.rows[0]!.status).toBe('importing');
      expect(running.rows[0]!.beat_seconds_ago).toBeLessThan(3);
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    const done = await waitForImportStatus(onFirst, importId, (status) => status.status === 'imported');
    expect(done.status).toBe('imported');
    const stored = await database.db.selectFrom('incidents').select((eb) => eb.fn.countAll<string>().as('n')).where('import_id', '=', importId).executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(200);
  }, 180_000);
});

