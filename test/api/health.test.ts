import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import { EngineHealth } from '../../src/scheduler/engine-health.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { FakeClock } from '../../src/time/fake-clock.js';
import { describeApi, problemOf } from './harness.js';

describeApi('health', (context) => {
  it('GET /health answers 200 with the version, the uptime and the store in use', async () => {
    const before = (await context().app.inject({ method: 'GET', url: '/health' })).json();
    expect(before).toMatchObject({ status: 'ok', store: context().backend });
    expect(before.version).toMatch(/^\d+\.\d+\.\d+/);
    await context().clock.advance(90_000);
    const after = (await context().app.inject({ method: 'GET', url: '/health' })).json();
    expect(after.uptimeSeconds - before.uptimeSeconds).toBe(90);
  });

  it('GET /ready answers 200 when the database answers', async () => {
    const response = await context().app.inject({ method: 'GET', url: '/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
  });
});

describe('health with the database down', () => {
  let store: Store;
  let app: FastifyInstance;
  beforeAll(async () => {
    // Nothing listens on the discard port: every query fails to connect.
    store = await createStore({ databaseUrl: 'postgresql://nobody@127.0.0.1:9/none', poolSize: 1 });
    app = await buildServer({ store, config: { apiKeys: [], allowedTargets: [] } });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('GET /ready answers 503 STORE_UNAVAILABLE while /health stays 200', async () => {
    expect(problemOf(await app.inject({ method: 'GET', url: '/ready' }))).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('answers an API call with 503 problem+json, not a crash', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/jobs' });
    expect(problemOf(response)).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
  });
});

describe('readiness of a node whose engine fails', () => {
  const health = new EngineHealth();
  const clock = new FakeClock(new Date('2026-03-04T12:00:00Z'));
  let app: FastifyInstance;
  let store: Store;
  beforeAll(async () => {
    store = await createStore({ dataDir: null });
    await store.migrate();
    app = await buildServer({ store, clock, config: { apiKeys: [], allowedTargets: [] }, engine: { health, failureMs: 30_000 } });
    health.running();
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('stays ready through a short run of failed claims, then answers 503 ENGINE_FAILING with the reason, and is ready again once a claim goes through', async () => {
    health.failed('claim', new Error('SQLSTATE 22008 date/time field value out of range'), clock.now());
    await clock.advance(29_000);
    health.failed('claim', new Error('SQLSTATE 22008 date/time field value out of range'), clock.now());
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);

    await clock.advance(1_000);
    const problem = problemOf(await app.inject({ method: 'GET', url: '/ready' }));
    expect(problem).toMatchObject({ status: 503, code: 'ENGINE_FAILING' });
    expect(problem.detail).toContain('claim rounds failing since 2026-03-04T12:00:00.000Z: SQLSTATE 22008');
    expect(problem.failing).toEqual([{ activity: 'claim', since: '2026-03-04T12:00:00.000Z', reason: 'SQLSTATE 22008 date/time field value out of range' }]);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    health.succeeded('claim');
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  });

  it('reports failing history writes the same way', async () => {
    health.failed('history', new Error('disk full'), clock.now());
    await clock.advance(30_000);
    expect(problemOf(await app.inject({ method: 'GET', url: '/ready' })).detail).toContain('history writes failing since');
    health.succeeded('history');
  });
});

describe('readiness through the engine\'s life', () => {
  const health = new EngineHealth();
  let app: FastifyInstance;
  let store: Store;
  beforeAll(async () => {
    store = await createStore({ dataDir: null });
    await store.migrate();
    app = await buildServer({ store, config: { apiKeys: [], allowedTargets: [] }, engine: { health, failureMs: 30_000 } });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('answers 503 ENGINE_NOT_RUNNING while the engine starts, 200 once it runs, and 503 again from the moment it stops', async () => {
    const starting = problemOf(await app.inject({ method: 'GET', url: '/ready' }));
    expect(starting).toMatchObject({ status: 503, code: 'ENGINE_NOT_RUNNING', engine: 'starting' });
    expect(starting.detail).toContain('is starting: it claims and fires nothing until it has joined the cluster');
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    health.running();
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);

    health.stopping();
    health.running();
    const stopping = problemOf(await app.inject({ method: 'GET', url: '/ready' }));
    expect(stopping).toMatchObject({ status: 503, code: 'ENGINE_NOT_RUNNING', engine: 'stopping' });
    expect(stopping.detail).toContain('is stopping: it claims nothing more');
  });
});
