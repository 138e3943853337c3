import { type Config, ConfigError, loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/database.ts';
import { EmbeddedStoreInUse } from '../server/db/embeddedStoreLock.ts';
import { createServices, type Services } from '../server/services.ts';
import { isDatabaseUnavailable } from '../server/shared/errors.ts';
import { resolveSecrets } from '../server/shared/secrets.ts';

/** An error an operator can act on: printed as one line, without a stack trace. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export interface OperatorContext {
  config: Config;
  services: Services;
}

/**
 * Opens what the server opens (configuration, secrets, the database from DATABASE_URL or the
 * PGlite store under DATA_DIR), runs one command, and closes the database whatever happens.
 */
export async function withServices<T>(work: (context: OperatorContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const secrets = resolveSecrets(config);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  const services = createServices(config, database, secrets);
  try {
    return await work({ config, services });
  } finally {
    await services.linking.settled();
    await services.audit.settled();
    await database.close();
  }
}

export function refuseInProduction(config: Config, command: string): void {
  if (config.nodeEnv === 'production') {
    throw new CliError(`${command} is refused when NODE_ENV=production: demo accounts have published passwords.`);
  }
}

/** One line for an operator; a stack trace only for what nobody expected. */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof ConfigError || error instanceof EmbeddedStoreInUse) return { message: error.message, exitCode: 1 };
  if (isDatabaseUnavailable(error)) return { message: `Cannot reach the database: ${(error as Error).message}`, exitCode: 1 };
  if ((error as { code?: unknown } | null)?.code === '42P01') {
    return { message: 'The database has no OneRoof tables yet. Run `npm run oneroof -- migrate` first.', exitCode: 1 };
  }
  return { message: error instanceof Error ? (error.stack ?? error.message) : String(error), exitCode: 1 };
}
