import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Dependency hygiene without the registry's audit service (which does not answer here):
 * fails when package-lock.json is out of step with package.json, or when a production
 * dependency, direct or transitive, is marked deprecated (in the lockfile or in its installed
 * package.json). `npm test` runs it before the tests; run it alone with
 * `node scripts/checkDependencies.ts [directory]`.
 */
type DependencyField = 'dependencies' | 'devDependencies' | 'optionalDependencies' | 'peerDependencies';
const FIELDS: DependencyField[] = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

interface Manifest extends Partial<Record<DependencyField, Record<string, string>>> {
  name?: string;
  version?: string;
  deprecated?: string;
}

interface LockEntry extends Manifest {
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  link?: boolean;
}

interface Lockfile {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
}

export interface DependencyReport {
  problems: string[];
  productionPackages: number;
}

export function checkDependencies(directory: string): DependencyReport {
  const problems: string[] = [];
  const manifestPath = path.join(directory, 'package.json');
  const lockPath = path.join(directory, 'package-lock.json');
  if (!existsSync(lockPath)) return { problems: ['package-lock.json is missing: run `npm install` and commit the lockfile.'], productionPackages: 0 };
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as Lockfile;
  const packages = lock.packages;
  if (!packages || !packages['']) {
    return { problems: [`package-lock.json has lockfileVersion ${lock.lockfileVersion ?? '?'}; OneRoof needs version 2 or 3 (npm 7+): run \`npm install\`.`], productionPackages: 0 };
  }

  // (a) The lockfile's root entry records exactly what package.json declares, and every declared package is locked at a version its range allows.
  const root = packages['']!;
  for (const field of FIELDS) {
    const declared = manifest[field] ?? {};
    const locked = root[field] ?? {};
    for (const [name, range] of Object.entries(declared)) {
      if (!(name in locked)) problems.push(`${field}: ${name}@${range} is in package.json but not in package-lock.json.`);
      else if (locked[name] !== range) problems.push(`${field}: package.json asks for ${name}@${range}, package-lock.json was made for ${name}@${locked[name]}.`);
      const entry = packages[`node_modules/${name}`];
      if (field !== 'peerDependencies' && (!entry || (!entry.link && !entry.version))) {
        if (field !== 'optionalDependencies') problems.push(`${field}: ${name} has no entry in package-lock.json's packages.`);
      } else if (entry?.version && !satisfies(entry.version, range)) {
        problems.push(`${field}: ${name} is locked at ${entry.version}, which ${range} does not allow.`);
      }
    }
    for (const name of Object.keys(locked)) {
      if (!(name in declared)) problems.push(`${field}: ${name} is in package-lock.json but no longer in package.json.`);
    }
  }

  // (b) No deprecated package in the production tree (everything the lockfile does not mark dev-only).
  let productionPackages = 0;
  for (const [location, entry] of Object.entries(packages)) {
    if (location === '' || entry.dev || entry.devOptional || entry.link) continue;
    productionPackages += 1;
    const name = entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const installedManifest = path.join(directory, location, 'package.json');
    const installed = existsSync(installedManifest) ? (JSON.parse(readFileSync(installedManifest, 'utf8')) as Manifest) : undefined;
    const deprecated = entry.deprecated ?? installed?.deprecated;
    if (deprecated) problems.push(`production dependency ${name}@${entry.version ?? installed?.version ?? '?'} (${location}) is deprecated: ${deprecated}`);
  }
  return { problems, productionPackages };
}

/** Enough of semver's range grammar for a package.json: exact, ^, ~, x-ranges, >=, <, ||, spaces (and). Unknown forms pass. */
export function satisfies(version: string, range: string): boolean {
  const trimmed = range.trim();
  if (trimmed === '' || trimmed === '*' || trimmed === 'latest' || /^(?:file|link|git|github|https?|npm|workspace):/.test(trimmed) || trimmed.includes('/')) return true;
  return trimmed.split('||').some((alternative) => alternative.trim().split(/\s+/).every((comparator) => matches(version, comparator)));
}

function parse(version: string): [number, number, number, string] | undefined {
  const match = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?(?:-([0-9A-Za-z.-]+))?/.exec(version.trim());
  if (!match) return undefined;
  const part = (value: string | undefined) => (value === undefined || value === 'x' || value === '*' ? -1 : Number(value));
  return [Number(match[1]), part(match[2]), part(match[3]), match[4] ?? ''];
}

function compare(a: [number, number, number, string], b: [number, number, number, string]): number {
  for (let index = 0; index < 3; index += 1) {
    const difference = Math.max(a[index] as number, 0) - Math.max(b[index] as number, 0);
    if (difference !== 0) return difference;
  }
  if (a[3] === b[3]) return 0;
  if (a[3] === '') return 1;
  if (b[3] === '') return -1;
  return a[3] < b[3] ? -1 : 1;
}

function matches(version: string, comparator: string): boolean {
  const actual = parse(version);
  const operator = /^(\^|~|>=|<=|>|<|=)?/.exec(comparator)![0];
  const wanted = parse(comparator.slice(operator.length));
  if (!actual || !wanted) return true;
  const [major, minor, patch] = wanted;
  switch (operator) {
    case '>=':
      return compare(actual, wanted) >= 0;
    case '>':
      return compare(actual, wanted) > 0;
    case '<=':
      return compare(actual, wanted) <= 0;
    case '<':
      return compare(actual, wanted) < 0;
    case '^': {
      if (compare(actual, wanted) < 0) return false;
      if (major > 0 || minor === -1) return actual[0] === major;
      if (minor > 0 || patch === -1) return actual[0] === 0 && actual[1] === minor;
      return actual[0] === 0 && actual[1] === 0 && actual[2] === patch;
    }
    case '~':
      if (compare(actual, wanted) < 0) return false;
      return actual[0] === major && (minor === -1 || actual[1] === minor);
    default:
      return actual[0] === major && (minor === -1 || actual[1] === minor) && (patch === -1 || actual[2] === patch) && (wanted[3] === '' || actual[3] === wanted[3]);
  }
}

if (import.meta.main) {
  const directory = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..'));
  const { problems, productionPackages } = checkDependencies(directory);
  if (problems.length > 0) {
    console.error(`Dependency check failed (${problems.length} problem${problems.length === 1 ? '' : 's'}):`);
    for (const problem of problems) console.error(`  - ${problem}`);
    console.error('Fix: run `npm install` and commit package-lock.json; replace a deprecated production dependency (see docs/security.md, "Dependencies").');
    process.exit(1);
  }
  console.log(`Dependencies: package-lock.json matches package.json; none of the ${productionPackages} production packages is deprecated.`);
}
