import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { type Config, loadConfig } from '../../server/config.ts';
import type { DatabaseKind } from '../../server/db/database.ts';
import { ensureInstruments } from '../../server/modules/risk/riskInstruments.ts';
import { createServices, type Services } from '../../server/services.ts';
import type { Secrets } from '../../server/shared/secrets.ts';
import { createTestDatabase, type TestDatabase } from './testDatabase.ts';

export const TEST_SECRETS: Secrets = {
  sessionSecret: 'test-session-secret-that-is-long-enough-0123456789',
  encryptionKey: Buffer.alloc(32, 7).toString('base64'),
};

export const TEST_BASE_URL = 'http://oneroof.test';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  database: TestDatabase;
  config: Config;
  close(): Promise<void>;
}

/** A fully wired app on its own fresh database, driven with `app.inject` (no network). */
export async function createTestApp(
  options: { kind?: DatabaseKind; env?: Record<string, string>; extraRoutes?: (app: FastifyInstance) => void } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(options.kind);
  const config = loadConfig({
    NODE_ENV: 'test',
    BASE_URL: TEST_BASE_URL,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'oneroof-data-')),
    SESSION_SECRET: TEST_SECRETS.sessionSecret,
    ENCRYPTION_KEY: TEST_SECRETS.encryptionKey,
    // Link API pushes straight away, so a test can wait for linking with services.linking.settled().
    LINKING_INTERVAL_SECONDS: '0',
    ...options.env,
  });
  const services = createServices(config, database, TEST_SECRETS);
  await ensureInstruments(database.db);
  const app = await buildApp({ services, secrets: TEST_SECRETS, logger: false });
  options.extraRoutes?.(app);
  await app.ready();
  return {
    app,
    services,
    database,
    config,
    close: async () => {
      await app.close();
      await services.linking.settled();
      await services.audit.settled();
      await database.drop();
    },
  };
}
