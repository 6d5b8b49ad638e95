import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging.js';
import { startNode, type RunningNode } from '../../src/node.js';

/** A real node on the embedded store in a temporary directory, listening on a free port. */
export interface TestNode {
  readonly node: RunningNode;
  readonly server: string;
  stop(): Promise<void>;
}

export async function startTestNode(env: Record<string, string> = {}): Promise<TestNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jobscheduler-cli-'));
  // role api: no engine, so what the CLI shows depends only on what the test did.
  const config = loadConfig({ env: { PORT: '0', JOBSCHEDULER_ROLE: 'api', JOBSCHEDULER_DATA_DIR: dataDir, ...env }, file: null });
  const node = await startNode({ config, logger: silentLogger() });
  return {
    node,
    server: node.address!,
    async stop() {
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `jobscheduler <args>` in-process and returns what a user would see. */
export async function cli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => err.push(text.endsWith('\n') ? text : `${text}\n`),
    env,
  };
  const code = await main(args, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** The data rows of a table (the header dropped), split on runs of two or more spaces. */
export function tableRows(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => line.split(/ {2,}/));
}
