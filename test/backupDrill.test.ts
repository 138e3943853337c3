import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/serverProcess.ts';
import { createTestDatabase, preferredBackend } from './support/testDatabase.ts';

/**
 * Backups (issue 9): the PostgreSQL restore drill script and the embedded store's export and
 * import, each shown to restore and verify — and to fail loudly when what they restore is not
 * what was backed up.
 */
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function runDrill(url: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/backupDrill.sh', url], { env: { ...process.env, BASE_URL: 'http://127.0.0.1', NODE_ENV: 'development' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe.runIf(preferredBackend() === 'postgres')('the PostgreSQL backup drill', () => {
  it('dumps, restores into a fresh database and verifies counts and the audit chain; a broken chain fails it', async () => {
    const database = await createTestDatabase('postgres');
    cleanups.push(() => database.drop());
    const env = { DATABASE_URL: database.url!, BASE_URL: 'http://127.0.0.1' };
    const admin = await runCli(['create-admin', '--email', 'drill@example.org', '--name', 'Drill Admin', '--organisation', 'Drill Council'], env);
    expect(admin.code, admin.stderr).toBe(0);

    const passed = await runDrill(database.url!);
    expect(passed.code, passed.output).toBe(0);
    expect(passed.output).toMatch(/^ok {3}users 1$/m);
    expect(passed.output).toMatch(/^ok {3}audit:verify \{"ok":true/m);
    expect(passed.output).toContain('backup drill passed');

    // An audit row changed in place: the restore is faithful, so the restored chain does not verify.
    // (The append-only trigger is bypassed the way only a superuser could.)
    await database.db.transaction().execute(async (trx) => {
      await sql`set local session_replication_role = replica`.execute(trx);
      await sql`update audit_events set details = '{"tampered":true}'::jsonb where seq = (select max(seq) from audit_events)`.execute(trx);
    });
    const failed = await runDrill(database.url!);
    expect(failed.code).toBe(1);
    expect(failed.output).toMatch(/^FAIL audit:verify/m);
    expect(failed.output).toContain('backup drill FAILED');
  }, 180_000);
});

describe('the embedded store export and import', () => {
  it('exports a PGlite store with a manifest, imports it into an empty DATA_DIR with the same counts and audit head, and refuses a damaged export', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'oneroof-store-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const original = { DATA_DIR: path.join(root, 'original'), BASE_URL: 'http://127.0.0.1' };
    const created = await runCli(['create-admin', '--email', 'store@example.org', '--name', 'Store Admin', '--organisation', 'Store Council'], original);
    expect(created.code, created.stderr).toBe(0);

    const exportDir = path.join(root, 'export');
    const exported = await runCli(['export-store', exportDir], original);
    expect(exported.code, exported.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(exportDir, 'manifest.json'), 'utf8')) as { rowCounts: Record<string, number>; audit: { lastSeq: string } };
    expect(manifest.rowCounts.users).toBe(1);
    expect(Number(manifest.audit.lastSeq)).toBeGreaterThan(0);

    const restored = { DATA_DIR: path.join(root, 'restored'), BASE_URL: 'http://127.0.0.1' };
    const imported = await runCli(['import-store', exportDir], restored);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout.trim())).toMatchObject({ rowCounts: manifest.rowCounts, auditLastSeq: manifest.audit.lastSeq });
    const verified = await runCli(['audit:verify'], restored);
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout.trim())).toMatchObject({ ok: true, lastSeq: manifest.audit.lastSeq });
    // The restored store keeps the generated secrets, so sealed second-factor secrets still open.
    expect(readFileSync(path.join(restored.DATA_DIR, '.secrets.json'), 'utf8')).toBe(readFileSync(path.join(original.DATA_DIR, '.secrets.json'), 'utf8'));

    const again = await runCli(['import-store', exportDir], restored);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds a store');

    const tarball = path.join(exportDir, 'pglite.tar.gz');
    const bytes = readFileSync(tarball);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    writeFileSync(tarball, bytes);
    const damaged = await runCli(['import-store', exportDir], { DATA_DIR: path.join(root, 'damaged'), BASE_URL: 'http://127.0.0.1' });
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain('does not match the hash in the manifest');
  }, 240_000);
});
