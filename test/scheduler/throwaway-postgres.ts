import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closedPort } from './receiver.js';

const run = promisify(execFile);
const ROOT = '/usr/lib/postgresql';

/**
 * A PostgreSQL server of the test's own, which it may stop and start under a running node:
 * initdb and pg_ctl from the machine's PostgreSQL, run as the postgres user in a temporary
 * directory, listening on a free port of 127.0.0.1 (or of an address the test made).
 */
export interface ThrowawayPostgres {
  readonly url: string;
  start(): Promise<void>;
  /** Fast shutdown: the server ends every connection and stops. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string | null {
  if (!existsSync(ROOT)) return null;
  const versions = readdirSync(ROOT)
    .filter((entry) => existsSync(join(ROOT, entry, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(ROOT, versions[0], 'bin') : null;
}

/** initdb needs an unprivileged user, and root to switch to it. */
export function canRunThrowawayPostgres(): boolean {
  return binDir() !== null && process.getuid?.() === 0;
}

export interface ThrowawayPostgresOptions {
  /** The address to listen on (default 127.0.0.1). */
  readonly listen?: string;
  /** A network (CIDR) whose clients may connect too, without a password. */
  readonly allow?: string;
}

export async function createThrowawayPostgres(options: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
  const listen = options.listen ?? '127.0.0.1';
  const bin = binDir()!;
  const dir = await mkdtemp(join(tmpdir(), 'jobscheduler-pg-'));
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  await chown(dir, uid, gid);
  const data = join(dir, 'data');
  const asPostgres = (tool: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]);
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'root', '-E', 'UTF8', '--no-sync']);
  if (options.allow) await appendFile(join(data, 'pg_hba.conf'), `host all all ${options.allow} trust\n`);
  const port = await closedPort();
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=${listen} -c fsync=off`;
  let running = false;
  const server: ThrowawayPostgres = {
    url: `postgresql://root@${listen}:${port}/postgres`,
    async start() {
      await asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', 'start']);
      running = true;
    },
    async stop() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      running = false;
    },
    async destroy() {
      if (running) await server.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
