/**
 * Another revision of the program, built for `npm run bench -- --against <rev>`: its tree as
 * git stores it (git archive, no worktree to register or prune), its own locked dependencies
 * (npm ci) and its dist/ (its own tsc), so its nodes run its bin/jobscheduler on its own
 * code, with the Node.js flags this tree's `npm start` gives (a revision whose `npm start` gave
 * others runs with these; --node-arg adds to both builds alike). Each run's database is made
 * by that revision's own bench/harness/database.ts, so its schema and jobs are the ones its
 * nodes expect; the rest of the harness, the receiver and the floor stay this tree's.
 *
 * Builds are kept in bench/.builds/<commit>/ and reused by later runs against the same commit
 * (a file `.built` marks a finished one; an interrupted build is made again from scratch).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as ThisTreeDatabase from './database.js';

const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));

export interface OtherBuild {
  /** What was asked for, as given (a branch, tag or commit). */
  readonly revision: string;
  readonly commit: string;
  /** The built tree: its bin/jobscheduler is what the nodes run. */
  readonly directory: string;
  readonly database: BenchDatabaseModule;
}

/**
 * What the bench asks of a revision's bench/harness/database.ts: its own way to make a run's
 * database (its migrations), store the jobs and start them. Pausing came later: a revision
 * without it cannot be measured with --pause-at.
 */
export type BenchDatabaseModule = Pick<typeof ThisTreeDatabase, (typeof REQUIRED_DATABASE_FUNCTIONS)[number]> &
  Partial<Pick<typeof ThisTreeDatabase, 'pauseJobs'>>;

const REQUIRED_DATABASE_FUNCTIONS = ['createBenchDatabase', 'createJobs', 'startJobsAt'] as const;

/**
 * Loads the revision's database module from its sources. The bench runs under tsx, which
 * compiles TypeScript wherever it lies; the module's own imports resolve in its tree.
 */
async function loadDatabaseModule(revision: string, directory: string): Promise<BenchDatabaseModule> {
  const path = join(directory, 'bench', 'harness', 'database.ts');
  if (!existsSync(path)) throw new Error(`--against: ${revision} has no bench/harness/database.ts to make its runs' databases with`);
  // The other revision's module is trusted to keep these signatures; their presence is checked.
  const loaded = (await import(pathToFileURL(path).href)) as Partial<BenchDatabaseModule>;
  const missing = REQUIRED_DATABASE_FUNCTIONS.filter((name) => typeof loaded[name] !== 'function');
  if (missing.length > 0) throw new Error(`--against: ${revision}'s bench/harness/database.ts has no ${missing.join(', ')}`);
  return loaded as BenchDatabaseModule;
}

/** The commit `revision` names, or an error saying it names none in this repository. */
function resolveCommit(revision: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`], { cwd: REPOSITORY, encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`--against: "${revision}" names no commit of this repository`);
  }
}

export async function prepareOtherBuild(revision: string): Promise<OtherBuild> {
  const commit = resolveCommit(revision);
  const directory = fileURLToPath(new URL(`../.builds/${commit}/`, import.meta.url));
  const done = join(directory, '.built');
  if (!existsSync(done)) build(revision, commit, directory, done);
  return { revision, commit, directory, database: await loadDatabaseModule(revision, directory) };
}

/** Makes `directory` the built tree of `commit` from scratch, and marks it done last. */
function build(revision: string, commit: string, directory: string, done: string): void {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  console.error(`building ${revision} (${commit.slice(0, 12)}) in ${directory} for --against: git archive, npm ci, tsc`);
  const archive = execFileSync('git', ['archive', '--format=tar', commit], { cwd: REPOSITORY, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', directory], { input: archive });
  if (!existsSync(join(directory, 'bin', 'jobscheduler'))) throw new Error(`--against: ${revision} has no bin/jobscheduler to start nodes with`);
  // Its lifecycle scripts are left out: dist/ is built below, and nothing else is needed to serve.
  execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: directory, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, [join(directory, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: directory, stdio: 'inherit' });
  writeFileSync(done, `${commit}\n`);
}
