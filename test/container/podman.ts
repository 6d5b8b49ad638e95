import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Podman as the container tests run it: as root, with the runc runtime, cgroupfs and no
 * default ulimits (crun and the ulimit defaults fail on some kernels' cgroup setups), in an
 * image store of the tests' own. Stand-in base images are tagged there with public names
 * (node:20-bookworm-slim), so they never shadow a real image in the machine's store, and the
 * store doubles as the cache that keeps them between runs.
 *
 * Everything goes through CONTAINERS_CONF and CONTAINERS_STORAGE_CONF, so podman-compose and
 * scripts/container-setup.sh, which call podman themselves, use the same store and runtime.
 */
export interface Podman {
  /** The environment podman and the tools calling it must run with. */
  readonly env: NodeJS.ProcessEnv;
  /** Where the store lives; stand-ins are built in its tmp/ folder. */
  readonly cacheDir: string;
  /** Runs podman; rejects with its output when it exits with another code than allowed. */
  run(args: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

export interface RunOptions {
  readonly okCodes?: readonly number[];
  readonly timeoutMs?: number;
  /** Written to the command's standard input (a tar stream for `podman import`, say). */
  readonly stdin?: NodeJS.ReadableStream;
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function containerCacheDir(): string {
  return process.env.JOBSCHEDULER_CONTAINER_CACHE ?? join(homedir(), '.cache', 'jobscheduler-container-test');
}

export function openPodman(cacheDir = containerCacheDir()): Podman {
  // Run-time state (locks, the runtime's state) belongs on /run, which a reboot empties. Short:
  // podman refuses a run root of more than 50 characters when it cleans a container up. The
  // store records these paths: after changing them, delete the cache directory.
  const runDir = join('/run', `jobscheduler-test-${createHash('sha256').update(cacheDir).digest('hex').slice(0, 8)}`);
  const tmpDir = join(cacheDir, 'tmp');
  for (const dir of [cacheDir, tmpDir, runDir]) mkdirSync(dir, { recursive: true });
  const containersConf = join(cacheDir, 'containers.conf');
  const storageConf = join(cacheDir, 'storage.conf');
  writeAtomically(
    containersConf,
    [
      '[containers]',
      'default_ulimits = []',
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `tmp_dir = "${join(runDir, 'libpod')}"`,
      // Build caches (RUN --mount=type=cache) and image copies stay beside the store.
      `image_copy_tmp_dir = "${tmpDir}"`,
      '',
    ].join('\n'),
  );
  writeAtomically(
    storageConf,
    ['[storage]', 'driver = "overlay"', `graphroot = "${join(cacheDir, 'storage')}"`, `runroot = "${join(runDir, 'storage')}"`, ''].join('\n'),
  );
  const env = { ...process.env, CONTAINERS_CONF: containersConf, CONTAINERS_STORAGE_CONF: storageConf, TMPDIR: tmpDir };
  return {
    env,
    cacheDir,
    run: (args, options = {}) => runCommand('podman', args, { ...options, env }),
  };
}

/** Runs a command to its end, keeping what it prints; rejects on a code not in okCodes (default [0]). */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions & { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CommandResult> {
  const { okCodes = [0], timeoutMs = 600_000 } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (options.stdin) options.stdin.pipe(child.stdin!);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} could not be started: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? 128, stdout, stderr };
      if (okCodes.includes(result.code)) resolve(result);
      else reject(new Error(`${command} ${args.join(' ')} ended with ${signal ?? `code ${code}`}:\n${tail(stdout)}\n${tail(stderr)}`));
    });
  });
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}
