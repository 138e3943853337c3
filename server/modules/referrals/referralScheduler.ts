import { PgBoss } from 'pg-boss';
import { IntervalJob, type JobLogger } from '../../shared/intervalJob.ts';
import type { ReferralsService, ScanResult } from './referralsService.ts';

/** Starts and stops whatever runs the referral deadline scan. */
export interface ReferralScheduler {
  readonly kind: 'pg-boss' | 'interval' | 'off';
  start(): Promise<void>;
  stop(): Promise<void>;
}

type Logger = JobLogger;

export const DEADLINE_QUEUE = 'referral-deadlines';

/**
 * The PostgreSQL job queue: pg-boss keeps its own tables (schema `pgboss`), fires the cron
 * schedule once a minute across all app processes, and hands each job to exactly one worker.
 * The queue's `exclusive` policy (one job queued or active) means a slow scan is never overlapped
 * by the next one, nor does a backlog of scans build up behind it.
 */
export class PgBossReferralScheduler implements ReferralScheduler {
  readonly kind = 'pg-boss' as const;
  readonly #boss: PgBoss;
  readonly #referrals: ReferralsService;
  readonly #log: Logger;

  constructor(databaseUrl: string, referrals: ReferralsService, log: Logger) {
    this.#boss = new PgBoss({ connectionString: databaseUrl, max: 2, schema: 'pgboss' });
    this.#referrals = referrals;
    this.#log = log;
    this.#boss.on('error', (error: Error) => log.error({ err: error.message }, 'referral job queue error'));
  }

  async start(): Promise<void> {
    await this.#boss.start();
    await this.#boss.createQueue(DEADLINE_QUEUE, { policy: 'exclusive' });
    await this.#boss.schedule(DEADLINE_QUEUE, '* * * * *', null, { tz: 'Europe/London' });
    await this.#boss.work(DEADLINE_QUEUE, async () => {
      const result = await this.#referrals.scanDeadlines(new Date());
      logIfAnything(this.#log, result);
      return result;
    });
  }

  /** Queues a scan now rather than at the next minute (operators, tests). */
  async runNow(): Promise<void> {
    await this.#boss.send(DEADLINE_QUEUE, {});
  }

  async stop(): Promise<void> {
    await this.#boss.stop({ graceful: true, timeout: 10_000 });
  }
}

/**
 * A timer in this process. Several processes on one PostgreSQL server may each run one: the
 * scan takes a transaction-scoped advisory lock, so only one of them scans at a time (the
 * others skip that tick), and the scan itself never sends anything twice. On the embedded
 * store there is only ever one process.
 */
export class IntervalReferralScheduler implements ReferralScheduler {
  readonly kind = 'interval' as const;
  readonly #job: IntervalJob<ScanResult>;

  constructor(referrals: ReferralsService, log: Logger, everySeconds: number) {
    const run = async () => {
      const result = await referrals.scanDeadlinesUnlessRunning(new Date());
      if (result) logIfAnything(log, result);
      return result;
    };
    this.#job = new IntervalJob(run, { log, everyMs: everySeconds * 1000, failureMessage: 'referral deadline scan failed' });
  }

  async start(): Promise<void> {
    this.#job.start({ runNow: true });
  }

  /** One scan, unless another process (or a previous tick still running) is scanning. */
  tick(): Promise<ScanResult | undefined> {
    return this.#job.tick();
  }

  stop(): Promise<void> {
    return this.#job.stop();
  }
}

export class NoReferralScheduler implements ReferralScheduler {
  readonly kind = 'off' as const;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

/** `auto`: the job queue on PostgreSQL, the in-process timer on the embedded store. */
export function referralScheduler(
  setting: 'auto' | 'pg-boss' | 'interval' | 'off',
  database: { kind: string; url?: string | undefined },
  referrals: ReferralsService,
  log: Logger,
  everySeconds: number,
): ReferralScheduler {
  if (setting === 'off') return new NoReferralScheduler();
  const usePgBoss = setting === 'pg-boss' || (setting === 'auto' && database.kind === 'postgres');
  if (usePgBoss) {
    if (!database.url) throw new Error('REFERRAL_SCHEDULER=pg-boss needs DATABASE_URL (PostgreSQL)');
    return new PgBossReferralScheduler(database.url, referrals, log);
  }
  return new IntervalReferralScheduler(referrals, log, everySeconds);
}

function logIfAnything(log: Logger, result: ScanResult): void {
  if (Object.values(result).some((count) => count > 0)) log.info({ referralDeadlines: result }, 'referral deadlines scanned');
}
