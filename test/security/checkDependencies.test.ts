import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDependencies, satisfies } from '../../scripts/checkDependencies.ts';

const SCRIPT = path.resolve(import.meta.dirname, '../../scripts/checkDependencies.ts');
const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

interface Fixture {
  manifest: Record<string, unknown>;
  lock: Record<string, unknown>;
  installed?: Record<string, Record<string, unknown>>;
}

function project({ manifest, lock, installed = {} }: Fixture): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'oneroof-deps-'));
  directories.push(directory);
  writeFileSync(path.join(directory, 'package.json'), JSON.stringify(manifest));
  writeFileSync(path.join(directory, 'package-lock.json'), JSON.stringify(lock));
  for (const [location, contents] of Object.entries(installed)) {
    mkdirSync(path.join(directory, location), { recursive: true });
    writeFileSync(path.join(directory, location, 'package.json'), JSON.stringify(contents));
  }
  return directory;
}

const healthy = (): Fixture => ({
  manifest: { name: 'app', version: '1.0.0', dependencies: { kysely: '^0.28.19' }, devDependencies: { vitest: '^4.1.12' } },
  lock: {
    lockfileVersion: 3,
    packages: {
      '': { name: 'app', version: '1.0.0', dependencies: { kysely: '^0.28.19' }, devDependencies: { vitest: '^4.1.12' } },
      'node_modules/kysely': { version: '0.28.20', dependencies: { tiny: '^1.0.0' } },
      'node_modules/tiny': { version: '1.2.0' },
      'node_modules/vitest': { version: '4.1.12', dev: true },
      'node_modules/old-dev-helper': { version: '0.1.0', dev: true, deprecated: 'No longer maintained' },
    },
  },
});

function run(directory: string) {
  return spawnSync(process.execPath, [SCRIPT, directory], { encoding: 'utf8' });
}

describe('scripts/checkDependencies.ts', () => {
  it('passes a lockfile in step with package.json whose production tree has nothing deprecated (a deprecated dev tool is allowed)', () => {
    const directory = project(healthy());
    expect(checkDependencies(directory)).toEqual({ problems: [], productionPackages: 2 });
    const result = run(directory);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('package-lock.json matches package.json');
  });

  it('fails when package.json asks for a range the lockfile was not made for, or a package the lockfile lacks', () => {
    const fixture = healthy();
    fixture.manifest.dependencies = { kysely: '^0.29.0', zod: '^4.0.0' };
    const directory = project(fixture);
    const { problems } = checkDependencies(directory);
    expect(problems).toEqual(
      expect.arrayContaining([
        'dependencies: package.json asks for kysely@^0.29.0, package-lock.json was made for kysely@^0.28.19.',
        'dependencies: kysely is locked at 0.28.20, which ^0.29.0 does not allow.',
        'dependencies: zod@^4.0.0 is in package.json but not in package-lock.json.',
      ]),
    );
    const result = run(directory);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Dependency check failed');
    expect(result.stderr).toContain('run `npm install` and commit package-lock.json');
  });

  it('fails when a package was removed from package.json but is still in the lockfile', () => {
    const fixture = healthy();
    fixture.manifest.devDependencies = {};
    expect(checkDependencies(project(fixture)).problems).toEqual(['devDependencies: vitest is in package-lock.json but no longer in package.json.']);
  });

  it('fails on a deprecated transitive production dependency, from the lockfile or from its installed package.json', () => {
    const fromLock = healthy();
    (fromLock.lock.packages as Record<string, Record<string, unknown>>)['node_modules/tiny']!.deprecated = 'Use something else';
    expect(checkDependencies(project(fromLock)).problems).toEqual(['production dependency tiny@1.2.0 (node_modules/tiny) is deprecated: Use something else']);

    const fromInstalled = healthy();
    fromInstalled.installed = { 'node_modules/tiny': { name: 'tiny', version: '1.2.0', deprecated: 'Abandoned' } };
    const directory = project(fromInstalled);
    expect(checkDependencies(directory).problems).toEqual(['production dependency tiny@1.2.0 (node_modules/tiny) is deprecated: Abandoned']);
    expect(run(directory).status).toBe(1);
  });

  it('fails without a lockfile, or with a lockfile npm 6 wrote', () => {
    const fixture = healthy();
    fixture.lock = { lockfileVersion: 1, dependencies: {} };
    expect(checkDependencies(project(fixture)).problems[0]).toMatch(/lockfileVersion 1/);
  });

  it('understands the range forms package.json uses', () => {
    expect(satisfies('1.2.3', '^1.0.0')).toBe(true);
    expect(satisfies('2.0.0', '^1.0.0')).toBe(false);
    expect(satisfies('0.28.20', '^0.28.19')).toBe(true);
    expect(satisfies('0.29.0', '^0.28.19')).toBe(false);
    expect(satisfies('1.2.9', '~1.2.3')).toBe(true);
    expect(satisfies('1.3.0', '~1.2.3')).toBe(false);
    expect(satisfies('3.0.0', '>=2.0.0 <4')).toBe(true);
    expect(satisfies('4.0.0', '>=2.0.0 <4')).toBe(false);
    expect(satisfies('1.5.0', '1.x || 3.x')).toBe(true);
    expect(satisfies('2.0.0', '1.2.3')).toBe(false);
  });

  it('passes on OneRoof itself', () => {
    const { problems } = checkDependencies(path.resolve(import.meta.dirname, '../..'));
    expect(problems).toEqual([]);
  });
});
