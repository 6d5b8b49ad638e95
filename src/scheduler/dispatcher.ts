import { EventEmitter } from 'node:events';
import type { TcpNetConnectOpts } from 'node:net';
import type { Clock } from '../time/clock.js';
import type { HttpMethod } from '../store/types.js';
import { ConnectionPools } from './connection-pools.js';
import { HostLimiter } from './host-limiter.js';
import type { WebhookSigner } from './signing.js';

/** One HTTP request to a target, as the engine describes it. */
export interface OutgoingRequest {
  readonly url: string;
  readonly method: HttpMethod;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  readonly timeoutMs: number;
  /** Standard Webhooks message id: the same for every attempt of one occurrence. */
  readonly messageId: string;
}

export interface RequestOutcome {
  /** False when `onSend` held the request back: it never left. */
  readonly sent: boolean;
  /** A 2xx answer within the timeout. */
  readonly ok: boolean;
  readonly httpStatus: number | null;
  readonly error: string | null;
  /** Clock time the request left (after waiting for a slot to its host). */
  readonly startedAt: number;
  readonly finishedAt: number;
}

export interface DispatcherOptions {
  readonly clock: Clock;
  readonly maxConcurrentPerHost: number;
  readonly signer: WebhookSigner | null;
  readonly userAgent: string;
  /** Resolves host names; lets the operator refuse addresses (see jobs/targets). */
  readonly lookup?: LookupFunction;
  readonly connectTimeoutMs?: number;
  /** Asked once per target URL before any request to it leaves: a reason refuses it (see jobs/targets). */
  readonly refuse?: (url: URL) => string | null;
}

export type LookupFunction = NonNullable<TcpNetConnectOpts['lookup']>;

/** How much of an error answer's body is kept for the history. */
const ERROR_BODY_BYTES = 512;
/** Bytes of a success answer read (and discarded) so the connection can be reused. */
const DRAIN_LIMIT_BYTES = 1 << 20;

/**
 * Sends attempts over keep-alive connection pools (ConnectionPools: undici Agents keeping
 * pools per origin), so a job firing every second reuses its connection instead of opening
 * one per firing. A HostLimiter bounds the requests in flight per origin; the job's timeout runs
 * from the moment the request leaves and covers the whole answer.
 */
export class Dispatcher {
  readonly #clock: Clock;
  readonly #pools: ConnectionPools;
  readonly #limiter: HostLimiter;
  readonly #signer: WebhookSigner | null;
  readonly #userAgent: string;
  readonly #inFlight = new Set<Interrupt>();
  readonly #targets = new Map<string, Target | string>();
  readonly #refuse: ((url: URL) => string | null) | undefined;

  constructor(options: DispatcherOptions) {
    this.#clock = options.clock;
    this.#limiter = new HostLimiter(options.maxConcurrentPerHost);
    this.#signer = options.signer;
    this.#userAgent = options.userAgent;
    this.#refuse = options.refuse;
    this.#pools = new ConnectionPools(options.maxConcurrentPerHost, {
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      // The job's own timeout (an AbortSignal) bounds every request; these only stop undici
      // from giving up earlier than the job asked.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: { timeout: options.connectTimeoutMs ?? 10_000, ...(options.lookup ? { lookup: options.lookup } : {}) },
    });
  }

  /** Requests sent and not answered yet. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Requests waiting for a free slot to their host. */
  get waiting(): number {
    return this.#limiter.waiting;
  }

  /**
   * Sends `request` once a slot to its host is free. `onSend` runs just before it leaves and
   * may hold it back by returning false (the node lost its lease or is stopping while the
   * request waited for a slot). Never rejects: every failure is an outcome.
   */
  send(request: OutgoingRequest, onSend?: (startedAt: number) => boolean): Promise<RequestOutcome> {
    const url = this.#target(request.url);
    if (typeof url === 'string') {
      // Refused without leaving: recorded as a failed attempt with the reason, like any failure.
      const now = this.#clock.now();
      if (onSend?.(now) === false) return Promise.resolve({ sent: false, ok: false, httpStatus: null, error: null, startedAt: now, finishedAt: now });
      return Promise.resolve({ sent: true, ok: false, httpStatus: null, error: url, startedAt: now, finishedAt: now });
    }
    // With a slot free the request is written to its connection before send returns: when
    // thousands fall due at once, each leaves as it is prepared rather than a turn later.
    const release = this.#limiter.tryAcquire(url.origin);
    if (release) return this.#sendWithSlot(request, url, release, onSend);
    return this.#limiter.acquire(url.origin).then((slot) => this.#sendWithSlot(request, url, slot, onSend));
  }

  async #sendWithSlot(request: OutgoingRequest, url: Target, release: () => void, onSend?: (startedAt: number) => boolean): Promise<RequestOutcome> {
    const startedAt = this.#clock.now();
    if (onSend?.(startedAt) === false) {
      release();
      return { sent: false, ok: false, httpStatus: null, error: null, startedAt, finishedAt: startedAt };
    }
    const pool = this.#pools.pick(url.origin);
    const interrupt = new Interrupt();
    this.#inFlight.add(interrupt);
    const timer = this.#clock.setTimer(request.timeoutMs, () => interrupt.abort(new RequestTimeout(request.timeoutMs)));
    try {
      const response = await this.#pools.agent(pool).request({
        origin: url.origin,
        path: url.path,
        method: request.method,
        headers: this.#headers(request, startedAt),
        body: request.body ?? undefined,
        signal: interrupt,
      });
      const status = response.statusCode;
      if (status >= 200 && status < 300) {
        await response.body.dump({ limit: DRAIN_LIMIT_BYTES });
        return { sent: true, ok: true, httpStatus: status, error: null, startedAt, finishedAt: this.#clock.now() };
      }
      const snippet = await readSnippet(response.body);
      return { sent: true, ok: false, httpStatus: status, error: `HTTP ${status}${snippet ? `: ${snippet}` : ''}`, startedAt, finishedAt: this.#clock.now() };
    } catch (error) {
      const reason = interrupt.aborted ? interrupt.reason : error;
      return { sent: true, ok: false, httpStatus: null, error: describeFailure(reason), startedAt, finishedAt: this.#clock.now() };
    } finally {
      timer.cancel();
      this.#inFlight.delete(interrupt);
      this.#pools.done(url.origin, pool);
      release();
    }
  }

  /**
   * Origin and path of a target URL, or why no request may go to it. Parsed and judged once per
   * URL: an every-second job sends to the same URL every second, and parsing it each time was a
   * visible share of a firing's cost.
   */
  #target(url: string): Target | string {
    let target = this.#targets.get(url);
    if (target !== undefined) return target;
    try {
      const parsed = new URL(url);
      target = this.#refuse?.(parsed) ?? { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    } catch {
      target = `invalid URL: ${url}`;
    }
    // Bounded: a node firing more distinct URLs than this starts over rather than growing.
    if (this.#targets.size >= TARGET_CACHE_SIZE) this.#targets.clear();
    this.#targets.set(url, target);
    return target;
  }

  /** Aborts every request in flight (shutdown after the grace period); each settles as failed. */
  abortAll(reason: string): void {
    for (const interrupt of this.#inFlight) interrupt.abort(new RequestInterrupted(reason));
  }

  async close(): Promise<void> {
    await this.#pools.close();
  }

  #headers(request: OutgoingRequest, startedAt: number): Record<string, string> {
    // A job's own User-Agent replaces the default one rather than going out beside it.
    const headers: Record<string, string> = hasHeader(request.headers, 'user-agent') ? { ...request.headers } : { 'user-agent': this.#userAgent, ...request.headers };
    if (request.body !== null && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
    if (this.#signer) Object.assign(headers, this.#signer.headers(request.messageId, startedAt / 1000, request.body ?? ''));
    return headers;
  }
}

/**
 * What undici listens to for aborting one request (its `signal` may be an EventEmitter).
 * An AbortController per request made undici register and remove EventTarget listeners,
 * which cost more CPU than the rest of the request's bookkeeping together (about 20 us).
 */
class Interrupt extends EventEmitter {
  aborted = false;
  reason: Error | undefined;

  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

interface Target {
  readonly origin: string;
  /** Path and query string. */
  readonly path: string;
}

/** Parsed target URLs kept (see Dispatcher.#target). */
const TARGET_CACHE_SIZE = 100_000;

class RequestTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'RequestTimeout';
  }
}

class RequestInterrupted extends Error {
  constructor(reason: string) {
    super(`interrupted: ${reason}`);
    this.name = 'RequestInterrupted';
  }
}

function hasHeader(headers: Readonly<Record<string, string>>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

async function readSnippet(body: AsyncIterable<Buffer> & { dump(opts: { limit: number }): Promise<void> }): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    length += chunk.length;
    if (length >= ERROR_BODY_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
}

/** A short, stable description of why a request failed ("ECONNREFUSED: connect ..."). */
function describeFailure(error: unknown): string {
  if (error instanceof RequestTimeout || error instanceof RequestInterrupted) return error.message;
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('E') && !code.startsWith('ERR_')) return `${code}: ${current.message}`;
    current = current.cause;
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
