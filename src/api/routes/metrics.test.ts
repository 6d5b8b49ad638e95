import { readFileSync } from 'node:fs';
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
  'jobscheduler_http_request_duration_seconds',
  // Node.js defaults keep their usual names, so stock Node.js dashboards find them.
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_seconds',
  'nodejs_heap_size_used_bytes',
  'nodejs_active_handles',
];

/** `# TYPE name kind` lines of an exposition. */
function typesOf(body: string): Map<string, string> {
  return new Map([...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
}

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

  it('names metrics as Prometheus expects: only counters end in _total, no default metric carries our prefix', async () => {
    const types = typesOf((await app.inject({ method: 'GET', url: '/metrics' })).body);
    for (const [name, type] of types) {
      expect({ name, counter: type === 'counter' }).toEqual({ name, counter: name.endsWith('_total') });
      expect(name).not.toMatch(/^jobscheduler_(process|nodejs)_/);
    }
  });

  it('are each listed in docs/deployment.md', async () => {
    const deployment = readFileSync(new URL('../../../docs/deployment.md', import.meta.url), 'utf8');
    const types = typesOf((await app.inject({ method: 'GET', url: '/metrics' })).body);
    for (const name of types.keys()) expect({ name, documented: new RegExp(`\`${name}[\`{]`).test(deployment) }).toEqual({ name, documented: true });
  });

  it('counts HTTP requests by method, route template and status, with no series per id or unknown path', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'GET', url: '/api/v1/jobs/job_0000000000000000000000000a', headers: { authorization: 'Bearer secret-key' } });
    await app.inject({ method: 'GET', url: '/api/v1/jobs/job_0000000000000000000000000b', headers: { authorization: 'Bearer secret-key' } });
    await app.inject({ method: 'GET', url: '/no/such/page' });
    const { body } = await app.inject({ method: 'GET', url: '/metrics' });
    const counts = [...body.matchAll(/^jobscheduler_http_request_duration_seconds_count\{(.*)\} (\d+)$/gm)].map((match) => `${match[1]} ${match[2]}`);
    expect(counts).toContain('method="GET",route="/health",status="200" 1');
    expect(counts).toContain('method="GET",route="unmatched",status="404" 1');
    expect(counts.filter((line) => line.includes('route="/api/v1/jobs/:id"'))).toEqual(['method="GET",route="/api/v1/jobs/:id",status="404" 2']);
    expect(counts.some((line) => line.includes('job_0000'))).toBe(false);
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
