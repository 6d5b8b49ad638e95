import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobSchedulerError } from '../../errors.js';

export const LOCK_FILE_NAME = 'jobscheduler.lock';

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes the data directory for this process. PGlite has no server arbitrating access: two
 * processes writing one directory corrupt it, so the second must stop before opening it.
 * The lock file holds the owner's pid; a file left by a process that no longer exists is
 * stale and taken over.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE_NAME);
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return { path, release: () => releaseIfOurs(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(path);
    if (owner !== null && isAlive(owner)) {
      throw new JobSchedulerError(
        'DATA_DIR_LOCKED',
        `The data directory ${dataDir} is in use by process ${owner}${owner === process.pid ? ' (this process)' : ''}. ` +
          'Stop that process, or give this one another directory with --data-dir or JOBSCHEDULER_DATA_DIR.',
        { dataDir, pid: owner },
      );
    }
    rmSync(path, { force: true });
  }
  throw new JobSchedulerError('DATA_DIR_LOCKED', `Could not take the lock file ${path}: another process keeps taking it`, { dataDir });
}

function readOwner(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfOurs(path: string): void {
  if (readOwner(path) === process.pid) rmSync(path, { force: true });
}
