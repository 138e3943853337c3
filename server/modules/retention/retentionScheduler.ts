import { PgBoss } from 'pg-boss';
import { IntervalJob, type JobLogger } from '../../shared/intervalJob.ts';
import { systemActor } from '../../shared/actor.ts';
import type { RetentionService } from './retentionService.ts';

/** Starts and stops whatever proposes a retention run each night. It never approves one. */
export interface RetentionScheduler {
  readonly kind: 'pg-boss' | 'interval' | 'off';
  start(): Promise<void>;
  stop(): Promise<void>;
}

type Logger = JobLogger;

export const RETENTION_QUEUE = 'retention-plan';
// 02:30 London time: after the day's work, before the officer's.
const NIGHTLY = '30 2 * * *';
const actor = systemActor('retention-scheduler');

async function proposeAndLog(retention: RetentionService, log: Logger): Promise<string | undefined> {
  const runId = await retention.planIfNoneWaiting(actor, new Date());
  if (runId) log.info({ retentionRun: runId }, 'retention run proposed');
  return runId;
}

/** The PostgreSQL job queue, as for alerts and referral deadlines: one proposal a night across all processes. */
export class PgBossRetentionScheduler implements RetentionScheduler {
  readonly kind = 'pg-boss' as const;
  readonly #boss: PgBoss;
  readonly #retention: RetentionService;
  readonly #log: Logger;

  constructor(databaseUrl: string, retention: RetentionService, log: Logger) {
    this.#boss = new PgBoss({ connectionString: databaseUrl, max: 2, schema: 'pgboss' });
    this.#retention = retention;
    this.#log = log;
    this.#boss.on('error', (error: Error) => log.error({ err: error.message }, 'retention job queue error'));
  }

  async start(): Promise<void> {
    await this.#boss.start();
    await this.#boss.createQueue(RETENTION_QUEUE, { policy: 'exclusive' });
    await this.#boss.schedule(RETENTION_QUEUE, NIGHTLY, null, { tz: 'Europe/London' });
    await this.#boss.work(RETENTION_QUEUE, async () => ({ runId: (await proposeAndLog(this.#retention, this.#log)) ?? null }));
  }

  async stop(): Promise<void> {
    await this.#boss.stop({ graceful: true, timeout: 10_000 });
  }
}

/**
 * A timer in this process for the embedded store: a proposal every 24 hours from start-up.
 * `planIfNoneWaiting` takes an advisory lock and does nothing while a proposal waits, so a
 * second process or a slow tick proposes nothing twice.
 */
export class IntervalRetentionScheduler implements RetentionScheduler {
  readonly kind = 'interval' as const;
  readonly #job: IntervalJob<string>;

  constructor(retention: RetentionService, log: Logger, everyMs = 24 * 60 * 60_000) {
    this.#job = new IntervalJob(() => proposeAndLog(retention, log), { log, everyMs, failureMessage: 'retention plan failed' });
  }

  async start(): Promise<void> {
    this.#job.start();
  }

  tick(): Promise<string | undefined> {
    return this.#job.tick();
  }

  stop(): Promise<void> {
    return this.#job.stop();
  }
}

export class NoRetentionScheduler implements RetentionScheduler {
  readonly kind = 'off' as const;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

/** `auto`: the job queue on PostgreSQL, the in-process timer on the embedded store. */
export function retentionScheduler(
  setting: 'auto' | 'pg-boss' | 'interval' | 'off',
  database: { kind: string; url?: string | undefined },
  retention: RetentionService,
  log: Logger,
): RetentionScheduler {
  if (setting === 'off') return new NoRetentionScheduler();
  const usePgBoss = setting === 'pg-boss' || (setting === 'auto' && database.kind === 'postgres');
  if (usePgBoss) {
    if (!database.url) throw new Error('RETENTION_SCHEDULER=pg-boss needs DATABASE_URL (PostgreSQL)');
    return new PgBossRetentionScheduler(database.url, retention, log);
  }
  return new IntervalRetentionScheduler(retention, log);
}
