import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Dispatcher, type OutgoingRequest } from '../../src/scheduler/dispatcher.js';
import { createWebhookSigner } from '../../src/scheduler/signing.js';
import { FakeClock } from '../../src/time/fake-clock.js';
import { systemClock } from '../../src/time/system-clock.js';
import type { Clock } from '../../src/time/clock.js';
import { closedPort, startReceiver, type Receiver } from './receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let receiver: Receiver | undefined;
let dispatcher: Dispatcher | undefined;

afterEach(async () => {
  await dispatcher?.close();
  await receiver?.close();
  dispatcher = undefined;
  receiver = undefined;
});

function makeDispatcher(options: { clock?: Clock; maxConcurrentPerHost?: number; secret?: string } = {}): Dispatcher {
  dispatcher = new Dispatcher({
    clock: options.clock ?? systemClock,
    maxConcurrentPerHost: options.maxConcurrentPerHost ?? 16,
    signer: options.secret ? createWebhookSigner(options.secret) : null,
    userAgent: 'jobscheduler-test',
  });
  return dispatcher;
}

function request(url: string, overrides: Partial<OutgoingRequest> = {}): OutgoingRequest {
  return {
    url,
    method: 'POST',
    headers: { 'x-job-id': 'job-1', authorization: 'Bearer target-token' },
    body: JSON.stringify({ hello: 'world' }),
    timeoutMs: 5000,
    messageId: 'job-1:2026-01-01T00:00:00.000Z:schedule',
    ...overrides,
  };
}

describe('sending an attempt to its target', () => {
  it('delivers method, path, the job headers and the JSON payload, and succeeds on a 2xx answer', async () => {
    receiver = await startReceiver();
    const outcome = await makeDispatcher().send(request(`${receiver.url}/hooks/a?x=1`, { method: 'PUT' }));
    expect(outcome).toMatchObject({ ok: true, httpStatus: 204, error: null });
    const [received] = receiver.requests;
    expect(received).toMatchObject({ method: 'PUT', path: '/hooks/a?x=1', body: '{"hello":"world"}' });
    expect(received!.headers).toMatchObject({
      'x-job-id': 'job-1',
      authorization: 'Bearer target-token',
      'content-type': 'application/json',
    });
  });

  it('sends a job\'s own User-Agent and Content-Type, in any case, instead of ours, and each only once', async () => {
    receiver = await startReceiver();
    const headers = ['User-Agent', 'billing-hook/2', 'Content-Type', 'application/vnd.api+json', 'x-job-id', 'job-1'];
    await makeDispatcher().send(request(receiver.url, { headers }));
    const [received] = receiver.requests;
    expect(received!.headers['user-agent']).toBe('billing-hook/2');
    expect(received!.headers['content-type']).toBe('application/vnd.api+json');
    expect(received!.rawHeaders.filter((name, i) => i % 2 === 0 && /^(user-agent|content-type)$/i.test(name))).toHaveLength(2);
  });

  it("sends a job's own User-Agent instead of the default one, never beside it", async () => {
    receiver = await startReceiver();
    const own = makeDispatcher();
    await own.send(request(receiver.url, { headers: { 'User-Agent': 'billing-probe/2' } }));
    await own.send(request(receiver.url, { headers: {} }));
    const userAgents = receiver.requests.map((received) => received.rawHeaders.filter((_, i, raw) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'user-agent'));
    expect(userAgents).toEqual([['billing-probe/2'], ['jobscheduler-test']]);
  });

  it('adds to a header list shared by many requests without changing it: the content type only to a request with a body, the engine\'s headers after the job\'s', async () => {
    receiver = await startReceiver();
    const shared = Object.freeze(['X-Tenant', 'a']) as readonly string[];
    const sender = makeDispatcher();
    await sender.send(request(receiver.url, { headers: shared, engineHeaders: ['x-attempt', '1'] }));
    await sender.send(request(receiver.url, { method: 'GET', headers: shared, body: null, engineHeaders: ['x-attempt', '2'] }));
    await sender.send(request(receiver.url, { headers: shared }));
    expect(shared).toEqual(['X-Tenant', 'a']);
    // In the order sent, leaving out those undici sets itself.
    const undiciOwn = new Set(['host', 'connection', 'content-length']);
    const names = receiver.requests.map((received) =>
      received.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase()).filter((name) => !undiciOwn.has(name)),
    );
    expect(names).toEqual([
      ['user-agent', 'content-type', 'x-tenant', 'x-attempt'],
      ['user-agent', 'x-tenant', 'x-attempt'],
      ['user-agent', 'content-type', 'x-tenant'],
    ]);
    expect(receiver.requests.map((received) => received.headers['x-attempt'])).toEqual(['1', '2', undefined]);
  });

  it('hands every outcome over once, after sendThen has returned, for a request sent, held back or refused', async () => {
    receiver = await startReceiver();
    const sender = makeDispatcher();
    const outcomes: string[] = [];
    const returned: string[] = [];
    const settled = new Promise<void>((resolve) => {
      const record = (name: string) => (outcome: { sent: boolean; ok: boolean; error: string | null }) => {
        outcomes.push(`${name}: ${outcome.sent ? (outcome.ok ? 'ok' : outcome.error) : 'held'}`);
        if (outcomes.length === 3) resolve();
      };
      sender.sendThen(request(receiver!.url), undefined, record('sent'));
      returned.push(`sent with ${outcomes.length} outcomes`);
      sender.sendThen(request(receiver!.url), () => false, record('held'));
      returned.push(`held with ${outcomes.length} outcomes`);
      sender.sendThen(request('not a url'), undefined, record('refused'));
      returned.push(`refused with ${outcomes.length} outcomes`);
    });
    await settled;
    expect(returned).toEqual(['sent with 0 outcomes', 'held with 0 outcomes', 'refused with 0 outcomes']);
    expect(outcomes.sort()).toEqual(['held: held', 'refused: invalid URL: not a url', 'sent: ok']);
    expect(receiver.requests).toHaveLength(1);
    expect(sender.inFlight).toBe(0);
  });

  it('fails with the status and the start of the body when the target answers 500', async () => {
    receiver = await startReceiver((_req, res) => void res.writeHead(500).end(`database down ${'x'.repeat(5000)}`));
    const outcome = await makeDispatcher().send(request(receiver.url));
    expect(outcome.ok).toBe(false);
    expect(outcome.httpStatus).toBe(500);
    expect(outcome.error).toMatch(/^HTTP 500: database down x+$/);
    expect(outcome.error!.length).toBeLessThan(600);
  });

  it('fails as timed out when the target does not answer within the job timeout', async () => {
    const clock = new FakeClock();
    receiver = await startReceiver(() => undefined);
    const sent = makeDispatcher({ clock }).send(request(receiver.url, { timeoutMs: 1500 }));
    await receiver.waitForRequests(1);
    await clock.advance(1499);
    expect(dispatcher!.inFlight).toBe(1);
    await clock.advance(1);
    const outcome = await sent;
    expect(outcome).toMatchObject({ ok: false, httpStatus: null, error: 'timed out after 1500 ms' });
    expect(outcome.finishedAt - outcome.startedAt).toBe(1500);
  });

  it('succeeds when a slow target answers before the timeout', async () => {
    const clock = new FakeClock();
    let answer: (() => void) | undefined;
    receiver = await startReceiver((_req, res) => {
      answer = () => res.writeHead(200).end('ok');
    });
    const sent = makeDispatcher({ clock }).send(request(receiver.url, { timeoutMs: 10_000 }));
    await receiver.waitForRequests(1);
    await clock.advance(9_000);
    answer!();
    expect(await sent).toMatchObject({ ok: true, httpStatus: 200 });
  });

  it('fails with the connection error when the target refuses connections', async () => {
    const port = await closedPort();
    const outcome = await makeDispatcher().send(request(`http://127.0.0.1:${port}/`));
    expect(outcome).toMatchObject({ ok: false, httpStatus: null });
    expect(outcome.error).toMatch(/^ECONNREFUSED/);
  });

  it('signs requests as Standard Webhooks specifies when a secret is configured', async () => {
    receiver = await startReceiver();
    const outcome = await makeDispatcher({ secret: SECRET }).send(request(receiver.url));
    expect(outcome.ok).toBe(true);
    const { headers, body } = receiver.requests[0]!;
    expect(headers['webhook-id']).toBe('job-1:2026-01-01T00:00:00.000Z:schedule');
    const timestamp = Number(headers['webhook-timestamp']);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('sends no signature headers without a secret', async () => {
    receiver = await startReceiver();
    await makeDispatcher().send(request(receiver.url));
    expect(receiver.requests[0]!.headers['webhook-signature']).toBeUndefined();
  });

  it('keeps at most the configured number of requests in flight to one host and queues the rest', async () => {
    const pending: (() => void)[] = [];
    let concurrent = 0;
    let peak = 0;
    receiver = await startReceiver((_req, res) => {
      concurrent++;
      peak = Math.max(peak, concurrent);
      pending.push(() => {
        concurrent--;
        res.writeHead(200).end();
      });
    });
    const d = makeDispatcher({ maxConcurrentPerHost: 2 });
    const sent = Array.from({ length: 6 }, () => d.send(request(receiver!.url)));
    for (let answered = 0; answered < 6; answered++) {
      await receiver.waitForRequests(Math.min(6, answered + 2));
      expect(d.inFlight).toBeLessThanOrEqual(2);
      pending.shift()!();
    }
    const outcomes = await Promise.all(sent);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(peak).toBe(2);
  });

  it('reuses one keep-alive connection for consecutive requests to the same target', async () => {
    receiver = await startReceiver((_req, res) => void res.writeHead(200).end('done'));
    const d = makeDispatcher();
    for (let i = 0; i < 5; i++) {
      expect((await d.send(request(receiver.url))).ok).toBe(true);
      // Firings of one job are apart in time; let the answered connection return to its pool.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(receiver.connections()).toBe(1);
  });

  it('settles requests in flight as interrupted when aborted at shutdown', async () => {
    receiver = await startReceiver(() => undefined);
    const sent = makeDispatcher().send(request(receiver.url));
    await receiver.waitForRequests(1);
    dispatcher!.abortAll('node shutting down');
    expect(await sent).toMatchObject({ ok: false, error: 'interrupted: node shutting down' });
  });
});
