import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { JobCreateParams } from '../../src/store/types.js';
import { jobParams } from '../store/fixtures.js';
import { postgresBackend, testSchema, TEST_DATABASE_URL, type StoreContext } from '../store/harness.js';
import { historyOf, nextSecond } from './cluster-harness.js';
import { testSettings } from './engine-harness.js';
import { closedPort, startReceiver, type Receiver } from './receiver.js';

const RETRY = { maxAttempts: 3, minBackoffMs: 200, maxBackoffMs: 800 };

describe.skipIf(!TEST_DATABASE_URL)('targets that fail, hang, refuse or dawdle (PostgreSQL, real time)', () => {
  let context: StoreContext;
  let receiver: Receiver;

  beforeAll(async () => {
    context = await postgresBackend.open(testSchema('targets'));
    await context.store.migrate();
    let flaky = 0;
    receiver = await startReceiver((request, response) => {
      if (request.path === '/fail') response.writeHead(500).end('broken');
      else if (request.path === '/hang') return;
      else if (request.path === '/slow') setTimeout(() => response.writeHead(200).end(), 400);
      else if (request.path === '/flaky') response.writeHead(++flaky <= 2 ? 503 : 200).end();
      else response.writeHead(204).end();
    });
  });
  afterAll(async () => {
    await receiver?.close();
    if (context) await postgresBackend.dispose(context);
  });

  it('produce the documented retries, backoff and history', { timeout: 30_000 }, async () => {
    const runAt = new Date(nextSecond(1500));
    const job = (name: string, api: string, overrides: Partial<JobCreateParams> = {}): JobCreateParams =>
      jobParams({ name, schedule: null, runAt, nextRunAt: runAt, api, headers: {}, retry: RETRY, timeoutMs: 2000, ...overrides });
    const refused = `http://127.0.0.1:${await closedPort()}/`;
    const jobs = await context.store.jobCreateMany([
      job('fails', `${receiver.url}/fail`, { onFailure: `${receiver.url}/failed` }),
      job('hangs', `${receiver.url}/hang`, { timeoutMs: 300, retry: { ...RETRY, maxAttempts: 2 } }),
      job('refused', refused),
      job('slow', `${receiver.url}/slow`),
      job('flaky', `${receiver.url}/flaky`),
      job('fails once only', `${receiver.url}/fail`, { type: 'AT_MOST_ONCE' }),
    ]);
    const byName = new Map(jobs.map((j) => [j.name!, j.id]));

    const scheduler = new Scheduler({ store: context.store, nodeId: 'node-t', logger: silentLogger(), settings: testSettings() });
    let finals = 0;
    const allFinal = new Promise<void>((resolve) =>
      scheduler.signals.on('settled', (event) => event.retryDueAt === null && ++finals === jobs.length && resolve()),
    );
    await scheduler.start();
    await allFinal;
    // fails 3 + its onFailure notification + hangs 2 + slow 1 + flaky 3 + fails once 1
    await receiver.waitForRequests(11);
    await scheduler.stop();

    const history = await historyOf(context.store, jobs.map((j) => j.id));
    const rows = (name: string) => history.get(byName.get(name)!)!;
    const summary = (name: string) => rows(name).map((row) => [row.attempt, row.status, row.httpStatus]);

    expect(summary('fails')).toEqual([
      [1, 'FAILED', 500],
      [2, 'FAILED', 500],
      [3, 'FAILED', 500],
    ]);
    expect(rows('fails').every((row) => row.error === 'HTTP 500: broken')).toBe(true);
    // Each wait lies between minBackoffMs and the doubling ceiling (capped at maxBackoffMs).
    for (const name of ['fails', 'refused', 'flaky']) {
      const attempts = rows(name);
      for (let i = 1; i < attempts.length; i++) {
        const wait = attempts[i]!.dueAt.getTime() - attempts[i - 1]!.finishedAt!.getTime();
        expect(wait).toBeGreaterThanOrEqual(RETRY.minBackoffMs);
        expect(wait).toBeLessThanOrEqual(Math.min(RETRY.maxBackoffMs, RETRY.minBackoffMs * 2 ** (i - 1)));
      }
    }
    const failed = receiver.requests.find((r) => r.path === '/failed');
    expect(JSON.parse(failed!.body)).toMatchObject({ jobId: byName.get('fails'), attempts: 3, status: 'FAILED', httpStatus: 500 });

    expect(rows('hangs').map((row) => [row.attempt, row.status, row.error])).toEqual([
      [1, 'FAILED', 'timed out after 300 ms'],
      [2, 'FAILED', 'timed out after 300 ms'],
    ]);
    expect(rows('hangs').every((row) => row.durationMs! >= 300)).toBe(true);

    expect(summary('refused')).toEqual([
      [1, 'FAILED', null],
      [2, 'FAILED', null],
      [3, 'FAILED', null],
    ]);
    expect(rows('refused').every((row) => row.error!.startsWith('ECONNREFUSED'))).toBe(true);

    expect(summary('slow')).toEqual([[1, 'SUCCEEDED', 200]]);
    expect(rows('slow')[0]!.durationMs).toBeGreaterThanOrEqual(400);

    expect(summary('flaky')).toEqual([
      [1, 'FAILED', 503],
      [2, 'FAILED', 503],
      [3, 'SUCCEEDED', 200],
    ]);
    const flakyKeys = receiver.requests.filter((r) => r.path === '/flaky').map((r) => [r.headers['x-attempt'], r.headers['idempotency-key']]);
    expect(new Set(flakyKeys.map(([, key]) => key)).size).toBe(1);
    expect(flakyKeys.map(([attempt]) => attempt)).toEqual(['1', '2', '3']);

    expect(summary('fails once only')).toEqual([[1, 'FAILED', 500]]);
  });
});
