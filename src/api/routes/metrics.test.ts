import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../metrics.js';
import { createStore } from '../../store/index.js';
import type { Store } from '../../store/types.js';
import { buildServer } from '../server.js';

const names = [
  'jobscheduler_firings_total',
  'jobscheduler_firing_lateness_seconds',
  'jobscheduler_attempt_duration_seconds',
  'jobscheduler_due_backlog',
  'jobscheduler_claim_batch_size',
  'jobscheduler_retries_total',
  'jobscheduler_nodes_alive',
  'jobscheduler_clock_skew_seconds',
  'jobscheduler_process_cpu_seconds_total',
  'jobscheduler_nodejs_eventloop_lag_seconds',
];

describe('GET /metrics', () => {
  let store: Store;
  let metrics: Metrics;
  let app: FastifyInstance;

  beforeAll(async () => {
    store = await createStore({ dataDir: null });
    await store.migrate();
    metrics = createMetrics();
    // API keys are set: /metrics must stay open, like /health.
    app = await buildServer({ store, metrics, config: { apiKeys: ['secret-key'], allowedTargets: [] } });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('serves every metric in the Prometheus text format, without an API key', async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain; version=0.0.4');
    for (const name of names) expect(response.body).toContain(`# TYPE ${name} `);
    expect((await app.inject({ method: 'GET', url: '/api/v1/jobs' })).statusCode).toBe(401);
  });

  it('shows a firing recorded by the engine, by type and outcome', async () => {
    metrics.firings.inc({ type: 'AT_LEAST_ONCE', outcome: 'SUCCEEDED' });
    metrics.firings.inc({ type: 'AT_LEAST_ONCE', outcome: 'SUCCEEDED' });
    metrics.firings.inc({ type: 'AT_MOST_ONCE', outcome: 'LOST' });
    metrics.lateness.observe(0.012);
    metrics.clockSkew.set(-0.75);
    const { body } = await app.inject({ method: 'GET', url: '/metrics' });
    expect(body).toContain('jobscheduler_firings_total{type="AT_LEAST_ONCE",outcome="SUCCEEDED"} 2');
    expect(body).toContain('jobscheduler_firings_total{type="AT_MOST_ONCE",outcome="LOST"} 1');
    expect(body).toContain('jobscheduler_firing_lateness_seconds_bucket{le="0.025"} 1');
    expect(body).toContain('jobscheduler_firing_lateness_seconds_bucket{le="0.01"} 0');
    expect(body).toContain('jobscheduler_clock_skew_seconds -0.75');
  });

  it('keeps two nodes in one process apart', async () => {
    const other = createMetrics({ defaultMetrics: false });
    other.retries.inc(3);
    const { body } = await app.inject({ method: 'GET', url: '/metrics' });
    expect(body).toContain('jobscheduler_retries_total 0');
  });
});
