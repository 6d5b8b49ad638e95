import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { fileURLToPath } from 'node:url';
import { JobSchedulerError } from '../errors.js';
import { createMetrics } from '../metrics.js';
import type { Store } from '../store/types.js';
import { version } from '../version.js';

export const TAGS = [
  { name: 'jobs', description: 'Create, read, change and delete jobs; run, pause and resume them; their schedule and history.' },
  { name: 'schedules', description: 'Check a cron expression and preview its firings without creating anything.' },
  { name: 'targets', description: 'Target policies: limits on what all nodes together send to an origin, a host or a domain.' },
  { name: 'cluster', description: 'Scheduler nodes and firing statistics (what the dashboard shows).' },
  { name: 'health', description: 'Liveness, readiness and Prometheus metrics, open without an API key.' },
] as const;

/**
 * The OpenAPI 3.1 document is generated from the route schemas (never written by hand),
 * served at /openapi.json, with Swagger UI at /docs. Must be registered before the routes.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'jobscheduler',
        version,
        license: { name: 'MIT', identifier: 'MIT' },
        description:
          'A distributed cron job scheduler. Every error is an RFC 9457 application/problem+json body with a stable `code`. ' +
          'When the server has API keys (JOBSCHEDULER_API_KEYS), every /api route needs `Authorization: Bearer <key>`.',
      },
      // Relative: the node that serves the document is the server (Swagger UI calls it); a
      // generated client is given its base URL.
      servers: [{ url: '/', description: 'The node serving this document' }],
      tags: [...TAGS],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'One of JOBSCHEDULER_API_KEYS.' } } },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transformObject: (document) => {
      const built = 'openapiObject' in document ? document.openapiObject : document.swaggerObject;
      markOptionalBodies(built as OpenApiPaths);
      return built;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/**
 * Operations whose body may be left out. Fastify validates a body a route has a schema for
 * even when none was sent, so the generator marks every such body required; these routes
 * check a missing body as {} (see their preValidation) and their document says so.
 */
const OPTIONAL_BODY_OPERATIONS: ReadonlySet<string> = new Set(['runJob']);

interface OpenApiPaths {
  readonly paths?: Record<string, Record<string, { operationId?: string; requestBody?: { required?: boolean } }>>;
}

function markOptionalBodies(document: OpenApiPaths): void {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      if (operation.requestBody && OPTIONAL_BODY_OPERATIONS.has(operation.operationId ?? '')) operation.requestBody.required = false;
    }
  }
}

/**
 * The document without a database: for the docs script and the test that keeps the
 * committed Postman collection in step. Building routes never touches the store.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const { buildServer } = await import('./server.js');
  // With metrics, as a node serves them, so the document lists /metrics like the live one.
  const metrics = createMetrics({ defaultMetrics: false });
  const app = await buildServer({ store: detachedStore(), metrics, config: { apiKeys: [], allowedTargets: [] } });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}

export const openApiDocPath = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));
export const postmanCollectionPath = fileURLToPath(new URL('../../docs/postman-collection.json', import.meta.url));

/** The committed descriptions of the API: docs/openapi.json and docs/postman-collection.json. */
export async function renderApiDocs(): Promise<{ openapi: string; postman: string }> {
  const { toPostmanCollection } = await import('./postman.js');
  const document = await openApiDocument();
  return {
    openapi: `${JSON.stringify(document, null, 2)}\n`,
    postman: `${JSON.stringify(toPostmanCollection(document as unknown as Parameters<typeof toPostmanCollection>[0]), null, 2)}\n`,
  };
}

function detachedStore(): Store {
  return new Proxy({} as Store, {
    get: (_target, property) => {
      if (property === 'kind') return 'postgres';
      return () => Promise.reject(new JobSchedulerError('STORE_UNAVAILABLE', 'No database: this server only describes the API'));
    },
  });
}
