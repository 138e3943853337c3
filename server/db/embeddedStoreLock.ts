import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class EmbeddedStoreInUse extends Error {
  constructor(directory: string, pid: number) {
    super(
      `The embedded store in ${directory} is open in another process (pid ${pid}). ` +
        'PGlite allows one process at a time: stop the server first, or set DATABASE_URL to use PostgreSQL.',
    );
    this.name = 'EmbeddedStoreInUse';
  }
}

/**
 * PGlite keeps its data in files that two processes must never open at once (the second would
 * corrupt them). The first process writes its pid next to the data; others refuse to start.
 * Returns the release function.
 */
export function claimEmbeddedStore(directory: string): () => void {
  const lockFile = path.join(directory, 'oneroof.pid');
  const holder = readPid(lockFile);
  if (holder !== undefined && holder !== process.pid && isAlive(holder)) throw new EmbeddedStoreInUse(directory, holder);
  writeFileSync(lockFile, String(process.pid));
  return () => {
    if (readPid(lockFile) === process.pid) rmSync(lockFile, { force: true });
  };
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
