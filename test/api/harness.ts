import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { buildServer, type ServerOptions } from '../../src/api/server.js';
import type { Store } from '../../src/store/types.js';
import type { Clock } from '../../src/time/clock.js';
import { FakeClock } from '../../src/time/fake-clock.js';
import { backends, testSchema, type Backend, type StoreContext } from '../store/harness.js';

/** "Now" for every API test: a Wednesday, so weekday schedules have something to say. */
export const NOW = new Date('2026-03-04T12:00:00.000Z');

export interface ApiTestContext {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly clock: FakeClock;
  readonly backend: Backend['name'];
  /** Counts jobs straight from the store (every page), to prove nothing half-made was left. */
  jobCount(): Promise<number>;
}

export type ServerConfig = Partial<ServerOptions['config']>;

/**
 * The API suite's frame: `body` runs once per backend (PGlite always, PostgreSQL when
 * TEST_DATABASE_URL is set) against a server over a migrated store of its own, emptied and
 * with the clock reset before every test. Requests go through app.inject, in process.
 */
export function describeApi(title: string, body: (context: () => ApiTestContext) => void, config: ServerConfig = {}): void {
  for (const backend of backends()) {
    describe(`${title} [${backend.name}]`, () => {
      let storeContext: StoreContext | undefined;
      let context: ApiTestContext | undefined;
      let clock = new FakeClock(NOW);
      beforeAll(async () => {
        storeContext = await backend.open(testSchema(`api ${title}`));
        await storeContext.store.migrate();
        const store = storeContext.store;
        const app = await buildServer({ store, clock: delegate(() => clock), config: { apiKeys: [], allowedTargets: [], ...config } });
        await app.ready();
        context = { app, store, get clock() { return clock; }, backend: backend.name, jobCount: () => countJobs(store) };
      });
      beforeEach(async () => {
        await storeContext!.db.query('TRUNCATE jobs, job_next_runs, executions, scheduler_nodes, target_policies, target_usage');
        clock = new FakeClock(NOW);
      });
      afterAll(async () => {
        await context?.app.close();
        if (storeContext) await backend.dispose(storeContext);
      });
      body(() => context!);
    });
  }
}

/** A clock whose every call goes to the test's current FakeClock, so each test starts at NOW. */
function delegate(current: () => Clock): Clock {
  return {
    now: () => current().now(),
    setTimer: (delayMs, callback) => current().setTimer(delayMs, callback),
    sleep: (delayMs, signal) => current().sleep(delayMs, signal),
  };
}

async function countJobs(store: Store): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await store.jobList({ limit: 1000, cursor });
    count += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return count;
}

/** The minimal create body of the product's promise. */
export const MINIMAL_JOB = Object.freeze({
  schedule: '31 10-15 1 * * MON-FRI',
  api: 'http://localhost:4444/foo',
  type: 'ATLEAST_ONCE',
});

export async function createJob(app: FastifyInstance, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/jobs', payload: { ...MINIMAL_JOB, ...body } });
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.statusCode} ${response.body}`);
  return response.json();
}

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly property?: string;
  readonly [member: string]: unknown;
}

/** Asserts the RFC 9457 shape and returns the problem. */
export function problemOf(response: LightMyRequestResponse): ProblemBody {
  const type = response.headers['content-type'];
  if (typeof type !== 'string' || !type.startsWith('application/problem+json')) {
    throw new Error(`expected application/problem+json, got ${String(type)}: ${response.body}`);
  }
  const problem = response.json<ProblemBody>();
  if (problem.status !== response.statusCode) throw new Error(`problem status ${problem.status} != ${response.statusCode}`);
  return problem;
}
