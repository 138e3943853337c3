import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Backups (issue 9): point-in-time recovery, drilled in a throwaway PostgreSQL cluster of the
 * installed version (never the machine's own): a restore to a moment keeps what came before it,
 * loses what came after, and verifies — and a target the backup cannot reach fails the drill.
 */
function serverBinariesInstalled(): boolean {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return false;
  return readdirSync(root).some((major) => existsSync(`${root}/${major}/bin/initdb`) && existsSync(`${root}/${major}/bin/pg_basebackup`));
}

function runPitrDrill(env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/pitrDrill.sh'], { env: { ...process.env, BASE_URL: 'http://127.0.0.1', NODE_ENV: 'development', DATABASE_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe.runIf(serverBinariesInstalled())('the PostgreSQL point-in-time recovery drill', () => {
  it('restores a base backup plus archived WAL to the target time: the change before it is there, the ones after it are not, and the chain verifies', async () => {
    const { code, output } = await runPitrDrill();
    expect(code, output).toBe(0);
    expect(output).toMatch(/^ok {3}recovery promoted in [\d.]+s \(recovery stopping before commit/m);
    expect(output).toMatch(/^ok {3}good change present \(good@example\.org\)$/m);
    expect(output).toMatch(/^ok {3}bad change absent \(after-target@example\.org\)$/m);
    expect(output).toMatch(/^ok {3}bad change absent \(users renamed after-target\)$/m);
    expect(output).toMatch(/^ok {3}users 2$/m);
    expect(output).toMatch(/^ok {3}audit:verify \{"ok":true/m);
    expect(output).not.toMatch(/^FAIL/m);
    expect(output).toMatch(/^wal: [1-9]\d* segments archived .*, 0 archive failures$/m);
    expect(output).toContain('pitr drill passed');
  }, 180_000);

  it('fails loudly when the target is from before the base backup, which recovery cannot reach', async () => {
    const { code, output } = await runPitrDrill({ PITR_TARGET: '2000-01-01 00:00:00+00' });
    expect(code, output).toBe(1);
    expect(output).toMatch(/^FAIL target after the base backup ended/m);
    expect(output).toMatch(/^FAIL good change present \(good@example\.org\): expected 1, got 0$/m);
    expect(output).toContain('pitr drill FAILED');
    expect(output).not.toContain('pitr drill passed');
  }, 180_000);
});
