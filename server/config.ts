import { z } from 'zod';

/**
 * Every setting OneRoof reads from the environment: its variable, its default and whether a
 * production deployment must set it. `docs/configuration.md` is generated from this table.
 */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

interface SettingDefinition<T> {
  env: string;
  schema: z.ZodType<T>;
  default: (env: Environment) => T | undefined;
  requiredInProduction?: boolean;
  description: string;
}

type Environment = Record<string, string | undefined>;

function setting<T>(definition: SettingDefinition<T>): SettingDefinition<T> {
  return definition;
}

const isProduction = (env: Environment) => env.NODE_ENV === 'production';

export const settings = {
  nodeEnv: setting({
    env: 'NODE_ENV',
    schema: z.enum(['development', 'production', 'test']),
    default: () => 'development',
    description: 'development, test or production. Production turns on secure cookies and refuses demo data.',
  }),
  port: setting({
    env: 'PORT',
    schema: z.coerce.number().int().min(0).max(65535),
    default: () => 3000,
    description: 'TCP port the web server listens on.',
  }),
  host: setting({
    env: 'HOST',
    schema: z.string().min(1),
    default: () => 'localhost',
    description: 'Interface to listen on; set 0.0.0.0 in a container.',
  }),
  baseUrl: setting({
    env: 'BASE_URL',
    schema: z.url(),
    default: (env) => `http://localhost:${env.PORT ?? '3000'}`,
    requiredInProduction: true,
    description: 'Public address of the service, used in e-mailed links and single sign-on redirects.',
  }),
  databaseUrl: setting({
    env: 'DATABASE_URL',
    schema: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    default: () => undefined,
    description: 'PostgreSQL server. When unset, an embedded PGlite store under DATA_DIR is used.',
  }),
  linkingIntervalSeconds: setting({
    env: 'LINKING_INTERVAL_SECONDS',
    schema: z.coerce.number().int().min(0).max(3600),
    default: () => 15,
    description: 'Incidents pushed through the API are linked to people, and the alert rules run, at most once per this many seconds (batches arriving meanwhile share the run). CSV imports are linked as soon as they finish.',
  }),
  importStaleSeconds: setting({
    env: 'IMPORT_STALE_SECONDS',
    schema: z.coerce.number().int().min(1).max(3600),
    default: () => 120,
    description: 'A CSV import whose process has not shown a sign of life for this many seconds (it stopped or was killed) is marked failed, at start-up or by a sweep every half of this. Imports running in another live process are left alone.',
  }),
  analyticsDatabaseUrl: setting({
    env: 'ANALYTICS_DATABASE_URL',
    schema: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    default: () => undefined,
    description: 'A read replica of DATABASE_URL that dashboards, hotspots and other analytics read from, so heavy queries leave the primary to case work. Unset: analytics read DATABASE_URL.',
  }),
  databasePoolSize: setting({
    env: 'DATABASE_POOL_SIZE',
    schema: z.coerce.number().int().min(1).max(200),
    default: () => 10,
    description: 'Connections each app process keeps to PostgreSQL.',
  }),
  dataDir: setting({
    env: 'DATA_DIR',
    schema: z.string().min(1),
    default: () => './data',
    description: 'Folder for the embedded store, generated development secrets and attachments.',
  }),
  sessionSecret: setting({
    env: 'SESSION_SECRET',
    schema: z.string().min(32, 'must be at least 32 characters'),
    default: () => undefined,
    requiredInProduction: true,
    description: 'Signs session cookies. Outside production a random one is kept in DATA_DIR.',
  }),
  encryptionKey: setting({
    env: 'ENCRYPTION_KEY',
    schema: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes, base64 encoded'),
    default: () => undefined,
    requiredInProduction: true,
    description: 'Encrypts second-factor and single sign-on secrets at rest (32 bytes, base64).',
  }),
  sessionIdleMinutes: setting({
    env: 'SESSION_IDLE_MINUTES',
    schema: z.coerce.number().int().min(1).max(24 * 60),
    default: () => 30,
    description: 'A session ends after this many minutes without a request.',
  }),
  cookieSecure: setting({
    env: 'COOKIE_SECURE',
    schema: booleanFromEnv,
    default: (env) => isProduction(env),
    description: 'Send cookies over HTTPS only (on by default in production).',
  }),
  trustProxy: setting({
    env: 'TRUST_PROXY',
    schema: booleanFromEnv,
    default: () => false,
    description: 'Trust X-Forwarded-* headers from a reverse proxy for client IP and protocol.',
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: (env) => (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    description: 'pino log level.',
  }),
  seedDemoData: setting({
    env: 'SEED_DEMO_DATA',
    schema: booleanFromEnv,
    default: (env) => !isProduction(env),
    description: 'Load demo partners and sign-ins into an empty database at start.',
  }),
  smtpUrl: setting({
    env: 'SMTP_URL',
    schema: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL'),
    default: () => undefined,
    description: 'When set, messages in the e-mail outbox are sent through this server.',
  }),
  mailFrom: setting({
    env: 'MAIL_FROM',
    schema: z.string().min(3),
    default: () => 'OneRoof <no-reply@oneroof.invalid>',
    description: 'From address of e-mails.',
  }),
  signInMaxFailures: setting({
    env: 'SIGN_IN_MAX_FAILURES',
    schema: z.coerce.number().int().min(1),
    default: () => 5,
    description: 'Failed sign-ins for one e-mail address before it is locked for a while.',
  }),
  signInMaxFailuresPerIp: setting({
    env: 'SIGN_IN_MAX_FAILURES_PER_IP',
    schema: z.coerce.number().int().min(1),
    default: () => 30,
    description: 'Failed sign-ins from one IP address before it is locked for a while.',
  }),
  signInLockMinutes: setting({
    env: 'SIGN_IN_LOCK_MINUTES',
    schema: z.coerce.number().int().min(1),
    default: () => 15,
    description: 'First lock period; each further lock doubles it (up to a day).',
  }),
  apiRateLimitPerMinute: setting({
    env: 'API_RATE_LIMIT_PER_MINUTE',
    schema: z.coerce.number().int().min(1),
    default: () => 600,
    description: 'Requests per minute allowed for one API key (or one IP without a key).',
  }),
  apiBodyLimitBytes: setting({
    env: 'API_BODY_LIMIT_BYTES',
    schema: z.coerce.number().int().min(1024),
    default: () => 5 * 1024 * 1024,
    description: 'Largest JSON body the API accepts.',
  }),
  caseReviewSubmissionsPerHour: setting({
    env: 'CASE_REVIEW_SUBMISSIONS_PER_HOUR',
    schema: z.coerce.number().int().min(1),
    default: () => 10,
    description: 'ASB Case Review applications and appeals one IP address may send in an hour (counted in each app process).',
  }),
  formBodyLimitBytes: setting({
    env: 'FORM_BODY_LIMIT_BYTES',
    schema: z.coerce.number().int().min(1024),
    default: () => 256 * 1024,
    description: 'Largest form post a page accepts.',
  }),
  attachmentMaxBytes: setting({
    env: 'ATTACHMENT_MAX_BYTES',
    schema: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024),
    default: () => 10 * 1024 * 1024,
    description: 'Largest file that can be attached to a case note. Attachments are kept under DATA_DIR/attachments.',
  }),
  breakGlassMinutes: setting({
    env: 'BREAK_GLASS_MINUTES',
    schema: z.coerce.number().int().min(1).max(24 * 60),
    default: () => 60,
    description: 'How long emergency (break-glass) access to a case lasts once someone has given their reason.',
  }),
  referralScheduler: setting({
    env: 'REFERRAL_SCHEDULER',
    schema: z.enum(['auto', 'pg-boss', 'interval', 'off']),
    default: () => 'auto' as const,
    description: 'What runs the referral deadline scan: auto (pg-boss on PostgreSQL, an in-process timer on the embedded store), pg-boss, interval (a timer; one process at a time scans, under an advisory lock) or off.',
  }),
  referralScanSeconds: setting({
    env: 'REFERRAL_SCAN_SECONDS',
    schema: z.coerce.number().int().min(10).max(3600),
    default: () => 60,
    description: 'How often the interval scheduler scans referral deadlines (pg-boss runs the scan every minute).',
  }),
  alertScheduler: setting({
    env: 'ALERT_SCHEDULER',
    schema: z.enum(['auto', 'pg-boss', 'interval', 'off']),
    default: () => 'auto' as const,
    description: 'What runs the alert rules on a schedule: auto (pg-boss on PostgreSQL, an in-process timer on the embedded store), pg-boss, interval (a timer; one process at a time runs them, under an advisory lock) or off.',
  }),
  alertScanMinutes: setting({
    env: 'ALERT_SCAN_MINUTES',
    schema: z.coerce.number().int().min(5).max(1440),
    default: () => 60,
    description: 'How often the alert rules run over all incidents, in minutes (`oneroof alerts:run` runs them at once).',
  }),
  retentionScheduler: setting({
    env: 'RETENTION_SCHEDULER',
    schema: z.enum(['auto', 'pg-boss', 'interval', 'off']),
    default: () => 'auto' as const,
    description: 'What proposes a retention run every night for the data-protection officer to approve: auto (pg-boss on PostgreSQL, an in-process timer on the embedded store), pg-boss, interval or off. Nothing is deleted until the run is approved.',
  }),
  oidcAllowInsecureIssuers: setting({
    env: 'OIDC_ALLOW_INSECURE_ISSUERS',
    schema: booleanFromEnv,
    default: () => false,
    description: 'Allow http:// single sign-on issuers. Never in production; for local testing only.',
  }),
  mapTileUrl: setting({
    env: 'MAP_TILE_URL',
    schema: z.string().regex(/^https:\/\/[^\s]+\{z\}[^\s]*\{x\}[^\s]*\{y\}/, 'must be an https:// tile URL template with {z}, {x} and {y}'),
    default: () => '',
    description: 'Base map tiles for the analytics maps, e.g. https://tile.example.org/{z}/{x}/{y}.png (its host is added to the CSP img-src). Empty: no base map, the maps show boundaries only.',
  }),
  mapTileAttribution: setting({
    env: 'MAP_TILE_ATTRIBUTION',
    schema: z.string().max(300),
    default: () => '',
    description: 'Attribution text the tile provider requires, shown on the map with MAP_TILE_URL.',
  }),
  smallNumberThreshold: setting({
    env: 'SMALL_NUMBER_THRESHOLD',
    schema: z.coerce.number().int().min(1).max(100),
    default: () => 5,
    description: 'Analytics counts below this (and above zero) are shown as "fewer than N" to roles other than analyst and partnership administrator.',
  }),
  gitCommit: setting({
    env: 'GIT_COMMIT',
    schema: z.string().min(1),
    default: () => undefined,
    description: 'Commit shown on /info; read from git when unset.',
  }),
} as const;

type Settings = typeof settings;
export type Config = {
  [K in keyof Settings]: Settings[K] extends SettingDefinition<infer T> ? T : never;
};

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig(env: Environment = process.env): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(settings) as [string, SettingDefinition<unknown>][]) {
    const raw = env[definition.env];
    if (raw === undefined || raw === '') {
      if (definition.requiredInProduction && isProduction(env)) {
        problems.push(`${definition.env} is required in production: ${definition.description}`);
      }
      values[key] = definition.default(env);
      continue;
    }
    const parsed = definition.schema.safeParse(raw);
    if (parsed.success) values[key] = parsed.data;
    else problems.push(`${definition.env} ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  }
  if (isProduction(env) && values.oidcAllowInsecureIssuers === true) {
    problems.push('OIDC_ALLOW_INSECURE_ISSUERS must not be set in production');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as Config;
}
