import { describe, expect, it } from 'vitest';
import { useEngineWorld } from './engine-world.js';

const world = useEngineWorld('send-time targets');

describe('targets checked as each request leaves', () => {
  it('records FAILED, with the reason, a stored job whose host the allow-list no longer names, and sends nothing', async () => {
    // Stored while any host was allowed; the node now runs with a tighter list.
    const jobId = await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000), type: 'AT_MOST_ONCE' });
    await world.startScheduler({ settings: { allowedTargets: ['*.example.com'] } });
    await world.settleAt(1000);
    await world.scheduler!.flush();
    const rows = await world.history(jobId);
    expect(rows.map((row) => [row.attempt, row.status, row.httpStatus])).toEqual([[1, 'FAILED', null]]);
    expect(rows[0]!.error).toBe('target refused: host "127.0.0.1" is not in JOBSCHEDULER_ALLOWED_TARGETS (*.example.com)');
    expect(world.receiver.requests).toHaveLength(0);
  });

  it('records FAILED a stored job aimed at a metadata address literal, which no name resolution would have caught', async () => {
    const jobId = await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000), type: 'AT_MOST_ONCE', api: 'http://100.100.100.200/latest/meta-data/' });
    await world.startScheduler();
    await world.settleAt(1000);
    await world.scheduler!.flush();
    const rows = await world.history(jobId);
    expect(rows.map((row) => [row.status, row.error])).toEqual([['FAILED', 'target refused: 100.100.100.200 is a link-local or cloud metadata address']]);
  });

  it('still sends to a stored target the list allows', async () => {
    const jobId = await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000) });
    await world.startScheduler({ settings: { allowedTargets: ['127.0.0.1'] } });
    await world.settleAt(1000);
    await world.scheduler!.flush();
    expect((await world.history(jobId)).map((row) => row.status)).toEqual(['SUCCEEDED']);
    expect(world.receiver.requests).toHaveLength(1);
  });
});
