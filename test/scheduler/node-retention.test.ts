import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging.js';
import { startNode, type RunningNode } from '../../src/node.js';
import { FakeClock } from '../../src/time/fake-clock.js';
import { attempt, jobParams } from '../store/fixtures.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** The sweep's default interval. */
const SWEEP_INTERVAL = 10 * MINUTE;

/**
 * History rows take their creation time from the database, so the node's fake clock is set
 * ahead of it: rows written now are as old, to the node, as the distance between the two.
 */
describe('history retention on a running node', { timeout: 60_000 }, () => {
  let node: RunningNode | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });

  const config = (env: Record<string, string>) =>
    loadConfig({
      env: {
        PORT: '0',
        JOBSCHEDULER_DATA_DIR: 'memory://',
        // Few engine rounds while the fake clock jumps ahead.
        JOBSCHEDULER_CLAIM_INTERVAL_MS: '60000',
        JOBSCHEDULER_HEARTBEAT_INTERVAL_MS: '600000',
        JOBSCHEDULER_NODE_TIMEOUT_MS: '3600000',
        ...env,
      },
      file: null,
    });

  async function writeFinishedHistory(target: RunningNode, count: number): Promise<string> {
    const job = await target.store.jobCreate(jobParams({ paused: true, nextRunAt: null }));
    const now = new Date();
    const inserts = Array.from({ length: count }, (_, i) => attempt(job.id, new Date(now.getTime() - i * 1000), { status: 'SUCCEEDED' }));
    await target.store.executionWrite({ inserts });
    return job.id;
  }

  async function historySize(target: RunningNode, jobId: string): Promise<number> {
    return (await target.store.executionList({ jobId, limit: 100 })).items.length;
  }

  it('deletes finished history once it is older than JOBSCHEDULER_HISTORY_RETENTION_DAYS, sweeping every interval', async () => {
    const clock = new FakeClock(Date.now() + 7 * DAY - 15 * MINUTE);
    node = await startNode({ config: config({ JOBSCHEDULER_ROLE: 'scheduler', JOBSCHEDULER_HISTORY_RETENTION_DAYS: '7' }), logger: silentLogger(), clock });
    const retention = node.retention!;
    const jobId = await writeFinishedHistory(node, 3);

    const sweptAt = (instant: number) => retention.signals.next('swept', ({ before }) => before !== null && before.getTime() >= instant - 7 * DAY);
    const first = sweptAt(clock.now() + SWEEP_INTERVAL);
    await clock.advance(SWEEP_INTERVAL);
    expect((await first).deleted).toBe(0);
    expect(await historySize(node, jobId)).toBe(3);

    const second = sweptAt(clock.now() + SWEEP_INTERVAL);
    await clock.advance(SWEEP_INTERVAL);
    expect((await second).deleted).toBe(3);
    expect(await historySize(node, jobId)).toBe(0);
  });

  it('runs the sweep on nodes of role all and stops it with the node', async () => {
    const clock = new FakeClock(Date.now() + 31 * DAY);
    node = await startNode({ config: config({ JOBSCHEDULER_ROLE: 'all' }), logger: silentLogger(), clock });
    const retention = node.retention!;
    // The sweep at start may already catch the rows: either sweep will do.
    const swept = retention.signals.next('swept', ({ deleted }) => deleted > 0);
    const jobId = await writeFinishedHistory(node, 2);
    await clock.advance(SWEEP_INTERVAL);
    expect((await swept).deleted).toBe(2);
    expect(await historySize(node, jobId)).toBe(0);

    await node.close();
    let sweeps = 0;
    retention.signals.on('swept', () => sweeps++);
    await clock.advance(3 * SWEEP_INTERVAL);
    expect(sweeps).toBe(0);
  });

  it('has the partitions of the present and three ahead before its first claim, and drops them whole once expired', async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1, 0, 0, 30));
    node = await startNode({
      config: config({ JOBSCHEDULER_ROLE: 'scheduler', JOBSCHEDULER_HISTORY_PARTITION_MINUTES: '1', JOBSCHEDULER_HISTORY_RETENTION_MINUTES: '2' }),
      logger: silentLogger(),
      clock,
    });
    const ranges = async (): Promise<string[]> => (await node!.store.executionPartitionList()).filter((p) => !p.isDefault).map((p) => p.name);
    expect(await ranges()).toEqual(['executions_p20300101_0000', 'executions_p20300101_0001', 'executions_p20300101_0002', 'executions_p20300101_0003']);
    const dropped = node.retention!.signals.next('swept', ({ dropped }) => dropped.length > 0);
    await clock.advance(3 * MINUTE);
    expect((await dropped).dropped).toEqual(['executions_p20300101_0000']);
    expect((await ranges())[0]).toBe('executions_p20300101_0001');
  });

  it('is not run by API nodes, which fire nothing', async () => {
    node = await startNode({ config: config({ JOBSCHEDULER_ROLE: 'api' }), logger: silentLogger(), clock: new FakeClock() });
    expect(node.retention).toBeNull();
  });
});
