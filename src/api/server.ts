import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { JobSchedulerError } from '../errors.js';
import { JobCreateBatcher } from '../jobs/create-batcher.js';
import { silentLogger, type Logger } from '../logging.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/types.js';
import { systemClock } from '../time/system-clock.js';
import type { Clock } from '../time/clock.js';
import { createKeyCheck } from './auth.js';
import { CostLimiter, limitRequests } from './limiter.js';
import { answerClientError } from './client-error.js';
import { createOriginGuard } from './origin.js';
import { registerOpenApi } from './openapi.js';
import { sendProblem } from './problem.js';
import { REQUEST_ID_HEADER, requestIdGenerator } from './request-id.js';
import { registerClusterRoutes } from './routes/cluster.js';
import type { ApiContext } from './routes/context.js';
import { registerDashboard, type DashboardOptions } from './routes/dashboard.js';
import { registerHealthRoutes, type EngineReadiness } from './routes/health.js';
import { registerBackfillRoute } from './routes/backfill.js';
import { registerJobActionRoutes } from './routes/job-actions.js';
import { registerJobRoutes } from './routes/jobs.js';
import { recordHttpRequests, registerMetricsRoute } from './routes/metrics.js';
import { registerScheduleRoutes } from './routes/schedules.js';
import { registerTargetRoutes } from './routes/targets.js';
import { registerTimelineRoute } from './routes/timeline.js';
import { executionSchema, jobPatchSchema, jobSchema } from './schemas/job.js';
import { targetPolicySchema } from './schemas/target.js';
import { problemSchema } from './schemas/common.js';

export interface ServerOptions {
  readonly store: Store;
  readonly config: Pick<Config, 'apiKeys' | 'allowedTargets'> &
    Partial<Pick<Config, 'nodeTimeoutMs' | 'allowedHosts' | 'requestTimeoutMs' | 'headersTimeoutMs' | 'apiRequestBudget'>>;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** When given, served at GET /metrics. */
  readonly metrics?: Metrics;
  /** Serve the web dashboard at / (a node does; tests and the OpenAPI export do not). */
  readonly dashboard?: boolean | DashboardOptions;
  /**
   * Serve the HTTP API, its documentation and the dashboard (default true). False leaves only
   * /health, /ready and /metrics: a node that fires jobs but serves no API still has to be
   * probed and scraped.
   */
  readonly api?: boolean;
  /** The engine of this node, if it runs one: /ready then also reports failing claims and history writes. */
  readonly engine?: EngineReadiness;
}

export const BODY_LIMIT = 1024 * 1024;

/** Requests waiting for their turn at once (see CostLimiter); past it they answer 503. */
const MAX_WAITING_REQUESTS = 10_000;

/**
 * The HTTP server: Fastify with strict validation (Ajv never coerces types or strips
 * unknown fields, so a wrong type or an unknown field is a 400 naming it), problem+json
 * errors for everything, API keys on /api, and an OpenAPI 3.1 document built from the
 * route schemas. Not listening yet: the caller decides (listen, or inject in tests).
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const servesApi = options.api ?? true;
  const base = options.logger ?? silentLogger();
  // Fastify's own info lines (one "listening" line per interface) would crowd the node's
  // single startup line: the API logs warnings and errors, and requests at debug level.
  const quiet = base.isLevelEnabled('debug') || !base.isLevelEnabled('warn') ? base.level : 'warn';
  const logger = base.child({ component: 'api' }, { level: quiet });
  const clock = options.clock ?? systemClock;
  const timeouts = requestTimeouts(options.config);
  const app = Fastify({
    // A client that sends its request slowly (or never finishes it) is cut off, so idle
    // connections cannot pile up; Node checks them every connectionsCheckingInterval.
    requestTimeout: timeouts.requestMs,
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.min(1000, timeouts.headersMs) },
    loggerInstance: logger,
    // The incoming X-Request-Id is checked by the generator, never trusted as it is.
    requestIdHeader: false,
    genReqId: requestIdGenerator(clock),
    bodyLimit: BODY_LIMIT,
    // Request logging costs two log lines per request on the hot path; completions are
    // logged at debug level below instead.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false } },
    clientErrorHandler: answerClientError,
    frameworkErrors: (error, request, reply) => {
      sendProblem(request, reply, error);
    },
  }) as unknown as FastifyInstance;

  acceptJsonOnly(app);
  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, notFound(request, servesApi)));
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  if (servesApi && options.config.apiKeys.length === 0) {
    const guard = createOriginGuard(options.config.allowedHosts ?? []);
    app.addHook('onRequest', async (request) => guard(request));
  }
  // One line per request at debug level: at thousands of requests a second, even a hook that
  // logs nothing costs, so it is there only when it would log.
  if (logger.isLevelEnabled('debug')) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
    });
  }

  if (options.metrics) recordHttpRequests(app, options.metrics);

  for (const schema of [problemSchema, jobPatchSchema, jobSchema, executionSchema, targetPolicySchema]) app.addSchema(schema);
  if (servesApi) await registerOpenApi(app);

  registerHealthRoutes(app, { store: options.store, clock }, options.engine);
  if (options.metrics) registerMetricsRoute(app, options.metrics);
  if (!servesApi) return app;

  const context: ApiContext = {
    store: options.store,
    creates: new JobCreateBatcher(options.store),
    clock,
    targets: { allowedTargets: options.config.allowedTargets },
  };
  if (options.dashboard) await registerDashboard(app, options.dashboard === true ? {} : options.dashboard);
  const keyCheck = createKeyCheck(options.config.apiKeys);
  const limiter = new CostLimiter({
    budget: options.config.apiRequestBudget ?? 10_000,
    maxWaiting: MAX_WAITING_REQUESTS,
    maxWaitMs: timeouts.requestMs,
    clock,
  });
  await app.register(
    async (api) => {
      if (keyCheck) api.addHook('onRequest', async (request) => keyCheck(request.headers.authorization));
      limitRequests(api, limiter);
      api.addHook('preValidation', async (request) => coerceQuery(request));
      registerJobRoutes(api, context);
      registerJobActionRoutes(api, context);
      registerBackfillRoute(api, context);
      registerScheduleRoutes(api, context);
      registerTargetRoutes(api, context);
      registerClusterRoutes(api, context, options.config);
      registerTimelineRoute(api, context);
    },
    { prefix: '/api/v1' },
  );
  return app;
}

/**
 * JSON is the only body type: every other content type answers 415. An empty body is
 * accepted as "no body" so POST actions without one work whatever headers a client sends.
 */
function acceptJsonOnly(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') {
      done(null, undefined);
      return;
    }
    if (PROTO_KEY.test(text)) {
      parseRefusingProtoKeys(text, done);
      return;
    }
    parseJson(request, text, done);
  });
}

/** Bodies that may hold a key the default parser would refuse as "not valid JSON". */
const PROTO_KEY = /"(?:__proto__|constructor)"/;

/**
 * Keys named __proto__ (or constructor holding a prototype) could reach an object's prototype
 * wherever a body is merged into another object: they are refused with a message saying so,
 * rather than as invalid JSON. Only bodies that contain such a word pay for this walk.
 */
function parseRefusingProtoKeys(text: string, done: (error: Error | null, body?: unknown) => void): void {
  let body: unknown;
  try {
    body = JSON.parse(text, function refuse(this: unknown, key: string, value: unknown) {
      const hasPrototype = value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, 'prototype');
      if (key === '__proto__' || (key === 'constructor' && hasPrototype)) {
        throw new JobSchedulerError('VALIDATION_FAILED', `body: keys named "__proto__", or "constructor" holding "prototype", are refused anywhere in a body, payload included`, {
          property: 'body',
        });
      }
      return value;
    });
  } catch (error) {
    done(error as Error);
    return;
  }
  done(null, body);
}

/**
 * Query strings are text, yet `limit=20` should be an integer and `active=true` a boolean.
 * Only whole-number and true/false text is converted, and only for parameters the route's
 * schema declares with that type; anything else reaches strict validation as text and is
 * refused there. Bodies are never converted.
 */
function coerceQuery(request: FastifyRequest): void {
  const schema = request.routeOptions.schema?.querystring as { properties?: Record<string, { type?: unknown }> } | undefined;
  const query = request.query as Record<string, unknown> | undefined;
  if (!schema?.properties || !query) return;
  for (const [name, property] of Object.entries(schema.properties)) {
    const value = query[name];
    if (typeof value !== 'string') continue;
    if (property.type === 'integer' && /^-?\d{1,15}$/.test(value)) query[name] = Number(value);
    else if (property.type === 'boolean' && (value === 'true' || value === 'false')) query[name] = value === 'true';
  }
}

function notFound(request: FastifyRequest, servesApi: boolean): JobSchedulerError {
  const path = request.url.split('?')[0];
  const hint = servesApi ? 'the API is described at /docs' : 'this node serves no API, only /health, /ready and /metrics';
  return new JobSchedulerError('NOT_FOUND', `No route ${request.method} ${path}; ${hint}`);
}

/** The headers' bound never exceeds the whole request's, as Node requires. */
function requestTimeouts(config: ServerOptions['config']): { requestMs: number; headersMs: number } {
  const requestMs = config.requestTimeoutMs ?? 30_000;
  return { requestMs, headersMs: Math.min(config.headersTimeoutMs ?? 10_000, requestMs) };
}
