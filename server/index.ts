import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/database.ts';
import { EmbeddedStoreInUse } from './db/embeddedStoreLock.ts';
import { migrate } from './db/migrate.ts';
import { demoSignIns, formatDemoSignIns, seedDemoData } from './db/seeds/demoSeed.ts';
import { deleteExpiredSessions } from './middleware/sessionStore.ts';
import { deleteStaleRateLimitCounters } from './middleware/rateLimitStore.ts';
import { OutboxMailer } from './modules/outbox/outboxMailer.ts';
import { referralScheduler } from './modules/referrals/referralScheduler.ts';
import { SharingAgreementScheduler } from './modules/sharingAgreements/sharingAgreementScheduler.ts';
import { alertScheduler } from './modules/alerts/alertScheduler.ts';
import { retentionScheduler } from './modules/retention/retentionScheduler.ts';
import { ensureAuditPartitions } from './modules/audit/auditPartitions.ts';
import { ensureInstruments } from './modules/risk/riskInstruments.ts';
import { advisoryLocks, withAdvisoryLock } from './db/advisoryLock.ts';
import { createServices } from './services.ts';
import { resolveSecrets } from './shared/secrets.ts';
import { IntervalJob } from './shared/intervalJob.ts';

/** Starts OneRoof: configuration, database and migrations, demo data, then the web server. */
async function main() {
  const config = loadConfig();
  const secrets = resolveSecrets(config);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    analyticsDatabaseUrl: config.analyticsDatabaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    onPoolError: (error) => console.error(JSON.stringify({ level: 50, msg: 'database connection lost', err: error.message })),
  });
  const migrations = await migrate(database.db);
  await ensureAuditPartitions(database.db);
  await ensureInstruments(database.db);
  const services = createServices(config, database, secrets);
  const app = await buildApp({ services, secrets, precompileViews: true });
  app.log.info({ database: database.kind, location: database.location, applied: migrations.applied }, 'database ready');

  if (config.seedDemoData) {
    // Processes starting together on an empty database would otherwise both load it.
    const { seeded } = await withAdvisoryLock(database.db, database.kind, advisoryLocks.demoSeed, () => seedDemoData(services));
    if (seeded) app.log.info('demo data loaded');
  }

  const mailer = config.smtpUrl ? new OutboxMailer(database.db, config.smtpUrl, config.mailFrom, app.log) : undefined;
  mailer?.start();
  // Reminders and escalations of referral deadlines (docs/adr/0013-referral-deadlines-on-pg-boss-or-an-in-process-timer.md).
  const referralDeadlines = referralScheduler(
    config.referralScheduler,
    { kind: database.kind, url: config.databaseUrl },
    services.referrals,
    app.log,
    config.referralScanSeconds,
  );
  await referralDeadlines.start();
  const sharingReviews = new SharingAgreementScheduler(services.sharingAgreements, app.log);
  sharingReviews.start();
  // The alert rules over all incidents (docs/adr: alert rules as set-based SQL).
  const alertRules = alertScheduler(config.alertScheduler, { kind: database.kind, url: config.databaseUrl }, services.alerts, app.log, config.alertScanMinutes);
  await alertRules.start();
  // Nightly retention proposals; nothing is deleted until the data-protection officer approves (docs/adr/0026).
  const retentionPlans = retentionScheduler(config.retentionScheduler, { kind: database.kind, url: config.databaseUrl }, services.retention, app.log);
  await retentionPlans.start();
  // Audit events are chained as each request ends; this catches what a crash left in the inbox
  // and what background work appended in its own transactions (docs/adr/0030).
  const auditChaining = new IntervalJob(() => services.audit.chained(), { log: app.log, everyMs: 5_000, failureMessage: 'chaining audit events failed' });
  auditChaining.start({ runNow: true });
  // Next months' audit partitions, nightly, so events never pile into the default one (docs/adr/0031).
  const auditPartitions = new IntervalJob(() => ensureAuditPartitions(database.db), { log: app.log, everyMs: 24 * 60 * 60_000, failureMessage: 'creating audit partitions failed' });
  auditPartitions.start();
  const sessionSweep = setInterval(() => {
    void deleteExpiredSessions(database.db).catch(() => undefined);
    void deleteStaleRateLimitCounters(database.db).catch(() => undefined);
  }, 5 * 60_000);
  sessionSweep.unref();

  app.addHook('onClose', async () => {
    clearInterval(sessionSweep);
    await referralDeadlines.stop();
    await sharingReviews.stop();
    await alertRules.stop();
    await retentionPlans.stop();
    await mailer?.stop();
    await auditChaining.stop();
    await auditPartitions.stop();
    await services.linking.settled();
    await services.audit.settled();
    await database.close();
  });

  await app.listen({ port: config.port, host: config.host });
  if (config.seedDemoData) {
    const signIns = await demoSignIns(services);
    if (signIns.length > 0) console.log(formatDemoSignIns(signIns, config.baseUrl));
  }

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof EmbeddedStoreInUse) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
