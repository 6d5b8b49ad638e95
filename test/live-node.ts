import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/logging.js';
import { startNode, type RunningNode } from '../src/node.js';

/** A node as a user starts it, for tests: free port, temporary data directory, quiet logs. */
export async function startTestNode(options: { nodeId: string; role?: 'all' | 'api'; apiKeys?: readonly string[]; databaseUrl?: string }): Promise<{ node: RunningNode; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jobscheduler-node-'));
  const config = loadConfig({
    env: {
      PORT: '0',
      JOBSCHEDULER_ROLE: options.role ?? 'all',
      JOBSCHEDULER_DATA_DIR: dataDir,
      JOBSCHEDULER_API_KEYS: (options.apiKeys ?? []).join(','),
      JOBSCHEDULER_NODE_ID: options.nodeId,
      DATABASE_URL: options.databaseUrl ?? '',
    },
    file: null,
  });
  const node = await startNode({ config, logger: silentLogger() });
  return {
    node,
    async stop() {
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
