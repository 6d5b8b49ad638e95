import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./serve-process.ts', import.meta.url));

export interface NodeProcess {
  readonly nodeId: string;
  readonly child: ChildProcess;
  /** Resolves once the node logged that it serves. */
  readonly ready: Promise<void>;
  /** Where its HTTP server listens ("http://10.1.2.3:41234"), once ready. */
  address(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Log lines (JSON) the node wrote. */
  readonly logs: Record<string, unknown>[];
}

/** The database URL with every connection's search_path set to `schema`. */
export function urlWithSchema(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Starts `jobscheduler serve --role scheduler` in its own process, inside network namespace `netns` when given. */
export function spawnNode(nodeId: string, env: Record<string, string>, options: { readonly netns?: string } = {}): NodeProcess {
  const command = [process.execPath, '--import', 'tsx', ENTRY, '--role', 'scheduler', '--node-id', nodeId];
  // `ip netns exec` replaces itself with the command: the child is the node, signals and all.
  const [file, ...args] = options.netns ? ['ip', 'netns', 'exec', options.netns, ...command] : command;
  const child = spawn(file!, args, {
    // Port 0: several nodes share this machine, each with its own probe port.
    env: { ...process.env, LOG_LEVEL: 'info', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let address = '';
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (typeof entry.address === 'string' && address === '') {
        address = entry.address;
        markReady();
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const failedEarly = exited.then((code) => {
    throw new Error(`node ${nodeId} exited (${code}) before it was ready: ${stderr}`);
  });
  return { nodeId, child, ready: Promise.race([ready, failedEarly]), address: () => address, exited, logs };
}
