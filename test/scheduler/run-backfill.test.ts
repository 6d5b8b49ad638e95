import { describe, expect, it } from 'vitest';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import { makeScheduler, T0 } from './engine-harness.js';
import { useEngineWorld } from './engine-world.js';
import { useWorldApi } from './world-api.js';

const world = useEngineWorld('run backfill');
const api = useWorldApi(world);

async function createJob(body: Record<string, unknown>): Promise<string> {
  const created = await api('POST', '/jobs', { api: `${world.receiver.url}/hook`, type: 'AT_LEAST_ONCE', ...body });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

/** Moves the fake clock on a second at a time until `count` attempts have settled on `nodes`. */
async function settle(count: number, nodes: readonly Scheduler[] = [world.scheduler!]): Promise<void> {
  let settled = 0;
  const offs = nodes.map((node) => node.signals.on('settled', () => void settled++));
  for (let step = 0; settled < count; step++) {
    if (step > 600) throw new Error(`only ${settled} of ${count} attempts settled`);
    await world.clock.advance(1000);
  }
  for (const off of offs) off();
  for (const node of nodes) await node.flush();
}

/** Moves the fake clock on a second at a time until `count` backfilled occurrences of the job succeeded. */
async function untilBackfilled(jobId: string, count: number): Promise<void> {
  for (let step = 0; ; step++) {
    await world.scheduler!.flush();
    const done = (await world.history(jobId)).filter((row) => row.trigger === 'backfill' && row.status === 'SUCCEEDED');
    if (done.length >= count) return;
    if (step > 600) throw new Error(`only ${done.length} of ${count} backfilled occurrences succeeded`);
    await world.clock.advance(1000);
  }
}

describe('run now with overrides', () => {
  it('sends the override to the target for that firing only; the next scheduled firing sends the job\'s own request', async () => {
    const jobId = await createJob({ schedule: '0 * * * * *', headers: { 'X-Tenant': 'a' }, payload: { n: 1 } });
    await world.startScheduler();
    const run = await api('POST', `/jobs/${jobId}/run`, { payload: { n: 2 }, headers: { 'x-tenant': 'b', 'X-Reason': 'replay' } });
    expect(run.body).toMatchObject({ overridden: true });
    await settle(1);
    await world.settleAt(60_000);
    await world.scheduler!.flush();

    const [manual, scheduled] = world.receiver.requests;
    expect(manual!.body).toBe('{"n":2}');
    expect(manual!.headers).toMatchObject({ 'x-tenant': 'b', 'x-reason': 'replay', 'idempotency-key': `${jobId}:${new Date(T0).toISOString()}:manual` });
    expect(manual!.rawHeaders.filter((name) => name.toLowerCase() === 'x-tenant')).toHaveLength(1);
    expect(scheduled!.body).toBe('{"n":1}');
    expect(scheduled!.headers['x-tenant']).toBe('a');
    expect(scheduled!.headers['x-reason']).toBeUndefined();

    const history = await api<{ items: { trigger: string; status: string; override: unknown }[] }>('GET', `/jobs/${jobId}/history`);
    expect(history.body.items.map((item) => [item.trigger, item.status, item.override])).toEqual([
      ['schedule', 'SUCCEEDED', null],
      ['manual', 'SUCCEEDED', { payload: { n: 2 }, headers: { 'x-tenant': 'b', 'X-Reason': 'replay' } }],
    ]);
    expect((await api('GET', `/jobs/${jobId}`)).body).toMatchObject({ payload: { n: 1 }, headers: { 'X-Tenant': 'a' }, version: 1 });
  });

  it('a null payload override sends no body', async () => {
    const jobId = await createJob({ runAt: new Date(T0 + 3_600_000).toISOString(), payload: { n: 1 } });
    await world.startScheduler();
    await api('POST', `/jobs/${jobId}/run`, { payload: null });
    await settle(1);
    expect(world.receiver.requests[0]!.body).toBe('');
  });

  it('a failed overridden run is retried with the same override by another node, after the first one stopped', async () => {
    let calls = 0;
    world.receiver.setHandler((_req, res) => void res.writeHead(++calls === 1 ? 500 : 204).end());
    const jobId = await createJob({ runAt: new Date(T0 + 3_600_000).toISOString(), payload: { n: 1 }, retry: { maxAttempts: 3, minBackoffMs: 5000, maxBackoffMs: 5000 } });
    const nodeA = await world.startScheduler();
    await api('POST', `/jobs/${jobId}/run`, { payload: { n: 2 }, headers: { 'X-Reason': 'replay' } });
    await settle(1, [nodeA]);
    await world.advanceUntil(nodeA.stop());
    world.scheduler = makeScheduler(world.context.store, world.clock, { nodeId: 'node-b' });
    await world.scheduler.start();
    await settle(1);

    expect(world.receiver.requests.map((request) => [request.body, request.headers['x-reason'], request.headers['x-attempt']])).toEqual([
      ['{"n":2}', 'replay', '1'],
      ['{"n":2}', 'replay', '2'],
    ]);
    const rows = await world.history(jobId);
    expect(rows.map((row) => [row.trigger, row.attempt, row.status, row.ownerNode, row.override])).toEqual([
      ['manual', 1, 'FAILED', 'node-a', { payload: { n: 2 }, headers: { 'X-Reason': 'replay' } }],
      ['manual', 2, 'SUCCEEDED', 'node-b', { payload: { n: 2 }, headers: { 'X-Reason': 'replay' } }],
    ]);
  });

  it('an overridden attempt requeued from a dead node is sent with its override by the node that takes it', async () => {
    const jobId = await createJob({ runAt: new Date(T0 + 3_600_000).toISOString(), payload: { n: 1 } });
    const { store, db } = world.context;
    await store.nodeRegister({ id: 'node-gone', hostname: 'h', pid: 1, role: 'all', version: '0' });
    await db.query(`UPDATE scheduler_nodes SET heartbeat_at = now() - interval '2 hours' WHERE id = 'node-gone'`);
    await store.executionWrite({
      inserts: [
        { id: '0196f3a0-0000-7000-8000-0000000000c1', jobId, scheduledAt: new Date(T0), trigger: 'manual', attempt: 1, dueAt: new Date(T0), status: 'RUNNING', ownerNode: 'node-gone', override: { payload: { n: 3 } } },
      ],
    });
    expect(await store.nodeReapDead({ timeoutMs: 60_000 })).toMatchObject({ deadNodes: ['node-gone'], requeued: 1 });
    await world.startScheduler();
    await settle(1);
    expect(world.receiver.requests.map((request) => request.body)).toEqual(['{"n":3}']);
  });
});

describe('backfill', () => {
  const minute = 60_000;
  const backfillBody = { from: new Date(T0 - 5 * minute).toISOString(), to: new Date(T0).toISOString(), intervalMs: 2000 };

  it('fires each past occurrence without a success once, intervalMs apart, as the scheduled occurrence; a second call fires nothing', async () => {
    const jobId = await createJob({ schedule: '0 * * * * *', payload: { n: 1 } });
    const { store } = world.context;
    await store.executionWrite({
      inserts: [
        { id: '0196f3a0-0000-7000-8000-0000000000d1', jobId, scheduledAt: new Date(T0 - 3 * minute), trigger: 'schedule', attempt: 1, dueAt: new Date(T0 - 3 * minute), status: 'SUCCEEDED', ownerNode: null },
        { id: '0196f3a0-0000-7000-8000-0000000000d2', jobId, scheduledAt: new Date(T0 - 2 * minute), trigger: 'schedule', attempt: 1, dueAt: new Date(T0 - 2 * minute), status: 'MISSED', ownerNode: null },
      ],
    });
    await world.startScheduler();
    const answer = await api('POST', `/jobs/${jobId}/backfill`, backfillBody);
    expect(answer.body).toMatchObject({ scheduled: 5, count: 4, queued: 4, first: new Date(T0 - 5 * minute).toISOString(), last: new Date(T0 - minute).toISOString() });
    await settle(4);

    const sent = world.receiver.requests.map((request) => [request.headers['x-scheduled-at'], request.headers['idempotency-key']]);
    expect(sent).toEqual([5, 4, 2, 1].map((ago) => [new Date(T0 - ago * minute).toISOString(), `${jobId}:${new Date(T0 - ago * minute).toISOString()}:schedule`]));
    const backfilled = (await world.history(jobId)).filter((row) => row.trigger === 'backfill');
    expect(backfilled.map((row) => [row.status, row.dueAt.getTime() - T0])).toEqual([
      ['SUCCEEDED', 0],
      ['SUCCEEDED', 2000],
      ['SUCCEEDED', 4000],
      ['SUCCEEDED', 6000],
    ]);
    // Sent at their due times (the first at the claim round after the request), never before.
    for (const row of backfilled) expect(row.startedAt!.getTime()).toBeGreaterThanOrEqual(row.dueAt.getTime());

    const again = await api('POST', `/jobs/${jobId}/backfill`, backfillBody);
    expect(again.body).toMatchObject({ count: 4, queued: 0, alreadyQueued: 4 });
    await world.clock.advance(10_000);
    expect(world.receiver.requests).toHaveLength(4);
    expect((await api('GET', `/jobs/${jobId}`)).body).toMatchObject({ isActive: true, paused: false, payload: { n: 1 } });
  });

  it('pausing the job withdraws what is not sent yet; after resuming, the same backfill fires only the rest', async () => {
    const jobId = await createJob({ schedule: '0 * * * * *' });
    await world.startScheduler();
    await api('POST', `/jobs/${jobId}/backfill`, { ...backfillBody, intervalMs: 10_000 });
    await settle(1);
    await api('POST', `/jobs/${jobId}/pause`);
    await settle(4);
    const withdrawn = (await world.history(jobId)).filter((row) => row.status === 'SKIPPED');
    expect(withdrawn).toHaveLength(4);
    expect(withdrawn[0]!.error).toContain('paused');
    expect(world.receiver.requests).toHaveLength(1);

    await api('POST', `/jobs/${jobId}/resume`);
    const again = await api('POST', `/jobs/${jobId}/backfill`, { ...backfillBody, intervalMs: 10_000 });
    expect(again.body).toMatchObject({ count: 5, queued: 4, alreadyQueued: 1 });
    await untilBackfilled(jobId, 5);
    const keys = world.receiver.requests.map((request) => request.headers['x-scheduled-at']).filter((at) => Date.parse(String(at)) < T0);
    expect(new Set(keys).size).toBe(5);
    expect(keys).toHaveLength(5);
  });

  it('an AT_MOST_ONCE occurrence that was LOST is not fired again', async () => {
    const jobId = await createJob({ schedule: '0 * * * * *', type: 'AT_MOST_ONCE' });
    await world.context.store.executionWrite({
      inserts: [{ id: '0196f3a0-0000-7000-8000-0000000000e1', jobId, scheduledAt: new Date(T0 - minute), trigger: 'schedule', attempt: 1, dueAt: new Date(T0 - minute), status: 'LOST', ownerNode: null }],
    });
    await world.startScheduler();
    const answer = await api('POST', `/jobs/${jobId}/backfill`, backfillBody);
    expect(answer.body).toMatchObject({ count: 4, skipped: { maybeSent: 1 } });
    await settle(4);
    expect(world.receiver.requests.map((request) => request.headers['x-scheduled-at'])).not.toContain(new Date(T0 - minute).toISOString());
  });

  it('two nodes running a backfill deliver each occurrence to the target once', async () => {
    const jobId = await createJob({ schedule: '0 * * * * *' });
    const nodeA = await world.startScheduler();
    const nodeB = makeScheduler(world.context.store, world.clock, { nodeId: 'node-b' });
    await nodeB.start();
    try {
      const answer = await api('POST', `/jobs/${jobId}/backfill`, { from: new Date(T0 - 30 * minute).toISOString(), to: new Date(T0).toISOString(), intervalMs: 500 });
      expect(answer.body).toMatchObject({ count: 30, queued: 30 });
      await settle(30, [nodeA, nodeB]);
      const keys = world.receiver.requests.map((request) => String(request.headers['idempotency-key']));
      expect(keys).toHaveLength(30);
      expect(new Set(keys).size).toBe(30);
      const rows = (await world.history(jobId)).filter((row) => row.trigger === 'backfill');
      expect(rows.every((row) => row.status === 'SUCCEEDED')).toBe(true);
    } finally {
      await world.advanceUntil(nodeB.stop());
    }
  });
});
