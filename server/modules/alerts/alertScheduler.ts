import { PgBoss } from 'pg-boss';
import { IntervalJob, type JobLogger } from '../../shared/intervalJob.ts';
import type { AlertsService, RunResult } from './alertsService.ts';

/** Starts and stops whatever runs the alert rules on a schedule. */
export interface AlertScheduler {
  readonly kind: 'pg-boss' | 'interval' | 'off';
  start(): Promise<void>;
  stop(): Promise<void>;
}

type Logger = JobLogger;

export const ALERT_QUEUE = 'alert-rules';

/** A cron expression for "every N minutes": minutes below an hour, else whole hours. */
export function cronEvery(minutes: number): string {
  if (minutes < 60) return `*/${minutes} * * * *`;
  return `0 */${Math.max(1, Math.round(minutes / 60))} * * *`;
}

/**
 * The PostgreSQL job queue, as for referral deadlines (ADR 0013): pg-boss fires the schedule once
 * across all app processes and its `exclusive` queue never overlaps one run with the next.
 */
export class PgBossAlertScheduler implements AlertScheduler {
  readonly kind = 'pg-boss' as const;
  readonly #boss: PgBoss;
  readonly #alerts: AlertsService;
  readonly #log: Logger;
  readonly #cron: string;

  constructor(databaseUrl: string, alerts: AlertsService, log: Logger, everyMinutes: number) {
    this.#boss = new PgBoss({ connectionString: databaseUrl, max: 2, schema: 'pgboss' });
    this.#alerts = alerts;
    this.#log = log;
    this.#cron = cronEvery(everyMinutes);
    this.#boss.on('error', (error: Error) => log.error({ err: error.message }, 'alert job queue error'));
  }

  async start(): Promise<void> {
    await this.#boss.start();
    await this.#boss.createQueue(ALERT_QUEUE, { policy: 'exclusive' });
    await this.#boss.schedule(ALERT_QUEUE, this.#cron, null, { tz: 'Europe/London' });
    await this.#boss.work(ALERT_QUEUE, async () => {
      const result = await this.#alerts.runRules(new Date());
      logRun(this.#log, result);
      return result;
    });
  }

  /** Queues a run now rather than at the next scheduled time (after an import). */
  async runNow(): Promise<void> {
    await this.#boss.send(ALERT_QUEUE, {});
  }

  async stop(): Promise<void> {
    await this.#boss.stop({ graceful: true, timeout: 10_000 });
  }
}

/**
 * A timer in this process. The run takes a transaction-scoped advisory lock, so of several
 * processes on one PostgreSQL server only one runs the rules at a time; the embedded store has
 * only ever one process.
 */
export class IntervalAlertScheduler implements AlertScheduler {
  readonly kind = 'interval' as const;
  readonly #job: IntervalJob<RunResult>;

  constructor(alerts: AlertsService, log: Logger, everyMinutes: number) {
    const run = async () => {
      const result = await alerts.runRulesUnlessRunning(new Date());
      if (result) logRun(log, result);
      return result;
    };
    this.#job = new IntervalJob(run, { log, everyMs: everyMinutes * 60_000, failureMessage: 'alert rules run failed' });
  }

  async start(): Promise<void> {
    this.#job.start();
  }

  /** One run, unless another process (or the previous tick) is running the rules. */
  tick(): Promise<RunResult | undefined> {
    return this.#job.tick();
  }

  stop(): Promise<void> {
    return this.#job.stop();
  }
}

export class NoAlertScheduler implements AlertScheduler {
  readonly kind = 'off' as const;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

/** `auto`: the job queue on PostgreSQL, the in-process timer on the embedded store. */
export function alertScheduler(
  setting: 'auto' | 'pg-boss' | 'interval' | 'off',
  database: { kind: string; url?: string | undefined },
  alerts: AlertsService,
  log: Logger,
  everyMinutes: number,
): AlertScheduler {
  if (setting === 'off') return new NoAlertScheduler();
  const usePgBoss = setting === 'pg-boss' || (setting === 'auto' && database.kind === 'postgres');
  if (usePgBoss) {
    if (!database.url) throw new Error('ALERT_SCHEDULER=pg-boss needs DATABASE_URL (PostgreSQL)');
    return new PgBossAlertScheduler(database.url, alerts, log, everyMinutes);
  }
  return new IntervalAlertScheduler(alerts, log, everyMinutes);
}

function logRun(log: Logger, result: RunResult): void {
  const raised = result.rules.reduce((sum, rule) => sum + rule.raised, 0);
  log.info({ alertRules: { raised, totalMs: result.totalMs } }, 'alert rules run');
}
