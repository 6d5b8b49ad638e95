import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging.js';
import { engineSettings, startNode, type RunningNode } from '../../src/node.js';
import type { ExecutionStatus } from '../../src/store/types.js';
import { FakeClock } from '../../src/time/fake-clock.js';
import { jobParams } from '../store/fixtures.js';

const config = (env: Record<string, string> = {}) =>
  loadConfig({ env: { PORT: '0', JOBSCHEDULER_DATA_DIR: 'memory://', JOBSCHEDULER_ROLE: 'scheduler', ...env }, file: null });

describe('engine settings', () => {
  it('reach the engine from the configuration', () => {
    const tuned = config({
      JOBSCHEDULER_MISFIRE_GRACE_MS: '15000',
      JOBSCHEDULER_RETRY_BACKOFF: 'decorrelated',
      JOBSCHEDULER_HISTORY_FLUSH_INTERVAL_MS: '400',
      JOBSCHEDULER_LOOKAHEAD_MS: '5000',
    });
    expect(engineSettings(tuned)).toMatchObject({
      misfireGraceMs: 15000,
      backoff: 'decorrelated',
      recorder: { flushIntervalMs: 400 },
      settings: { lookaheadMs: 5000 },
    });
    expect(engineSettings(config())).toMatchObject({ misfireGraceMs: 1000, backoff: 'full', recorder: { flushIntervalMs: 50 } });
  });
});

describe('the misfire grace of a running node', { timeout: 60_000 }, () => {
  let node: RunningNode | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });

  /**
   * A one-time job due 5 s before the node's first claim, with misfirePolicy skip: it fires
   * when 5 s is within the grace, and is recorded MISSED otherwise.
   */
  async function statusOfAJobFiveSecondsLate(env: Record<string, string>): Promise<ExecutionStatus> {
    const clock = new FakeClock(Date.now());
    node = await startNode({ config: config(env), logger: silentLogger(), clock });
    const at = new Date(clock.now() - 5000);
    // Nothing listens on the discard port: the attempt fails at once, without retries.
    const job = await node.store.jobCreate(
      jobParams({ schedule: null, runAt: at, nextRunAt: at, misfirePolicy: 'skip', type: 'AT_MOST_ONCE', api: 'http://127.0.0.1:9/hook', retry: { maxAttempts: 1, minBackoffMs: 1000, maxBackoffMs: 1000 } }),
    );
    const started = node;
    await clock.advance(config(env).claimIntervalMs);
    const history = await vi.waitFor(
      async () => {
        // A fired attempt's row is its outcome, written within a flush interval of the clock.
        await clock.advance(50);
        const { items } = await started.store.executionList({ jobId: job.id, limit: 10 });
        if (items.length === 0) throw new Error('not written yet');
        return items;
      },
      { timeout: 30_000, interval: 20 },
    );
    expect(history).toHaveLength(1);
    return history[0]!.status;
  }

  it('fires an occurrence later than the default 1 s when JOBSCHEDULER_MISFIRE_GRACE_MS allows it', async () => {
    expect(await statusOfAJobFiveSecondsLate({ JOBSCHEDULER_MISFIRE_GRACE_MS: '10000' })).not.toBe('MISSED');
  });

  it('records the same occurrence MISSED under the default grace', async () => {
    expect(await statusOfAJobFiveSecondsLate({})).toBe('MISSED');
  });
});
