import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { isUuid } from '../../src/ids.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { problemOf } from './harness.js';

const config = { apiKeys: [], allowedTargets: [] };

/** A UUID of version 7 (time-ordered), as the node makes them. */
function isUuidV7(value: unknown): boolean {
  return typeof value === 'string' && isUuid(value) && value[14] === '7';
}

describe('request ids', () => {
  let store: Store;
  let nodeA: FastifyInstance;
  let nodeB: FastifyInstance;

  beforeAll(async () => {
    store = await createStore({ dataDir: null });
    await store.migrate();
    nodeA = await buildServer({ store, config });
    nodeB = await buildServer({ store, config, api: false });
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await store?.close();
  });

  it('are returned in X-Request-Id on every answer, success or error, and are UUIDv7s unique across nodes', async () => {
    const answers = [
      await nodeA.inject({ method: 'GET', url: '/health' }),
      await nodeA.inject({ method: 'GET', url: '/api/v1/jobs/not-a-uuid' }),
      await nodeA.inject({ method: 'POST', url: '/api/v1/jobs', payload: { schedule: 'nope' } }),
      await nodeB.inject({ method: 'GET', url: '/health' }),
      await nodeB.inject({ method: 'GET', url: '/api/v1/jobs' }),
    ];
    const ids = answers.map((answer) => answer.headers['x-request-id']);
    for (const id of ids) expect(isUuidV7(id), String(id)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keep a sane X-Request-Id sent by the caller or a proxy in front', async () => {
    for (const id of ['b5c7e0f2-1c3d-4e5f-8a9b-0c1d2e3f4a5b', 'lb-01:7f3a.42_x', 'a'.repeat(128)]) {
      const answer = await nodeA.inject({ method: 'GET', url: '/ready', headers: { 'x-request-id': id } });
      expect(answer.headers['x-request-id']).toBe(id);
    }
  });

  it('replace an incoming id that is too long, empty or holds unsafe characters, instead of echoing it', async () => {
    for (const id of ['a'.repeat(129), '', 'has space', 'semi;colon', '<script>', 'one, two', 'é']) {
      const answer = await nodeA.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': id } });
      const returned = answer.headers['x-request-id'];
      expect(returned, JSON.stringify(id)).not.toBe(id);
      expect(isUuidV7(returned)).toBe(true);
    }
  });

  it('are in the body of 5xx problems, so a client can quote them, and not in 4xx ones', async () => {
    const broken = await createStore({ dataDir: null });
    await broken.migrate();
    const app = await buildServer({ store: broken, config });
    try {
      const clientError = await app.inject({ method: 'GET', url: '/api/v1/jobs?limit=0' });
      expect(problemOf(clientError).status).toBe(400);
      expect(problemOf(clientError)).not.toHaveProperty('requestId');

      await broken.close();
      const failed = await app.inject({ method: 'GET', url: '/api/v1/jobs', headers: { 'x-request-id': 'support-ticket-123' } });
      expect(failed.statusCode).toBeGreaterThanOrEqual(500);
      expect(problemOf(failed)).toMatchObject({ requestId: 'support-ticket-123' });
      expect(failed.headers['x-request-id']).toBe('support-ticket-123');

      const generated = await app.inject({ method: 'GET', url: '/ready' });
      expect(generated.statusCode).toBe(503);
      expect(problemOf(generated).requestId).toBe(generated.headers['x-request-id']);
      expect(isUuidV7(problemOf(generated).requestId)).toBe(true);
    } finally {
      await app.close();
    }
  });
});
