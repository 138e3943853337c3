import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * `npm test`: provisions what the suite needs, then type-checks and runs every test.
 * Chromium comes from Debian's package (never a downloaded browser); as root it is installed
 * when missing. PostgreSQL tests use DATABASE_URL or a local server when one answers.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function run(command: string, args: string[], options: { allowFailure?: boolean } = {}): number {
  const result = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  const status = result.status ?? 1;
  if (status !== 0 && !options.allowFailure) process.exit(status);
  return status;
}

function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    console.error(`Chromium is missing at ${CHROMIUM}. Install it with: sudo apt-get install -y chromium`);
    process.exit(1);
  }
  console.log('Installing Debian chromium for the browser tests…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env }).status;
  if (install() !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    if (install() !== 0) process.exit(1);
  }
}

ensureChromium();
run('npm', ['run', '--silent', 'build']);
run('npx', ['tsc', '-p', 'tsconfig.json']);
// Lockfile in step with package.json, no deprecated production dependency (the registry's audit service is not reachable here).
run('node', ['scripts/checkDependencies.ts']);
run('node_modules/.bin/vitest', ['run', ...process.argv.slice(2)]);
