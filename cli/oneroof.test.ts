import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseKind, openDatabase } from '../server/db/database.ts';
import type { Database } from '../server/db/schema.ts';
import { sha256Hex } from '../server/shared/crypto.ts';
import { type CliResult, runOneroof } from '../test/support/cli.ts';
import { TEST_BASE_URL, TEST_SECRETS } from '../test/support/testApp.ts';
import { availableBackends, createTestDatabase, type TestDatabase } from '../test/support/testDatabase.ts';


/**
 * The operator's journey, on each backend: Postgres through DATABASE_URL when a server is
 * reachable, and always the embedded PGlite store under DATA_DIR (a fresh folder, no DATABASE_URL).
 */
describe.each(availableBackends())('the oneroof command on %s', (kind: DatabaseKind) => {
  let dataDir: string;
  let postgres: TestDatabase | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'oneroof-cli-'));
    if (kind === 'postgres') postgres = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await postgres?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function oneroof(...args: string[]): Promise<CliResult> {
    return oneroofWith({}, ...args);
  }

  function oneroofWith(overrides: Record<string, string>, ...args: string[]): Promise<CliResult> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      BASE_URL: TEST_BASE_URL,
      DATA_DIR: dataDir,
      SESSION_SECRET: TEST_SECRETS.sessionSecret,
      ENCRYPTION_KEY: TEST_SECRETS.encryptionKey,
      ...(postgres?.url ? { DATABASE_URL: postgres.url } : {}),
      ...overrides,
    };
    return runOneroof(args, env);
  }

  /** The test's own look at the database, between commands (PGlite allows one process at a time). */
  async function inDatabase<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    if (postgres) return work(postgres.db);
    const handle = await openDatabase({ dataDir });
    try {
      return await work(handle.db);
    } finally {
      await handle.close();
    }
  }

  it('migrates', async () => {
    const result = await oneroof('migrate');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The Postgres test database is a copy of an already migrated template.
    const migrations = readdirSync(new URL('../server/db/migrations/', import.meta.url)).filter((name) => name.endsWith('.sql')).sort();
    if (kind === 'pglite') {
      expect(result.stdout).toContain(migrations.map((name) => `applied ${name}\n`).join(''));
      expect(result.stdout).toContain(`${migrations.length} migration(s) applied, 0 already in place`);
    } else {
      expect(result.stdout).toContain(`0 migration(s) applied, ${migrations.length} already in place`);
    }
  });

  it('loads the demo partnership and prints its sign-ins, then gives a demo account its code', async () => {
    const refused = await oneroofWith({ NODE_ENV: 'production' }, 'seed:demo');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('seed:demo is refused when NODE_ENV=production: demo accounts have published passwords.\n');

    const seeded = await oneroof('seed:demo');
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toContain(`OneRoof demo sign-ins for ${TEST_BASE_URL}`);
    expect(seeded.stdout).toMatch(/partnership_admin\s+admin@oneroof\.example\s+authenticator key [A-Z2-7]+/);

    const code = await oneroof('demo:code', 'admin@oneroof.example');
    expect(code.code).toBe(0);
    expect(code.stdout).toMatch(/^\d{6}\n$/);

    const notDemo = await oneroof('demo:code', 'someone@example.org');
    expect(notDemo.code).toBe(1);
    expect(notDemo.stderr).toBe('someone@example.org is not a demo account with an authenticator app.\n');
  });

  it('creates a partnership administrator and prints a working invitation link', async () => {
    const result = await oneroof('create-admin', '--email', 'New.Admin@Example.org', '--name', 'New Admin', '--organisation', 'Partnership Team');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const link = /(http:\/\/oneroof\.test\/invite\/(\S+))\n/.exec(result.stdout);
    expect(link).not.toBeNull();

    await inDatabase(async (db) => {
      const user = await db
        .selectFrom('users')
        .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
        .select(['users.id', 'users.role', 'users.password_hash', 'organisations.name as organisation'])
        .where('users.email', '=', 'new.admin@example.org')
        .executeTakeFirstOrThrow();
      expect(user).toMatchObject({ role: 'partnership_admin', password_hash: null, organisation: 'Partnership Team' });
      const token = await db.selectFrom('one_time_tokens').select(['user_id', 'purpose']).where('token_hash', '=', sha256Hex(link![2]!)).executeTakeFirstOrThrow();
      expect(token).toEqual({ user_id: user.id, purpose: 'invite' });
      const message = await db.selectFrom('email_outbox').select('body_text').where('to_address', '=', 'new.admin@example.org').executeTakeFirstOrThrow();
      expect(message.body_text).toContain(link![1]);
      const audit = await db.selectFrom('audit_events').select(['action', 'actor_label']).where('record_id', '=', user.id).orderBy('seq').execute();
      expect(audit).toEqual([
        { action: 'ADMIN_CREATED_FROM_CLI', actor_label: 'cli' },
        { action: 'INVITE_SENT', actor_label: 'cli' },
      ]);
    });
  });

  it('refuses an email address that already has an account', async () => {
    const result = await oneroof('create-admin', '--email', 'new.admin@example.org', '--name', 'Someone Else');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('There is already an account with the email address new.admin@example.org. Nothing was changed.\n');
    expect(result.stdout).toBe('');
  });

  it('verifies the audit chain, then names the row a superuser changed behind the triggers', async () => {
    const intact = await oneroof('audit:verify');
    expect(intact.code).toBe(0);
    const report = JSON.parse(intact.stdout) as { ok: boolean; checked: number };
    expect(report).toMatchObject({ ok: true });
    expect(report.checked).toBeGreaterThan(3);

    await inDatabase(async (db) => {
      await sql`alter table audit_events disable trigger user`.execute(db);
      await sql`update audit_events set actor_label = 'someone innocent' where seq = 2`.execute(db);
      await sql`alter table audit_events enable trigger user`.execute(db);
    });
    const broken = await oneroof('audit:verify');
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toEqual({ ok: false, checked: 1, firstBrokenSeq: '2', problem: 'hash-mismatch' });
    expect(broken.stderr).toMatch(/^Audit chain broken at seq 2: /);
    expect(broken.stderr).not.toMatch(/\n\s+at /);
  });
}, 120_000);
