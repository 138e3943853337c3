import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { loadConfig } from '../server/config.ts';
import { newPglite, openPglite } from '../server/db/database.ts';
import { claimEmbeddedStore } from '../server/db/embeddedStoreLock.ts';
import type { Database } from '../server/db/schema.ts';
import { verifyAuditChain } from '../server/modules/audit/auditVerifier.ts';
import { CliError } from './operatorContext.ts';

/** Tables whose row counts an export records and an import must reproduce. */
export const KEY_TABLES = ['organisations', 'users', 'people', 'cases', 'case_notes', 'case_attachments', 'incidents', 'referrals', 'alerts', 'sharing_agreements', 'audit_events'] as const;

const DATA_FILE = 'pglite.tar.gz';
const MANIFEST_FILE = 'manifest.json';
const ATTACHMENTS = 'attachments';
// Development secrets generated into DATA_DIR (shared/secrets.ts): second-factor secrets in the
// store are sealed with its encryption key, so a store is useless without it.
const SECRETS_FILE = '.secrets.json';

interface Manifest {
  format: 'oneroof-embedded-store/1';
  exportedAt: string;
  dataFile: string;
  sha256: string;
  rowCounts: Record<string, number>;
  audit: { lastSeq: string | null; lastHash: string | null };
}

export async function rowCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of KEY_TABLES) {
    const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
    counts[table] = Number(rows[0]!.n);
  }
  return counts;
}

/**
 * `export-store <dir>`: a copy of the embedded (PGlite) store under DATA_DIR — the database as
 * PGlite's own data-directory tarball, the attachments, the generated secrets (keep the copy as
 * safe as the store), and a manifest with row counts and the
 * audit chain's head, so an import can prove it restored the same thing. The store must not be
 * open in a server (the same lock the server takes).
 */
export async function exportStore(target: string): Promise<Manifest> {
  const config = loadConfig();
  if (config.databaseUrl) throw new CliError('DATABASE_URL is set: back PostgreSQL up with pg_dump or base backups (docs/reliability.md), not export-store.');
  const directory = path.resolve(config.dataDir, 'pglite');
  if (!existsSync(directory) || readdirSync(directory).length === 0) throw new CliError(`There is no embedded store under ${directory}.`);
  if (existsSync(target) && readdirSync(target).length > 0) throw new CliError(`${target} is not empty: export into a new folder.`);
  const release = claimEmbeddedStore(directory);
  try {
    const pglite = newPglite({ dataDir: directory });
    const handle = await openPglite(pglite, directory);
    try {
      const verified = await verifyAuditChain(handle.db);
      if (!verified.ok) throw new CliError(`The audit chain is broken at seq ${verified.firstBrokenSeq}: not exporting a store that does not verify.`);
      const counts = await rowCounts(handle.db);
      const dump = Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
      mkdirSync(target, { recursive: true });
      writeFileSync(path.join(target, DATA_FILE), dump);
      const attachments = path.resolve(config.dataDir, ATTACHMENTS);
      if (existsSync(attachments)) cpSync(attachments, path.join(target, ATTACHMENTS), { recursive: true });
      const secrets = path.resolve(config.dataDir, SECRETS_FILE);
      if (existsSync(secrets)) writeFileSync(path.join(target, SECRETS_FILE), readFileSync(secrets), { mode: 0o600 });
      const manifest: Manifest = {
        format: 'oneroof-embedded-store/1',
        exportedAt: new Date().toISOString(),
        dataFile: DATA_FILE,
        sha256: createHash('sha256').update(dump).digest('hex'),
        rowCounts: counts,
        audit: { lastSeq: verified.lastSeq ?? null, lastHash: verified.lastHash ?? null },
      };
      writeFileSync(path.join(target, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      return manifest;
    } finally {
      await handle.close();
    }
  } finally {
    release();
  }
}

/**
 * `import-store <dir>`: restores an export into an empty DATA_DIR, then checks it — the
 * tarball's hash, every key table's row count and the audit chain (head included) must match
 * the manifest; otherwise it says what differs and exits 1.
 */
export async function importStore(source: string): Promise<{ rowCounts: Record<string, number>; lastSeq: string | null }> {
  const config = loadConfig();
  if (config.databaseUrl) throw new CliError('DATABASE_URL is set: restore PostgreSQL with pg_restore (docs/reliability.md), not import-store.');
  const manifestPath = path.join(source, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw new CliError(`${source} has no ${MANIFEST_FILE}: is it a folder written by export-store?`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  if (manifest.format !== 'oneroof-embedded-store/1') throw new CliError(`${manifestPath}: unknown format ${String(manifest.format)}.`);
  const dump = readFileSync(path.join(source, manifest.dataFile));
  if (createHash('sha256').update(dump).digest('hex') !== manifest.sha256) throw new CliError(`${manifest.dataFile} does not match the hash in the manifest: the export is damaged.`);
  const directory = path.resolve(config.dataDir, 'pglite');
  if (existsSync(directory) && readdirSync(directory).length > 0) throw new CliError(`${directory} already holds a store: import into an empty DATA_DIR.`);
  mkdirSync(directory, { recursive: true });
  const release = claimEmbeddedStore(directory);
  try {
    const handle = await openPglite(newPglite({ dataDir: directory, loadDataDir: new Blob([dump]) }), directory);
    try {
      const counts = await rowCounts(handle.db);
      const differing = Object.entries(manifest.rowCounts).filter(([table, count]) => counts[table] !== count);
      if (differing.length > 0) throw new CliError(`Restored row counts differ: ${differing.map(([table, count]) => `${table} ${counts[table]} (expected ${count})`).join(', ')}.`);
      const verified = await verifyAuditChain(handle.db);
      if (!verified.ok) throw new CliError(`The restored audit chain is broken at seq ${verified.firstBrokenSeq}.`);
      if ((verified.lastSeq ?? null) !== manifest.audit.lastSeq || (verified.lastHash ?? null) !== manifest.audit.lastHash) {
        throw new CliError(`The restored audit chain ends at seq ${verified.lastSeq}, not at seq ${manifest.audit.lastSeq} as exported.`);
      }
      const attachments = path.join(source, ATTACHMENTS);
      if (existsSync(attachments)) cpSync(attachments, path.resolve(config.dataDir, ATTACHMENTS), { recursive: true });
      const secrets = path.join(source, SECRETS_FILE);
      const targetSecrets = path.resolve(config.dataDir, SECRETS_FILE);
      if (existsSync(secrets) && !existsSync(targetSecrets)) writeFileSync(targetSecrets, readFileSync(secrets), { mode: 0o600 });
      else if (existsSync(secrets) && !readFileSync(secrets).equals(readFileSync(targetSecrets))) {
        console.error(`${targetSecrets} differs from the exported one: second-factor secrets will not open unless ENCRYPTION_KEY matches the exported store's.`);
      }
      return { rowCounts: counts, lastSeq: verified.lastSeq ?? null };
    } finally {
      await handle.close();
    }
  } finally {
    release();
  }
}
