import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.ts';

export interface Secrets {
  sessionSecret: string;
  encryptionKey: string;
}

const storedSecretsSchema = z.object({ sessionSecret: z.string().min(32), encryptionKey: z.string().length(44) });

/**
 * Production sets SESSION_SECRET and ENCRYPTION_KEY (config refuses to start without them).
 * Elsewhere, missing secrets are generated once and kept in DATA_DIR/.secrets.json, so a fresh
 * machine needs no set-up and a restart keeps sessions and encrypted second factors readable.
 */
export function resolveSecrets(config: Pick<Config, 'sessionSecret' | 'encryptionKey' | 'dataDir'>): Secrets {
  if (config.sessionSecret && config.encryptionKey) {
    return { sessionSecret: config.sessionSecret, encryptionKey: config.encryptionKey };
  }
  const file = path.resolve(config.dataDir, '.secrets.json');
  let stored: Secrets;
  try {
    stored = storedSecretsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    stored = { sessionSecret: randomBytes(48).toString('base64url'), encryptionKey: randomBytes(32).toString('base64') };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return {
    sessionSecret: config.sessionSecret ?? stored.sessionSecret,
    encryptionKey: config.encryptionKey ?? stored.encryptionKey,
  };
}
