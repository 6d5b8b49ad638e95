import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { isUuid } from '../../src/ids.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

type LogLine = Record<string, unknown> & { msg: string; level: number };

describe('request logs', () => {
  const lines: LogLine[] = [];
  let store: Store;
  let app: FastifyInstance;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    store = await createStore({ dataDir: null });
    await store.migrate();
    app = await buildServer({ store, logger: pino({ level: 'debug' }, sink), config: { apiKeys: [], allowedTargets: [] } });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('are JSON lines, one per request, each with its own request id, method, path and status', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'GET', url: '/api/v1/jobs/01890000-0000-7000-8000-000000000000' });
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests.map((line) => [line.method, line.url, line.status])).toEqual([
      ['GET', '/health', 200],
      ['GET', '/api/v1/jobs/01890000-0000-7000-8000-000000000000', 404],
    ]);
    const ids = requests.map((line) => line.reqId);
    for (const id of ids) expect(isUuid(String(id))).toBe(true);
    expect(new Set(ids).size).toBe(2);
  });

  it('carry the id a proxy in front sent in X-Request-Id, so its log and the node\'s line up', async () => {
    const response = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'edge-7f3a-0001' } });
    expect(response.headers['x-request-id']).toBe('edge-7f3a-0001');
    expect(lines.findLast((line) => line.msg === 'request')).toMatchObject({ url: '/health', reqId: 'edge-7f3a-0001' });
  });

  it('tie a failed request\'s error to its request id', async () => {
    await store.close();
    const response = await app.inject({ method: 'GET', url: '/api/v1/jobs' });
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    const failure = lines.find((line) => line.msg === 'request failed');
    const request = lines.findLast((line) => line.msg === 'request' && line.url === '/api/v1/jobs');
    expect(failure?.reqId).toBeDefined();
    expect(failure?.reqId).toBe(request?.reqId);
    expect(response.json()).toMatchObject({ requestId: failure?.reqId });
  });
});
