import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configurationMarkdown } from '../scripts/configurationDoc.ts';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  it('starts a development machine with no settings at all', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.sessionIdleMinutes).toBe(30);
    expect(config.seedDemoData).toBe(true);
    expect(config.cookieSecure).toBe(false);
  });

  it('refuses to start production without its required settings, naming each', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['BASE_URL', 'SESSION_SECRET', 'ENCRYPTION_KEY']) expect(problems).toContain(name);
    }
  });

  it('turns on secure cookies and off demo data in production', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      BASE_URL: 'https://oneroof.example.gov.uk',
      SESSION_SECRET: 'x'.repeat(40),
      ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    });
    expect(config.cookieSecure).toBe(true);
    expect(config.seedDemoData).toBe(false);
  });

  it('explains bad values', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ SESSION_IDLE_MINUTES: '0' })).toThrow(/SESSION_IDLE_MINUTES/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/postgres/);
    expect(() => loadConfig({ NODE_ENV: 'production', OIDC_ALLOW_INSECURE_ISSUERS: 'true' })).toThrow(/OIDC_ALLOW_INSECURE_ISSUERS/);
  });

  it('is documented in docs/configuration.md', () => {
    expect(readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8')).toBe(configurationMarkdown());
  });
});
