import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { FakeClock } from '../../src/time/fake-clock.js';
import { attempt, jobParams } from '../store/fixtures.js';
import { backends, testSchema, type StoreContext } from '../store/harness.js';

const NOW = new Date('2026-03-04T12:00:00.000Z');
const hoursAgo = (hours: number): Date => new Date(NOW.getTime() - hours * 3600_000);

for (const backend of backends()) {
  describe(`cluster endpoints [${backend.name}]`, () => {
    let context: StoreContext;
    let app: FastifyInstance;

    beforeAll(async () => {
      context = await backend.open(testSchema('api cluster'));
      await context.store.migrate();
      app = await buildServer({ store: context.store, clock: new FakeClock(NOW), config: { apiKeys: ['k1'], allowedTargets: [], nodeTimeoutMs: 10_000 } });
      await app.ready();
    });
    beforeEach(async () => {
      await context.db.query('TRUNCATE jobs, job_next_runs, executions, scheduler_nodes');
    });
    afterAll(async () => {
      await app?.close();
      if (context) await backend.dispose(context);
    });

    const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: 'Bearer k1' } });

    it('lists the nodes with heartbeat and clock skew, telling live ones from stopped and silent ones', async () => {
      const { store, db } = context;
      for (const id of ['node-a', 'node-b', 'node-c']) await store.nodeRegister({ id, hostname: 'host', pid: 42, role: 'all', version: '0.1.0' });
      await store.nodeHeartbeat({ id: 'node-a', clockSkewMs: -12 });
      await store.nodeStop('node-b');
      await db.query(`UPDATE scheduler_nodes SET heartbeat_at = now() - interval '1 minute' WHERE id = 'node-c'`);

      const response = await get('/api/v1/nodes');
      expect(response.statusCode).toBe(200);
      const byId = new Map((response.json().items as { id: string }[]).map((node) => [node.id, node]));
      expect(byId.get('node-a')).toMatchObject({ alive: true, clockSkewMs: -12, stoppedAt: null, hostname: 'host', pid: 42, role: 'all' });
      expect(byId.get('node-b')).toMatchObject({ alive: false });
      expect(byId.get('node-b')).not.toMatchObject({ stoppedAt: null });
      expect(byId.get('node-c')).toMatchObject({ alive: false, stoppedAt: null });
      expect(Date.parse((byId.get('node-a') as unknown as { heartbeatAt: string }).heartbeatAt)).not.toBeNaN();
    });

    it('reports firings per second over the last ten seconds, not counting missed occurrences', async () => {
      const { store } = context;
      const job = await store.jobCreate(jobParams());
      // Written now, for occurrences of the last minutes: the figure looks back at attempts
      // created in the window whose occurrence is at most an hour older.
      const minutesAgo = (minutes: number): Date => new Date(Date.now() - minutes * 60_000);
      await store.executionWrite({
        inserts: [
          attempt(job.id, minutesAgo(6), { status: 'SUCCEEDED' }),
          attempt(job.id, minutesAgo(12), { status: 'FAILED' }),
          attempt(job.id, minutesAgo(18), { status: 'RUNNING' }),
          attempt(job.id, minutesAgo(24), { status: 'MISSED' }),
        ],
      });
      const response = await get('/api/v1/stats');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ firingsPerSecond: 3 / 10, windowSeconds: 10 });
    });

    it('gives each job asked about its success rate over the last 24 hours, in the order asked', async () => {
      const { store } = context;
      const busy = await store.jobCreate(jobParams());
      const idle = await store.jobCreate(jobParams());
      await store.executionWrite({
        inserts: [
          attempt(busy.id, hoursAgo(1), { status: 'SUCCEEDED' }),
          attempt(busy.id, hoursAgo(2), { status: 'SUCCEEDED' }),
          attempt(busy.id, hoursAgo(3), { status: 'SUCCEEDED' }),
          attempt(busy.id, hoursAgo(4), { status: 'FAILED' }),
          attempt(busy.id, hoursAgo(25), { status: 'FAILED' }),
        ],
      });
      const response = await get(`/api/v1/stats/jobs?ids=${idle.id},${busy.id.toUpperCase()}`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        since: hoursAgo(24).toISOString(),
        items: [
          { jobId: idle.id, succeeded: 0, failed: 0, successRate: null },
          { jobId: busy.id, succeeded: 3, failed: 1, successRate: 0.75 },
        ],
      });
    });

    it('refuses a job id list with something that is not an id, or too many ids', async () => {
      const bad = await get('/api/v1/stats/jobs?ids=0190f2a1-7c1e-7000-8000-000000000001,nope');
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', property: 'ids' });
      expect(bad.json().detail).toContain('"nope"');

      const ids = Array.from({ length: 101 }, (_, index) => `0190f2a1-7c1e-7000-8000-${String(index).padStart(12, '0')}`);
      const many = await get(`/api/v1/stats/jobs?ids=${ids.join(',')}`);
      expect(many.statusCode).toBe(400);
      expect(many.json().detail).toContain('at most 100');
    });

    it('draws the last hour minute by minute from the history: attempts started, failures and lateness', async () => {
      const { store } = context;
      const job = await store.jobCreate(jobParams());
      // By the database's clock, which the timeline reads: one attempt 90 s late, started a moment ago.
      const due = new Date(Date.now() - 95_000);
      await store.executionWrite({
        inserts: [attempt(job.id, due, { status: 'FAILED', startedAt: new Date(due.getTime() + 90_000), finishedAt: new Date(due.getTime() + 90_100) })],
      });
      const response = await get('/api/v1/stats/timeline');
      expect(response.statusCode).toBe(200);
      const body = response.json<{ bucketSeconds: number; buckets: { start: string; started: number; failed: number; latenessP50Ms: number | null }[] }>();
      expect(body.bucketSeconds).toBe(60);
      expect(body.buckets).toHaveLength(60);
      const starts = body.buckets.map((bucket) => Date.parse(bucket.start));
      expect(starts.slice(1).map((start, index) => start - starts[index]!)).toEqual(Array(59).fill(60_000));
      expect(body.buckets.filter((bucket) => bucket.started > 0)).toEqual([
        expect.objectContaining({ started: 1, failed: 1, latenessP50Ms: 90_000 }),
      ]);
    });

    it('asks for the API key like every other /api route', async () => {
      for (const url of ['/api/v1/nodes', '/api/v1/stats', '/api/v1/stats/timeline', '/api/v1/stats/jobs?ids=0190f2a1-7c1e-7000-8000-000000000001']) {
        const response = await app.inject({ method: 'GET', url });
        expect(response.statusCode).toBe(401);
      }
    });
  });
}
