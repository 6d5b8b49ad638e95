/**
 * The benchmark's child processes: scheduler nodes (`serve --role scheduler` on the run's
 * database) and the receiver. A node is the program users run, bin/jobscheduler on dist/,
 * built from the working tree when the first node starts (tsc, a few seconds): the sources
 * run through tsx instead cost the node 10 to 17% more CPU per firing and raised its p99
 * lateness (esbuild's helpers name every closure as it is made). The receiver and the bare
 * firer are the bench's own and run through tsx.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BareConfig } from './bare-firer.js';
import { GC_OBSERVER } from './gc.js';
import type { ReceiverConfig, ReceiverReport } from './receiver.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

let built = false;

/** Compiles src/ into dist/ as `npm run build` does (the dashboard aside), once per bench run. */
function buildProgram(): void {
  if (built) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  console.error('building dist/ from the working tree (tsc) for the bench nodes');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: here('../..'), stdio: 'inherit' });
  built = true;
}

export interface NodeProcess {
  readonly id: string;
  readonly pid: number;
  /** Warnings and errors the node logged (at most the first 50), as JSON lines. */
  readonly problems: string[];
  /** Problems logged in all (the list above keeps only the first ones). */
  problemCount(): number;
  stop(): Promise<number | null>;
}

export interface NodeSpawnOptions {
  readonly id: string;
  readonly databaseUrl: string;
  /** Settings for the node, as the environment variables `serve` reads (JOBSCHEDULER_*). */
  readonly env?: Readonly<Record<string, string>>;
  /** Write a V8 CPU profile of the node into this directory when it exits. */
  readonly cpuProfileDir?: string;
  /**
   * Node flags added after NODE_FLAGS_OF_NPM_START: a flag given again overrides it (V8 keeps
   * the last value), e.g. --max-semi-space-size=16 for V8's default.
   */
  readonly nodeArgs?: readonly string[];
  /** Log every garbage collection of the node to this file (gc-observer.mjs). */
  readonly gcLog?: string;
  /** Keep the node's standard output lines that are not log lines (V8's traces) in this file. */
  readonly traceLog?: string;
  /**
   * A built tree of another revision whose bin/jobscheduler the node runs (see other-build.ts);
   * absent: this tree's, with dist/ built from the working tree.
   */
  readonly programDir?: string;
}

/** The flags `npm start` gives a node (package.json), so a bench node runs as a started one. */
export const NODE_FLAGS_OF_NPM_START: readonly string[] = ['--max-semi-space-size=128'];

/** Starts one node and resolves once its engine reports "scheduler started". */
export async function spawnNode(options: NodeSpawnOptions): Promise<NodeProcess> {
  if (options.programDir === undefined) buildProgram();
  const execArgv = [...NODE_FLAGS_OF_NPM_START, ...(options.nodeArgs ?? []), ...gcObserverArgs(options.gcLog)];
  if (options.cpuProfileDir) {
    mkdirSync(options.cpuProfileDir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${options.id}.cpuprofile`);
  }
  const program = options.programDir === undefined ? here('../../bin/jobscheduler') : join(options.programDir, 'bin', 'jobscheduler');
  const child = fork(program, ['serve'], {
    execArgv,
    silent: true,
    env: {
      ...process.env,
      ...options.env,
      ...gcObserverEnv(options.gcLog),
      DATABASE_URL: options.databaseUrl,
      JOBSCHEDULER_ROLE: 'scheduler',
      // Several nodes share this machine: each takes a free port for its probes and metrics.
      PORT: '0',
      JOBSCHEDULER_NODE_ID: options.id,
      LOG_LEVEL: 'info',
    },
  });
  const problems: string[] = [];
  let problemCount = 0;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<void>((resolve, reject) => {
    const stderr: string[] = [];
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    void exited.then((code) => reject(new Error(`node ${options.id} exited with code ${code} before starting: ${stderr.join('').slice(0, 2000)}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { level?: number; msg?: string };
      try {
        entry = JSON.parse(line) as { level?: number; msg?: string };
      } catch {
        if (options.traceLog) appendFileSync(options.traceLog, `${line}\n`);
        return;
      }
      if (entry.msg === 'scheduler started') resolve();
      if ((entry.level ?? 0) >= 40) {
        problemCount++;
        if (problems.length < 50) problems.push(line);
      }
    });
  });
  await started;
  return {
    id: options.id,
    pid: child.pid!,
    problems,
    problemCount: () => problemCount,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The HTTP-only floor (see bare-firer.ts), shaped like a node for the harness. */
export async function spawnBareFirer(config: Omit<BareConfig, 'type'>, cpuProfileDir?: string, gcLog?: string): Promise<NodeProcess> {
  const execArgv = ['--import', 'tsx', ...gcObserverArgs(gcLog)];
  if (cpuProfileDir) {
    mkdirSync(cpuProfileDir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`);
  }
  const child = fork(here('./bare-firer.ts'), [], { execArgv, env: { ...process.env, ...gcObserverEnv(gcLog) } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.once('message', () => resolve());
    child.send({ type: 'bare', ...config });
  });
  return {
    id: 'bare-undici',
    pid: child.pid!,
    problems: [],
    problemCount: () => 0,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      return 0;
    },
  };
}

function gcObserverArgs(gcLog: string | undefined): string[] {
  return gcLog === undefined ? [] : ['--import', pathToFileURL(GC_OBSERVER).href];
}

function gcObserverEnv(gcLog: string | undefined): Record<string, string> {
  return gcLog === undefined ? {} : { BENCH_GC_LOG: gcLog };
}

export interface ReceiverProcess {
  readonly url: string;
  readonly pid: number;
  configure(config: Omit<ReceiverConfig, 'type'>): void;
  /** The counts so far. */
  report(): Promise<ReceiverReport>;
  close(): Promise<void>;
}

export async function spawnReceiver(): Promise<ReceiverProcess> {
  const child: ChildProcess = fork(here('./receiver.ts'), [], { execArgv: ['--import', 'tsx'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { type: string; url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`receiver exited with code ${code}`)));
  });
  return {
    url,
    pid: child.pid!,
    configure(config) {
      child.send({ type: 'config', ...config });
    },
    report() {
      return new Promise((resolve) => {
        child.once('message', (message: ReceiverReport) => resolve(message));
        child.send({ type: 'report' });
      });
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'close' });
      await exited;
    },
  };
}
