import { describe, expect, it } from 'vitest';
import { CoalescedRun } from './coalescedRun.ts';

describe('CoalescedRun', () => {
  it('runs one at a time, folds requests made during a run into one more run, and keeps going after a failure', async () => {
    let runs = 0;
    let concurrent = 0;
    let most = 0;
    const errors: unknown[] = [];
    const gates: (() => void)[] = [];
    const run = new CoalescedRun(async () => {
      runs += 1;
      concurrent += 1;
      most = Math.max(most, concurrent);
      await new Promise<void>((resolve) => gates.push(resolve));
      concurrent -= 1;
      if (runs === 2) throw new Error('second run fails');
    }, (error) => errors.push(error));

    const first = run.request();
    await Promise.resolve();
    expect(runs).toBe(1);
    // Three requests while the first run is going: one more run, not three.
    const during = [run.request(), run.request(), run.request()];
    gates.shift()!();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(2);
    gates.shift()!();
    await Promise.all(during);
    expect(errors).toHaveLength(1);
    await run.settled();
    expect(runs).toBe(2);
    expect(most).toBe(1);

    // After a failure it still runs when asked.
    const later = run.request();
    await new Promise((resolve) => setImmediate(resolve));
    gates.shift()!();
    await later;
    expect(runs).toBe(3);
  });

  it('starts a run no sooner than the interval after the last began, unless asked promptly', async () => {
    const started: number[] = [];
    const run = new CoalescedRun(async () => void started.push(performance.now()), () => undefined, { minIntervalMs: 300 });
    const origin = performance.now();
    await run.request();
    await run.request();
    expect(started).toHaveLength(2);
    expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(290);
    // A prompt request cuts short the wait of one already waiting.
    const waiting = run.request();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await run.request({ promptly: true });
    await waiting;
    expect(started).toHaveLength(3);
    expect(started[2]! - started[1]!).toBeLessThan(250);
    expect(started[0]! - origin).toBeLessThan(100);
  });
});
