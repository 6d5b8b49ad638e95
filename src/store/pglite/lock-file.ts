import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JobSchedulerError } from '../../errors.js';

export const LOCK_FILE_NAME = 'jobscheduler.lock';

export interface DataDirLock {
  readonly path: string;
  /** The owner recorded by a lock file that was stale and taken over, with why it was stale. */
  readonly tookOver: { readonly pid: number; readonly reason: string } | null;
  release(): void;
}

/**
 * Who holds a lock: the pid alone does not say, because pids are recycled. After a crash in a
 * container the restarted node is pid 1 again, and so was the process that left the file; on a
 * host an unrelated process may have been given the old pid. So the file also records when the
 * owner started (the kernel's start time of the process, on Linux) and the boot it started in:
 * a live pid whose start differs is another process, and the lock is stale.
 */
interface Owner {
  readonly pid: number;
  /** `<boot id>/<start ticks>` on Linux; null where /proc does not tell (the pid alone decides). */
  readonly identity: string | null;
}

/** Directories this process holds, so a second open in the same process is still refused. */
const heldHere = new Set<string>();

/**
 * Takes the data directory for this process. PGlite has no server arbitrating access: two
 * processes writing one directory corrupt it, so the second must stop before opening it.
 * A lock file is stale, and taken over, when its owner no longer runs, when the pid is this
 * process's own (a crash left it, and the pid was given to us), or when the pid now belongs to
 * a process that started at another time.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE_NAME);
  const key = resolve(path);
  if (heldHere.has(key)) throw locked(dataDir, process.pid, ' (this process)');
  const self: Owner = { pid: process.pid, identity: identityOf(process.pid) };
  let tookOver: DataDirLock['tookOver'] = null;
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(path, format(self), { flag: 'wx' });
      heldHere.add(key);
      return { path, tookOver, release: () => release(key, path, self) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(path);
    const stale = owner === null ? 'the lock file is unreadable' : staleness(owner);
    if (stale === null) throw locked(dataDir, owner!.pid, '');
    tookOver = { pid: owner?.pid ?? 0, reason: stale };
    rmSync(path, { force: true });
  }
  throw new JobSchedulerError('DATA_DIR_LOCKED', `Could not take the lock file ${path}: another process keeps taking it`, { dataDir });
}

/** Why a recorded owner no longer holds the lock, or null when it does. */
function staleness(owner: Owner): string | null {
  if (owner.pid === process.pid) return 'its pid is this process, which did not write it';
  if (!isAlive(owner.pid)) return 'its process no longer runs';
  if (owner.identity !== null) {
    const now = identityOf(owner.pid);
    if (now !== null && now !== owner.identity) return 'its pid now belongs to another process';
  }
  return null;
}

function locked(dataDir: string, pid: number, note: string): JobSchedulerError {
  return new JobSchedulerError(
    'DATA_DIR_LOCKED',
    `The data directory ${dataDir} is in use by process ${pid}${note}. ` +
      'Stop that process, or give this one another directory with --data-dir or JOBSCHEDULER_DATA_DIR.',
    { dataDir, pid },
  );
}

function format(owner: Owner): string {
  return owner.identity === null ? `${owner.pid}\n` : `${owner.pid}\n${owner.identity}\n`;
}

function readOwner(path: string): Owner | null {
  try {
    const [pidLine, identity] = readFileSync(path, 'utf8').split('\n');
    const pid = Number.parseInt(pidLine!.trim(), 10);
    if (!Number.isSafeInteger(pid) || pid <= 0) return null;
    return { pid, identity: identity?.trim() || null };
  } catch {
    return null;
  }
}

/** Linux: the boot id and the process's start time in clock ticks since boot; null elsewhere. */
export function identityOf(pid: number): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = fields[19];
    return startTicks ? `${boot}/${startTicks}` : null;
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

function release(key: string, path: string, self: Owner): void {
  heldHere.delete(key);
  const owner = readOwner(path);
  if (owner !== null && owner.pid === self.pid && owner.identity === self.identity) rmSync(path, { force: true });
}
