import { describe, expect, it } from 'vitest';
import { runProjectScript } from './support/cli.ts';
import { postgresUrlForTests } from './support/postgresUrl.ts';
import { preferredBackend } from './support/testDatabase.ts';

/**
 * The load benchmark (issue 9) in a reduced size, so CI shows that `npm run bench -- load` still
 * runs end to end: two app processes, every action of the mix, no errors. The figures that
 * count come from the full run on a quiet machine (docs/benchmarks.md), not from here.
 */
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
    const run = await runProjectScript('bench/run.ts', ['load', '--seconds', '8', '--warmup', '2', '--window', '4', '--users', '20', '--people', '2000', '--cases', '400', '--data', 'test/data'], { PATH: process.env.PATH ?? '', DATABASE_URL: serverUrl! });
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
