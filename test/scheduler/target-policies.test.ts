import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { systemClock } from '../../src/time/system-clock.js';
import { postgresBackend, testSchema, TEST_DATABASE_URL, type StoreContext } from '../store/harness.js';
import { historyOf, nextSecond, sleepUntil, stopPlanning, threeNodes } from './cluster-harness.js';
import { startReceiver, type Receiver } from './receiver.js';

/** Every-second jobs behind the policy: three times what it lets through. */
const LIMITED_JOBS = 60;
const FREE_JOBS = 5;
const RUN_MS = 14_000;
/** Two runs: one where the rate binds, one where answers are slow enough that concurrency binds (20/s for 400 ms would be 8 open). */
const CASES = [
  { binds: 'maxPerSecond', maxConcurrent: 10, maxPerSecond: 20, answerAfterMs: 100 },
  { binds: 'maxConcurrent', maxConcurrent: 4, maxPerSecond: 20, answerAfterMs: 400 },
] as const;

/**
 * Three engines on one PostgreSQL and a policy on one target: a receiver counts the requests
 * open at once and the arrivals in every 10 s window, which together must stay within the
 * policy (+10% for the rate). What the policy holds back past the grace follows the skip
 * policy: recorded MISSED, naming the policy. Another origin on the same nodes is not limited.
 */
describe.skipIf(!TEST_DATABASE_URL)('a target policy over three nodes sharing one PostgreSQL', () => {
  let context: StoreContext;
  let receiver: Receiver;
  const stores: SqlStore[] = [];
  let open = 0;
  let maxOpen = 0;
  let answerAfterMs = 0;
  const arrivals: number[] = [];
  const freeArrivals: number[] = [];

  beforeAll(async () => {
    context = await postgresBackend.open(testSchema('target policies'));
    await context.store.migrate();
    receiver = await startReceiver((request, response) => {
      if (request.path.startsWith('/free/')) {
        freeArrivals.push(request.receivedAt);
        response.writeHead(204).end();
        return;
      }
      arrivals.push(request.receivedAt);
      open++;
      maxOpen = Math.max(maxOpen, open);
      setTimeout(() => {
        open--;
        response.writeHead(204).end();
      }, answerAfterMs);
    });
  });
  afterAll(async () => {
    await receiver?.close();
    for (const store of stores) await store.close();
    if (context) await postgresBackend.dispose(context);
  });

  it.each(CASES)('keeps every node together within the limits when $binds binds, and records what it held back past the grace as MISSED', { timeout: 60_000 }, async (limits) => {
    answerAfterMs = limits.answerAfterMs;
    open = 0;
    maxOpen = 0;
    arrivals.length = 0;
    freeArrivals.length = 0;
    await context.db.query('TRUNCATE jobs, job_next_runs, executions, scheduler_nodes, target_policies, target_usage');
    const port = new URL(receiver.url).port;
    const limitedOrigin = `http://127.0.0.1:${port}`;
    const app = await buildServer({ store: context.store, clock: systemClock, config: { apiKeys: [], allowedTargets: [] } });
    await app.ready();
    const policy = await app.inject({
      method: 'POST',
      url: '/api/v1/targets',
      payload: { name: 'receiver', pattern: limitedOrigin, maxConcurrent: limits.maxConcurrent, maxPerSecond: limits.maxPerSecond },
    });
    expect(policy.statusCode).toBe(201);
    const body = (i: number, url: string) => ({ schedule: '* * * * * *', api: url, type: 'AT_LEAST_ONCE', name: `job ${i}` });
    const limited = await app.inject({
      method: 'POST',
      url: '/api/v1/jobs/batch',
      payload: { jobs: Array.from({ length: LIMITED_JOBS }, (_, i) => body(i, `${limitedOrigin}/limited/${i}`)) },
    });
    const free = await app.inject({
      method: 'POST',
      url: '/api/v1/jobs/batch',
      payload: { jobs: Array.from({ length: FREE_JOBS }, (_, i) => body(i, `http://localhost:${port}/free/${i}`)) },
    });
    await app.close();
    const limitedIds = (limited.json().items as { id: string }[]).map((job) => job.id);
    const freeIds = (free.json().items as { id: string }[]).map((job) => job.id);

    const nodes = threeNodes(context, stores, 2000);
    const startAt = nextSecond(1000);
    await Promise.all(nodes.map((node) => node.start()));
    await sleepUntil(startAt + RUN_MS);
    await stopPlanning(context.db);
    await sleepUntil(Date.now() + 3000);
    await Promise.all(nodes.map((node) => node.stop()));

    expect(maxOpen).toBeLessThanOrEqual(limits.maxConcurrent);
    const busiestWindow = Math.max(...arrivals.map((from) => arrivals.filter((at) => at >= from && at < from + 10_000).length));
    expect(busiestWindow).toBeLessThanOrEqual(1.1 * 10 * limits.maxPerSecond);

    const history = await historyOf(context.store, [...limitedIds, ...freeIds]);
    const limitedRows = limitedIds.flatMap((id) => history.get(id)!);
    const succeeded = limitedRows.filter((row) => row.status === 'SUCCEEDED');
    const missed = limitedRows.filter((row) => row.status === 'MISSED');
    expect(succeeded.length).toBe(arrivals.length);
    expect(missed.length).toBeGreaterThan(0);
    expect(missed.some((row) => row.error?.includes('held back') && row.error.includes('target policy "receiver"'))).toBe(true);
    // Shares followed the demand of every node: each sent some.
    expect(new Set(succeeded.map((row) => row.ownerNode)).size).toBe(3);
    const freeRows = freeIds.flatMap((id) => history.get(id)!);
    expect(freeRows.filter((row) => row.error?.includes('target policy'))).toEqual([]);
    expect(freeArrivals.length).toBe(freeRows.filter((row) => row.status === 'SUCCEEDED').length);
    console.log(
      `target policy over 3 nodes (${limits.binds} binding): ${arrivals.length} requests let through in ${RUN_MS / 1000} s (busiest 10 s: ${busiestWindow}, limit ${10 * limits.maxPerSecond}), ` +
        `at most ${maxOpen} open at once (limit ${limits.maxConcurrent}), ${missed.length} occurrences held back past the grace and recorded MISSED; ` +
        `unlimited origin: ${freeArrivals.length} requests`,
    );
  });
});
