import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresUrlForTests } from './support/postgresUrl.ts';
import { preferredBackend } from './support/testDatabase.ts';

/**
 * The load benchmark (issue 9) in a reduced size, so CI shows that `npm run bench -- load` still
 * runs end to end: two app processes, every action of the mix, no errors. The figures that
 * count come from the full run on a quiet machine (docs/benchmarks.md), not from here.
 */
function runBench(args: string[], databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const node = existsSync('node_modules/.bin/node') ? path.resolve('node_modules/.bin/node') : process.execPath;
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['bench/run.ts', ...args], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

interface LoadFigures {
  appProcesses: number;
  concurrentUsers: number;
  overall: { requests: number; errors: number; latencyMs: { p95: number } };
  errors: { total: number };
  warmup: { seconds: number; requests: number };
  perAction: Record<string, { requests: number }>;
  byMinute: { fromSecond: number; requests: number }[];
  incidentsPushed: number;
}

describe.runIf(preferredBackend() === 'postgres')('npm run bench -- load, reduced', () => {
  it('drives two app processes with the whole mix for a few seconds and reports every action with no errors', async () => {
    const serverUrl = await postgresUrlForTests();
    const run = await runBench(['load', '--seconds', '8', '--warmup', '2', '--window', '4', '--users', '20', '--people', '2000', '--cases', '400'], serverUrl!);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const figures = JSON.parse(run.stdout) as LoadFigures;
    expect(figures).toMatchObject({ appProcesses: 2, concurrentUsers: 20, warmup: { seconds: 2 } });
    expect(figures.errors.total).toBe(0);
    expect(figures.overall.errors).toBe(0);
    expect(Object.keys(figures.perAction).sort()).toEqual(['apiIncidents', 'casePage', 'home', 'myCases', 'personSearch', 'referralInbox', 'signIn']);
    expect(figures.overall.requests).toBeGreaterThan(40);
    expect(figures.overall.requests).toBe(Object.values(figures.perAction).reduce((sum, action) => sum + action.requests, 0));
    expect(figures.byMinute.reduce((sum, window) => sum + window.requests, 0)).toBe(figures.overall.requests);
    expect(figures.warmup.requests).toBeGreaterThan(0);
    expect(figures.overall.latencyMs.p95).toBeGreaterThan(0);
  }, 240_000);
});
