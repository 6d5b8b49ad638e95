import type { FastifyInstance } from 'fastify';
import { JobSchedulerError } from '../../errors.js';
import { version } from '../../version.js';
import { problems } from '../schemas/common.js';
import type { ApiContext } from './context.js';

/** Where the engine is in its life (see src/scheduler/engine-health.ts). */
type EnginePhase = 'starting' | 'running' | 'stopping';

/** The engine of this node, as readiness sees it (see src/scheduler/engine-health.ts). */
export interface EngineHealthSource {
  readonly phase: EnginePhase;
  problems(nowMs: number, thresholdMs: number): { readonly activity: string; readonly since: Date; readonly reason: string }[];
}

export interface EngineReadiness {
  readonly health: EngineHealthSource;
  /** How long claims or history writes may fail without a break before /ready says so. */
  readonly failureMs: number;
}

/**
 * Liveness and readiness: open without an API key, so orchestrators can probe them (the
 * document says so with an empty `security`, which generated clients read as "send no key").
 * A node with an engine is ready only while its claims and history writes go through.
 */
export function registerHealthRoutes(app: FastifyInstance, context: Pick<ApiContext, 'store' | 'clock'>, engine?: EngineReadiness): void {
  const startedAt = context.clock.now();

  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        operationId: 'getHealth',
        summary: 'Liveness: the process answers',
        security: [],
        response: {
          200: {
            description: 'Alive',
            type: 'object',
            additionalProperties: false,
            properties: {
              status: { type: 'string', enum: ['ok'] },
              version: { type: 'string' },
              uptimeSeconds: { type: 'number' },
              store: { type: 'string', enum: ['postgres', 'pglite'] },
            },
            required: ['status', 'version', 'uptimeSeconds', 'store'],
          },
        },
      },
    },
    async () => ({
      status: 'ok',
      version,
      uptimeSeconds: Math.max(0, Math.round((context.clock.now() - startedAt) / 100) / 10),
      store: context.store.kind,
    }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        operationId: 'getReady',
        summary: 'Readiness: the database answers',
        security: [],
        response: {
          200: {
            description: 'Ready to serve',
            type: 'object',
            additionalProperties: false,
            properties: { status: { type: 'string', enum: ['ready'] } },
            required: ['status'],
          },
          ...problems(503),
        },
      },
    },
    async () => {
      await context.store.ping();
      if (engine && engine.health.phase !== 'running') throw engineNotRunning(engine.health.phase);
      const problems = engine?.health.problems(context.clock.now(), engine.failureMs) ?? [];
      if (problems.length > 0) {
        const failing = problems.map(({ activity, since, reason }) => ({ activity, since: since.toISOString(), reason }));
        const summary = failing.map(({ activity, since, reason }) => `${activity === 'claim' ? 'claim rounds' : 'history writes'} failing since ${since}: ${reason}`);
        throw new JobSchedulerError('ENGINE_FAILING', `This node's engine is failing: ${summary.join('; ')}`, { failing });
      }
      return { status: 'ready' };
    },
  );
}

/**
 * Between the server's first answer and the engine's first claim (joining the cluster, taking
 * back its attempts), and from the moment it is asked to stop, a node with an engine fires
 * nothing: an orchestrator that took it for ready then could stop the last node that does.
 */
function engineNotRunning(phase: Exclude<EnginePhase, 'running'>): JobSchedulerError {
  const why =
    phase === 'starting'
      ? 'is starting: it claims and fires nothing until it has joined the cluster and taken back its attempts'
      : 'is stopping: it claims nothing more and hands back what it holds';
  return new JobSchedulerError('ENGINE_NOT_RUNNING', `This node's engine ${why}`, { engine: phase });
}
