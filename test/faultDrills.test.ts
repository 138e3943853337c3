import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { openPostgres } from '../server/db/database.ts';
import { createServices } from '../server/services.ts';
import { SecretBox } from '../server/shared/crypto.ts';
import { createOrganisation, createUser, signedInAgent } from './factories/index.ts';
import { createSharingAgreement } from './factories/sharingAgreements.ts';
import { HttpAgent, killHard, runCli, type ServerProcess, startServerProcess, stopServerProcess } from './support/serverProcess.ts';
import { TcpProxy } from './support/tcpProxy.ts';
import { uploadAndCheck, waitForImportStatus } from './support/importJourney.ts';
import { TEST_SECRETS, type TestApp } from './support/testApp.ts';
import { createTestDatabase, preferredBackend, type TestDatabase } from './support/testDatabase.ts';

/**
 * Fault drills (issue 9, "Faults"): the real server as a child process on a real PostgreSQL
 * database, killed with SIGKILL in the middle of work, then restarted. After each drill the
 * stored data is whole (nothing partial, nothing doubled) and the audit chain verifies.
 * The connection cut and database restart drills live in test/resilience.test.ts.
 */

// The audit chain's advisory lock (auditRepository.ts): held by the test, chaining waits.
const AUDIT_CHAIN_LOCK_KEY = 4_242_001;
const IMPORT_ROWS = 5_000;

let database: TestDatabase;
let fixtures: TestApp;
let dataDir: string;
let env: Record<string, string>;
const servers: ServerProcess[] = [];
const db = () => database.db;
const unique = () => Math.random().toString(36).slice(2, 8);

async function start(extraEnv: Record<string, string> = {}): Promise<ServerProcess> {
  const server = await startServerProcess({ ...env, ...extraEnv });
  servers.push(server);
  return server;
}

/** A signed-in session for a user, written into the database the server reads sessions from. */
async function sessionFor(server: ServerProcess, role: 'case_manager' | 'case_worker', organisationId: string) {
  const fixture = await createUser(fixtures, { role, organisationId });
  const agent = await signedInAgent(fixtures, fixture.user);
  return { user: fixture.user, agent: new HttpAgent(server.url, Object.fromEntries(agent.cookies)) };
}

/**
 * A connection of the test's own that locks the audit inbox against inserts until released. Every
 * audited transaction puts its events in the inbox as its last statement (ADR 0030), so a request
 * waiting here has made all its other writes and not committed.
 */
async function holdAuditInbox() {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query('begin');
  await client.query('lock table audit_inbox in share mode');
  return {
    /** Resolves once a transaction is queued behind the lock with its audit events. */
    async waitForWaiter(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        // Activity is otherwise a snapshot taken once per transaction, and this one stays open.
        await client.query('select pg_stat_clear_snapshot()');
        const { rows } = await client.query<{ n: string }>(
          `select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike 'insert into "audit_inbox"%'`,
        );
        if (Number(rows[0]!.n) > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('nothing waited to write audit events');
    },
    release: async () => {
      await client.query('rollback');
      await client.end();
    },
  };
}

async function auditVerifies(): Promise<void> {
  const result = await runCli(['audit:verify'], env);
  expect(result.code, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toMatchObject({ ok: true });
}

function incidentsCsv(prefix: string): string {
  const header = 'Reference,Date,Type,Summary,Postcode';
  const rows = Array.from({ length: IMPORT_ROWS }, (_, index) => `${prefix}-${index + 1},2026-03-${String((index % 28) + 1).padStart(2, '0')},noise,Drill row ${index + 1},NE6 1AA`);
  return `${[header, ...rows].join('\r\n')}\r\n`;
}


describe.runIf(preferredBackend() === 'postgres')('fault drills on a real server process', () => {
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'oneroof-drill-'));
    env = { DATABASE_URL: database.url!, DATA_DIR: dataDir, SESSION_SECRET: TEST_SECRETS.sessionSecret, ENCRYPTION_KEY: TEST_SECRETS.encryptionKey };
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, SESSION_SECRET: TEST_SECRETS.sessionSecret, ENCRYPTION_KEY: TEST_SECRETS.encryptionKey });
    // The factories need only the database, the secret box and the session settings.
    fixtures = { database, config, services: { secretBox: new SecretBox(TEST_SECRETS.encryptionKey) } } as unknown as TestApp;
  });
  afterAll(async () => {
    for (const server of servers) await killHard(server);
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('kill -9 during a CSV import: nothing of it is stored, it shows as interrupted after restart, and it can be run again', async () => {
    // A short stale time: the killed process's import stops beating and is failed within seconds.
    const first = await start({ IMPORT_STALE_SECONDS: '2' });
    const organisation = await createOrganisation(fixtures, { name: `Drill council ${unique()}` });
    const { agent } = await sessionFor(first, 'case_manager', organisation.id);
    const content = incidentsCsv(`KILL-${unique()}`);
    const importId = await uploadAndCheck(agent, content);

    const lock = await holdAuditInbox();
    try {
      expect((await agent.post(`/incidents/imports/${importId}/import`)).status).toBe(302);
      // Rows are being written inside the import's one transaction when the process dies.
      await waitForImportStatus(agent, importId, (status) => status.status === 'importing' && status.rows > 0);
      await killHard(first);
    } finally {
      await lock.release();
    }
    const countOf = async (id: string) => Number((await db().selectFrom('incidents').select((eb) => eb.fn.countAll().as('n')).where('import_id', '=', id).executeTakeFirstOrThrow()).n);
    expect(await countOf(importId)).toBe(0);
    expect((await db().selectFrom('incidents').select('id').where('source_organisation_id', '=', organisation.id).execute()).length).toBe(0);

    const second = await start({ IMPORT_STALE_SECONDS: '2' });
    const again = agent.at(second.url);
    // At start-up, or at the next sweep once its heartbeat is older than the stale time: no manual step.
    const importRow = () => db().selectFrom('incident_imports').select(['status', 'failure', 'rows_imported']).where('id', '=', importId).executeTakeFirstOrThrow();
    const failedBy = Date.now() + 20_000;
    while ((await importRow()).status !== 'failed' && Date.now() < failedBy) await new Promise((resolve) => setTimeout(resolve, 200));
    const row = await importRow();
    expect(row).toMatchObject({ status: 'failed', failure: 'incidents.failures.interrupted' });
    const page = await again.get(`/incidents/imports/${importId}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('The import stopped when OneRoof was restarted. Nothing from it was stored');

    const rerunId = await uploadAndCheck(again, content);
    expect((await again.post(`/incidents/imports/${rerunId}/import`)).status).toBe(302);
    await waitForImportStatus(again, rerunId, (status) => status.status === 'imported');
    expect(await countOf(rerunId)).toBe(IMPORT_ROWS);
    await stopServerProcess(second);
    await auditVerifies();
  }, 240_000);

  it('kill -9 during a referral accept: the referral is neither lost nor doubled, and accepting again works once', async () => {
    const server = await start();
    const police = await createOrganisation(fixtures, { name: `Drill police ${unique()}`, type: 'police' });
    const council = await createOrganisation(fixtures, { name: `Drill council ${unique()}` });
    await createSharingAgreement(fixtures, [police.id, council.id]);
    const sender = await sessionFor(server, 'case_manager', police.id);
    const opened = await sender.agent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'high', summary: 'Drill case', area: 'Byker' });
    expect(opened.status, opened.body).toBe(302);
    const caseId = opened.location!.split('/').pop()!;
    const sent = await sender.agent.post(`/cases/${caseId}/referrals/new`, {
      toOrganisationId: council.id, urgency: 'working_days_5', reason: 'Drill', requested: 'Support', informationShared: 'Drill information', lawfulBasis: 'public_task', consent: 'given',
    });
    expect(sent.status, sent.body).toBe(302);
    const referral = await db().selectFrom('referrals').select(['id', 'version']).where('case_id', '=', caseId).executeTakeFirstOrThrow();
    const receiver = await sessionFor(server, 'case_manager', council.id);
    await receiver.agent.csrfToken();

    const state = async () => ({
      referral: await db().selectFrom('referrals').select(['status', 'version', 'accepted_case_id']).where('id', '=', referral.id).executeTakeFirstOrThrow(),
      participants: (await db().selectFrom('case_participants').select('organisation_id').where('case_id', '=', caseId).where('organisation_id', '=', council.id).execute()).length,
      acceptedEvents: (await db().selectFrom('referral_events').select('kind').where('referral_id', '=', referral.id).where('kind', '=', 'accepted').execute()).length,
      acceptedAudits: (await db().selectFrom('audit_events').select('seq').where('record_id', '=', referral.id).where('action', '=', 'REFERRAL_ACCEPTED').execute()).length,
    });

    const lock = await holdAuditInbox();
    try {
      const accepting = receiver.agent.post(`/referrals/${referral.id}/accept`, { version: String(referral.version) }).catch((error: unknown) => error);
      // The accept has updated the referral and joined the case, and waits to write its audit event.
      await lock.waitForWaiter();
      await killHard(server);
      expect(await accepting).toBeInstanceOf(Error);
    } finally {
      await lock.release();
    }
    expect(await state()).toEqual({ referral: { status: 'received', version: referral.version, accepted_case_id: null }, participants: 0, acceptedEvents: 0, acceptedAudits: 0 });

    const restarted = await start();
    const receiverAgain = receiver.agent.at(restarted.url);
    expect((await receiverAgain.post(`/referrals/${referral.id}/accept`, { version: String(referral.version) })).status).toBe(302);
    // A second click (the page as it was before the crash) changes nothing.
    const twice = await receiverAgain.post(`/referrals/${referral.id}/accept`, { version: String(referral.version) });
    expect(twice.status).toBe(302);
    expect((await receiverAgain.get(twice.location!)).body).toContain('has already accepted this referral');
    expect(await state()).toEqual({ referral: { status: 'accepted', version: referral.version + 1, accepted_case_id: caseId }, participants: 1, acceptedEvents: 1, acceptedAudits: 1 });
    await stopServerProcess(restarted);
    await auditVerifies();
  }, 240_000);

  it('kill -9 after a change commits but before its audit event is chained: the event waits in the inbox and the restarted app chains it', async () => {
    const server = await start();
    const organisation = await createOrganisation(fixtures, { name: `Drill council ${unique()}` });
    const officer = await sessionFor(server, 'case_manager', organisation.id);
    const chainHolder = new pg.Client({ connectionString: database.url });
    await chainHolder.connect();
    await chainHolder.query('select pg_advisory_lock($1)', [AUDIT_CHAIN_LOCK_KEY]);
    let opening;
    try {
      opening = officer.agent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'medium', summary: 'Committed before the crash', area: 'Walker' }).catch((error: unknown) => error);
      // The case and its CASE_CREATED event have committed; the request waits for the chain.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const { rows } = await chainHolder.query<{ n: string }>("select count(*) as n from pg_locks where locktype = 'advisory' and not granted");
        const created = await db().selectFrom('cases').select('id').where('summary', '=', 'Committed before the crash').execute();
        if (Number(rows[0]!.n) > 0 && created.length === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await killHard(server);
      expect(await opening).toBeInstanceOf(Error);
    } finally {
      await chainHolder.query('select pg_advisory_unlock_all()');
      await chainHolder.end();
    }
    const kase = await db().selectFrom('cases').select('id').where('summary', '=', 'Committed before the crash').executeTakeFirstOrThrow();
    const inChain = async () => (await db().selectFrom('audit_events').select('seq').where('record_id', '=', kase.id).where('action', '=', 'CASE_CREATED').execute()).length;
    const inInbox = async () => (await db().selectFrom('audit_inbox').select('id').where('record_id', '=', kase.id).where('action', '=', 'CASE_CREATED').execute()).length;
    expect({ inChain: await inChain(), inInbox: await inInbox() }).toEqual({ inChain: 0, inInbox: 1 });
    const waiting = await runCli(['audit:verify'], env);
    expect(JSON.parse(waiting.stdout.trim().split('\n').pop()!)).toMatchObject({ ok: true, waitingToBeChained: 1 });

    const restarted = await start();
    const deadline = Date.now() + 20_000;
    while ((await inInbox()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect({ inChain: await inChain(), inInbox: await inInbox() }).toEqual({ inChain: 1, inInbox: 0 });
    await stopServerProcess(restarted);
    await auditVerifies();
  }, 120_000);

  it('the database connection cut in the middle of a request: a clear 503 page, then recovery without a restart', async () => {
    const target = new URL(database.url!);
    const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.start();
    const proxied = new URL(database.url!);
    proxied.port = String(proxy.port);
    const handle = openPostgres(proxied.toString(), { poolSize: 3, onPoolError: () => undefined });
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, SESSION_SECRET: TEST_SECRETS.sessionSecret, ENCRYPTION_KEY: TEST_SECRETS.encryptionKey });
    const services = createServices(config, handle, TEST_SECRETS);
    const app = await buildApp({ services, secrets: TEST_SECRETS, logger: false });
    try {
      const inProcess = { ...fixtures, app, services } as TestApp;
      const organisation = await createOrganisation(inProcess, { name: `Drill police ${unique()}`, type: 'police' });
      const agent = await signedInAgent(inProcess, (await createUser(inProcess, { role: 'case_manager', organisationId: organisation.id })).user);
      const opened = await agent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'medium', summary: 'Connection drill', area: 'Byker' });
      const caseId = String(opened.headers.location).split('/').pop()!;
      const views = async () => (await db().selectFrom('audit_events').select('seq').where('record_id', '=', caseId).where('action', '=', 'CASE_VIEWED').execute()).length;

      const lock = await holdAuditInbox();
      let cut;
      try {
        const viewing = agent.get(`/cases/${caseId}`);
        // The page has read the case and waits to write its audit event when the connection goes.
        await lock.waitForWaiter();
        await proxy.cut();
        cut = await viewing;
      } finally {
        await lock.release();
      }
      expect(cut.statusCode, cut.body).toBe(503);
      expect(cut.body).toContain('Sorry, the service is unavailable');

      await proxy.start();
      expect((await agent.get(`/cases/${caseId}`)).statusCode).toBe(200);
      // The view that failed left no audit event; the one that worked left one.
      expect(await views()).toBe(1);
    } finally {
      await app.close();
      await handle.close();
      await proxy.cut();
    }
    await auditVerifies();
  }, 120_000);

  // A real full disk needs a tiny file system: a tmpfs, which only root may mount.
  it.runIf(canMountTmpfs())('a full disk for attachments: the upload is refused with a clear message, the typed note is kept and nothing is half-stored', async () => {
    const attachments = path.join(dataDir, 'attachments');
    mkdirSync(attachments, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', attachments]);
    try {
      const server = await start();
      const organisation = await createOrganisation(fixtures, { name: `Drill police ${unique()}`, type: 'police' });
      const { agent } = await sessionFor(server, 'case_manager', organisation.id);
      const opened = await agent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'medium', summary: 'Disk drill', area: 'Byker' });
      const caseId = opened.location!.split('/').pop()!;
      await agent.get(`/cases/${caseId}/timeline`);
      const form = new FormData();
      form.append('body', 'Visited the address; photo of the damage attached');
      form.append('sensitivity', 'standard');
      form.append('attachment', new Blob([Buffer.alloc(256 * 1024, 0x41)], { type: 'text/plain' }), 'statement.txt');
      const refused = await agent.postMultipart(`/cases/${caseId}/notes/new`, form);
      expect(refused.status).toBe(507);
      expect(refused.body).toContain('The file could not be stored because the attachment storage is full');
      expect(refused.body).toContain('Visited the address; photo of the damage attached');
      expect(refused.body).toContain('govuk-error-summary');
      expect(await db().selectFrom('case_notes').select('id').where('case_id', '=', caseId).execute()).toHaveLength(0);
      expect(await db().selectFrom('case_attachments').select('id').where('case_id', '=', caseId).execute()).toHaveLength(0);
      expect(execFileSync('ls', ['-A', attachments]).toString().trim()).toBe('');
      // Without the file the note is saved: the service carries on.
      const plain = new FormData();
      plain.append('body', 'Visited the address');
      plain.append('sensitivity', 'standard');
      expect((await agent.postMultipart(`/cases/${caseId}/notes/new`, plain)).status).toBe(302);
      await stopServerProcess(server);
    } finally {
      execFileSync('umount', [attachments]);
    }
    await auditVerifies();
  }, 240_000);
});

/** Whether this machine lets the test mount a tmpfs (root, outside a locked-down container). */
function canMountTmpfs(): boolean {
  const probe = mkdtempSync(path.join(os.tmpdir(), 'oneroof-mount-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
