import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../metrics.js';
import { registerMetricsRoute } from './metrics.js';

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
];

describe('GET /metrics', () => {
  const apps: ReturnType<typeof Fastify>[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  async function scrape(metrics = createMetrics()) {
    const app = Fastify();
    apps.push(app);
    registerMetricsRoute(app, metrics);
    return app.inject({ method: 'GET', url: '/metrics' });
  }

  it('serves every metric in the Prometheus text format', async () => {
    const response = await scrape();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain; version=0.0.4');
    for (const name of names) expect(response.body).toContain(`# TYPE ${name} `);
  });

  it('shows a firing recorded by the engine, by type and outcome', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.firings.inc({ type: 'AT_LEAST_ONCE', outcome: 'SUCCEEDED' });
    metrics.firings.inc({ type: 'AT_LEAST_ONCE', outcome: 'SUCCEEDED' });
    metrics.firings.inc({ type: 'AT_MOST_ONCE', outcome: 'LOST' });
    metrics.lateness.observe(0.012);
    metrics.clockSkew.set(-0.75);
    const { body } = await scrape(metrics);
    expect(body).toContain('jobscheduler_firings_total{type="AT_LEAST_ONCE",outcome="SUCCEEDED"} 2');
    expect(body).toContain('jobscheduler_firings_total{type="AT_MOST_ONCE",outcome="LOST"} 1');
    expect(body).toContain('jobscheduler_firing_lateness_seconds_bucket{le="0.025"} 1');
    expect(body).toContain('jobscheduler_firing_lateness_seconds_bucket{le="0.01"} 0');
    expect(body).toContain('jobscheduler_clock_skew_seconds -0.75');
  });

  it('keeps two nodes in one process apart', async () => {
    const first = createMetrics({ defaultMetrics: false });
    first.retries.inc(3);
    const { body } = await scrape(createMetrics({ defaultMetrics: false }));
    expect(body).toContain('jobscheduler_retries_total 0');
  });
});
