import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface ChildResult {
  readonly code: number | null;
  readonly output: Record<string, unknown> | null;
  readonly stderr: string;
}

/** Runs test/store/child.ts in a fresh Node.js process and parses the JSON line it prints. */
export function runChild(...args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').at(-1);
      resolve({ code, output: line ? (JSON.parse(line) as Record<string, unknown>) : null, stderr });
    });
  });
}

/** Spawns a process that exits at once and returns its pid, now certainly unused by a live process of ours. */
export function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve(child.pid!));
  });
}
