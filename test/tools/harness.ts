import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestNode } from '../live-node.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A fresh node as a user starts it: embedded store in a new directory, a free port, engine on. */
export function startLiveNode(options: { apiKeys?: readonly string[] } = {}): ReturnType<typeof startTestNode> {
  return startTestNode({ nodeId: 'tools-node', ...options });
}

/** Throws, saying how to install it, when `command` is not on the PATH. */
export function requireCommand(command: string, install: string): void {
  const probe = spawnSync(command, ['--version'], { stdio: 'ignore' });
  if (probe.error) throw new Error(`${command} is missing (${install}); these checks fail rather than skip without it`);
}

export interface Run {
  readonly code: number;
  readonly output: string;
}

/** Runs a program to its end; its exit code and stdout+stderr, never a throw for a non-zero exit. */
export async function run(command: string, args: readonly string[], options: { input?: string; cwd?: string } = {}): Promise<Run> {
  if (options.input !== undefined) {
    const result = spawnSync(command, args, { input: options.input, cwd: options.cwd ?? repoRoot, encoding: 'utf8' });
    if (result.error) throw result.error;
    return { code: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
  }
  try {
    const { stdout, stderr } = await promisify(execFile)(command, [...args], { cwd: options.cwd ?? repoRoot, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** Executables installed by npm (devDependencies). */
export function npmBin(name: string): string {
  return join(repoRoot, 'node_modules', '.bin', name);
}
