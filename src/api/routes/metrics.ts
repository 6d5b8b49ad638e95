import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics.js';

/**
 * GET /metrics: this node's registry in the Prometheus text format. Open like /health (no API
 * key): scrapers rarely carry bearer tokens, and the figures name no job or target. Each node
 * serves only its own counters; Prometheus sums across nodes.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  const schema = {
    tags: ['health'],
    operationId: 'getMetrics',
    summary: 'Prometheus metrics of this node',
    description: 'The text exposition format, version 0.0.4. Every metric is listed in docs/deployment.md.',
    security: [],
    response: { 200: { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
  };
  app.get('/metrics', { schema }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(body);
  });
}

/**
 * Times every answer by method, route template and status. The template (`/api/v1/jobs/:id`),
 * never the URL, keeps one series per route whatever ids and queries arrive; requests that
 * match no route share `unmatched`. Registered before any route so it covers them all.
 */
export function recordHttpRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
