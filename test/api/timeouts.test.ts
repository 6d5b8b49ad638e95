import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { createStore } from '../../src/store/index.js';
import type { JobListParams, Page, JobRecord, Store } from '../../src/store/types.js';

/** A store whose job lists wait until the test lets them go, so requests stay in progress. */
function gatedLists(store: Store): { store: Store; release(): void; started: () => number } {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let started = 0;
  const jobList = async (params: JobListParams): Promise<Page<JobRecord>> => {
    started++;
    await gate;
    return store.jobList(params);
  };
  const gated = new Proxy(store, {
    get: (target, name) => {
      if (name === 'jobList') return jobList;
      const value: unknown = Reflect.get(target, name);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: gated, release: () => open(), started: () => started };
}

describe('fairness between API requests and the probes', () => {
  let store: Store;
  beforeAll(async () => {
    store = await createStore({ dataDir: null });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
  });

  it('runs expensive lists a few at a time while /health and /ready answer at once, and all of them finish', async () => {
    const gated = gatedLists(store);
    const app = await buildServer({ store: gated.store, config: { apiKeys: [], allowedTargets: [], apiRequestBudget: 2000 } });
    try {
      const lists = Array.from({ length: 6 }, () => app.inject({ method: 'GET', url: '/api/v1/jobs?limit=1000' }));
      await new Promise((resolve) => setImmediate(resolve));
      // Two pages of 1,000 fit the budget; the other four wait without touching the store.
      expect(gated.started()).toBe(2);
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);

      gated.release();
      const statuses = (await Promise.all(lists)).map((response) => response.statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
      expect(gated.started()).toBe(6);
    } finally {
      await app.close();
    }
  });
});

describe('request timeouts', () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    const store = await createStore({ dataDir: null });
    await store.migrate();
    app = await buildServer({ store, config: { apiKeys: [], allowedTargets: [], requestTimeoutMs: 1000, headersTimeoutMs: 500 } });
    app.addHook('onClose', () => store.close());
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app.close();
  });

  /** Sends `text` and resolves with everything the server wrote back once it closes the connection. */
  function sendAndWaitForClose(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.write(text);
    });
  }

  it('answers 408 and closes the connection of a client whose body never finishes arriving', async () => {
    const answer = await sendAndWaitForClose(
      'POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('Content-Type: application/problem+json');
    expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
  });

  it('closes the connection of a client whose headers never finish arriving', async () => {
    const answer = await sendAndWaitForClose('GET /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it.each([
    ['Content-Length beside Transfer-Encoding', 'Content-Length: 2\r\nTransfer-Encoding: chunked\r\n'],
    ['a negative Content-Length', 'Content-Length: -1\r\n'],
  ])('answers a request the HTTP parser refuses (%s) with a problem naming it, then closes', async (_case, headers) => {
    const answer = await sendAndWaitForClose(`POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}\r\n{}`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('Content-Type: application/problem+json');
    const problem = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { code: string; status: number; detail: string };
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(problem.detail).toMatch(/^The request is not valid HTTP\/1\.1/);
  });
});
