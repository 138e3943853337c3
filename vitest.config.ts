import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/support/globalSetup.ts'],
    include: ['server/**/*.test.ts', 'test/**/*.test.ts', 'integration_tests/**/*.test.ts', 'cli/**/*.test.ts'],
    env: { TZ: 'Europe/London', NODE_ENV: 'test' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
