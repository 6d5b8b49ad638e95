import type { TcpNetConnectOpts } from 'node:net';
import type { Dispatcher as UndiciDispatcher } from 'undici';
import type { Clock, TimerHandle } from '../time/clock.js';
import type { HttpMethod } from '../store/types.js';
import { ConnectionPools } from './connection-pools.js';
import { HostLimiter } from './host-limiter.js';
import { LinkedList, type Linked } from './linked-list.js';
import type { PolicyState, TargetLimiter, TargetPermit } from './target-limiter.js';
import type { WebhookSigner } from './signing.js';

/** One HTTP request to a target, as the engine describes it. */
export interface OutgoingRequest {
  readonly url: string;
  readonly method: HttpMethod;
  /**
   * The target's own headers, by name or as a flat [name, value, ...] list. A list may be shared
   * by every request of one job (it is never changed): what the dispatcher adds to it is worked
   * out once per list.
   */
  readonly headers: Readonly<Record<string, string>> | readonly string[];
  /** Headers the engine sets on this request alone, [name, value, ...]: sent after the target's, so those cannot forge them. */
  readonly engineHeaders?: readonly string[];
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
  /** This node's share of the target policies; absent: no request waits for one. */
  readonly targets?: TargetLimiter;
}

/**
 * Called just before a request leaves: false holds it back. `heldBy` names the target policy
 * the request waited for, when it had to wait for one.
 */
export type OnSend = (startedAt: number, heldBy: string | null) => boolean;

/** Receives a request's outcome (see Dispatcher.sendThen). */
export type OnOutcome = (outcome: RequestOutcome) => void;

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
  /** Requests in flight (to interrupt them at shutdown): a list through the exchanges, not a Set (see LinkedList). */
  readonly #inFlight = new LinkedList<Exchange>();
  readonly #targets = new Map<string, Target | string>();
  readonly #refuse: ((url: URL) => string | null) | undefined;
  readonly #policies: TargetLimiter | undefined;
  /** A target's header list with our defaults added, per list and per body or none (see #leadingHeaders). */
  readonly #leading = new WeakMap<readonly string[], { withBody?: string[]; withoutBody?: string[] }>();

  constructor(options: DispatcherOptions) {
    this.#clock = options.clock;
    this.#limiter = new HostLimiter(options.maxConcurrentPerHost);
    this.#signer = options.signer;
    this.#userAgent = options.userAgent;
    this.#refuse = options.refuse;
    this.#policies = options.targets;
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
  send(request: OutgoingRequest, onSend?: OnSend): Promise<RequestOutcome> {
    return new Promise((resolve) => this.sendThen(request, onSend, resolve));
  }

  /**
   * As send, handing the outcome to `done` instead of a promise: the engine's path for every
   * firing, without a promise and its turn of the microtask queue per request. `done` is called
   * exactly once, never before sendThen returns and never from within undici's own callbacks:
   * outcomes are handed over in one microtask per batch of answers read together (#handOver).
   */
  sendThen(request: OutgoingRequest, onSend: OnSend | undefined, done: OnOutcome): void {
    const url = this.#target(request.url);
    if (typeof url === 'string') {
      // Refused without leaving: recorded as a failed attempt with the reason, like any failure.
      const now = this.#clock.now();
      if (onSend?.(now, null) === false) this.#handOver({ done, outcome: { sent: false, ok: false, httpStatus: null, error: null, startedAt: now, finishedAt: now } });
      else this.#handOver({ done, outcome: { sent: true, ok: false, httpStatus: null, error: url, startedAt: now, finishedAt: now } });
      return;
    }
    const policy = this.#policies?.policyOf(request.url) ?? null;
    if (policy === null) {
      this.#sendWithinPolicy(request, url, null, null, onSend, done);
      return;
    }
    const permit = this.#policies!.tryAcquire(policy);
    if (permit) {
      this.#sendWithinPolicy(request, url, permit, null, onSend, done);
      return;
    }
    void this.#policies!.acquire(policy).then((waited) => this.#sendWithinPolicy(request, url, waited, policy, onSend, done));
  }

  /** Counts an attempt for `url` this node holds (+1) or no longer holds (-1), for the target policies' demand. */
  hold(url: string, delta: 1 | -1): void {
    this.#policies?.note(url, delta);
  }

  #sendWithinPolicy(request: OutgoingRequest, url: Target, permit: TargetPermit | null, waitedFor: PolicyState | null, onSend: OnSend | undefined, done: OnOutcome): void {
    const heldBy = waitedFor?.name ?? null;
    // With a slot free the request is written to its connection before send returns: when
    // thousands fall due at once, each leaves as it is prepared rather than a turn later.
    if (this.#limiter.tryAcquire(url.origin)) {
      this.#sendWithSlot(request, url, permit, heldBy, onSend, done);
      return;
    }
    void this.#limiter.acquire(url.origin).then(() => this.#sendWithSlot(request, url, permit, heldBy, onSend, done));
  }

  #sendWithSlot(request: OutgoingRequest, url: Target, permit: TargetPermit | null, heldBy: string | null, onSend: OnSend | undefined, done: OnOutcome): void {
    const startedAt = this.#clock.now();
    if (onSend?.(startedAt, heldBy) === false) {
      this.#limiter.release(url.origin);
      permit?.refund();
      this.#handOver({ done, outcome: { sent: false, ok: false, httpStatus: null, error: null, startedAt, finishedAt: startedAt } });
      return;
    }
    const pool = this.#pools.pick(url.origin);
    const exchange = new Exchange(startedAt, this.#clock, url.origin, pool, permit, done, this.#exchanges);
    this.#inFlight.push(exchange);
    exchange.timer = this.#clock.setTimer(request.timeoutMs, () => exchange.interrupt(new RequestTimeout(request.timeoutMs)));
    this.#pools.agent(pool).dispatch(
      { origin: url.origin, path: url.path, method: request.method, headers: this.#headers(request, startedAt), body: request.body },
      exchange,
    );
  }

  /** What every exchange gives back when it settles (see Exchange#settle), and its outcome to hand over. */
  readonly #exchanges: ExchangeOwner = {
    settled: (exchange) => {
      this.#inFlight.delete(exchange);
      this.#pools.done(exchange.origin, exchange.pool);
      this.#limiter.release(exchange.origin);
      this.#handOver(exchange);
    },
  };

  /** Outcomes waiting for the microtask that hands them over (see sendThen). */
  #settlements: Settlement[] = [];
  /** The other of the two arrays #handOverAll swaps, empty: no array is made per batch. */
  #spareSettlements: Settlement[] = [];

  #handOver(settlement: Settlement): void {
    this.#settlements.push(settlement);
    if (this.#settlements.length === 1) queueMicrotask(this.#handOverAll);
  }

  readonly #handOverAll = (): void => {
    // Outcomes settled by a receiver below go to the other array, for the next microtask.
    const settlements = this.#settlements;
    this.#settlements = this.#spareSettlements;
    for (let i = 0; i < settlements.length; i++) {
      const { done, outcome } = settlements[i]!;
      try {
        done(outcome!);
      } catch (error) {
        // One receiver's failure must not keep the outcomes after it from theirs: it surfaces
        // on its own, as an uncaught error, as it would have from a promise's continuation.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    settlements.length = 0;
    this.#spareSettlements = settlements;
  };

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
    for (const exchange of this.#inFlight) exchange.interrupt(new RequestInterrupted(reason));
  }

  async close(): Promise<void> {
    await this.#pools.close();
  }

  /**
   * The request's headers as the flat [name, value, ...] list undici takes as it is (an object
   * is walked key by key): our user agent and the JSON content type unless the target's own
   * headers have them, the target's headers, the engine's, and the signature headers last.
   */
  #headers(request: OutgoingRequest, startedAt: number): string[] {
    const headers = this.#leadingHeaders(request.headers, request.body !== null).slice();
    const engine = request.engineHeaders;
    if (engine !== undefined) for (let i = 0; i < engine.length; i++) headers.push(engine[i]!);
    if (this.#signer) {
      const signature = this.#signer.headers(request.messageId, startedAt / 1000, request.body ?? '');
      for (const name in signature) headers.push(name, signature[name]!);
    }
    return headers;
  }

  /**
   * Our defaults and the target's own headers, worked out once per header list (a job's list
   * is shared by all its firings) rather than searched for the defaults' names at every one.
   * Never changed once made: callers copy it.
   */
  #leadingHeaders(given: OutgoingRequest['headers'], hasBody: boolean): readonly string[] {
    if (!isHeaderList(given)) return this.#withDefaults(Object.entries(given).flat(), hasBody);
    let known = this.#leading.get(given);
    if (!known) this.#leading.set(given, (known = {}));
    if (hasBody) return (known.withBody ??= this.#withDefaults(given, true));
    return (known.withoutBody ??= this.#withDefaults(given, false));
  }

  #withDefaults(given: readonly string[], hasBody: boolean): string[] {
    const headers: string[] = [];
    if (!hasHeader(given, 'user-agent')) headers.push('user-agent', this.#userAgent);
    if (hasBody && !hasHeader(given, 'content-type')) headers.push('content-type', 'application/json');
    for (let i = 0; i < given.length; i++) headers.push(given[i]!);
    return headers;
  }
}

/** What an exchange tells the dispatcher that started it when it settles (its outcome set). */
interface ExchangeOwner {
  settled(exchange: Exchange): void;
}

/** An outcome and who receives it. */
interface Settlement {
  readonly done: OnOutcome;
  readonly outcome: RequestOutcome | null;
}

/**
 * One request and its answer, as undici's dispatch handler: undici calls it as the answer
 * arrives, with no response object, body stream or promise of its own in between. With
 * undici's `request` those cost more CPU per firing than the rest of our own bookkeeping.
 * A 2xx answer's body is read and dropped (up to DRAIN_LIMIT_BYTES, then the connection is
 * closed); of any other answer the first ERROR_BODY_BYTES are kept for the history.
 */
class Exchange implements UndiciDispatcher.DispatchHandler, Settlement, Linked<Exchange> {
  listPrevious: Exchange | null = null;
  listNext: Exchange | null = null;
  /** The request's timeout, cancelled when it settles. */
  timer: TimerHandle | null = null;
  /** Set once, when it settles. */
  outcome: RequestOutcome | null = null;
  #abort: ((reason: Error) => void) | null = null;
  #interrupted: Error | null = null;
  #settled = false;
  #status = 0;
  #bytes = 0;
  #snippet: Buffer[] | null = null;

  constructor(
    readonly startedAt: number,
    readonly clock: Clock,
    readonly origin: string,
    /** The connection pool it went through (ConnectionPools.pick). */
    readonly pool: number,
    readonly permit: TargetPermit | null,
    readonly done: OnOutcome,
    readonly owner: ExchangeOwner,
  ) {}

  /** Ends the exchange with `outcome`: its timer, target permit, host slot and pool are given back, and the outcome handed over. */
  #settle(outcome: RequestOutcome): void {
    this.outcome = outcome;
    this.timer?.cancel();
    this.permit?.release();
    this.owner.settled(this);
  }

  /** Ends the request now (its timeout, or shutdown): it settles as failed with `reason`. */
  interrupt(reason: Error): void {
    if (this.#settled || this.#interrupted) return;
    this.#interrupted = reason;
    if (this.#abort) {
      this.#abort(reason);
      return;
    }
    // Still waiting for a connection (which may never come): settle now; undici hands the
    // request over later, and onConnect aborts it before anything is written.
    this.onError(reason);
  }

  onConnect(abort: (reason: Error) => void): void {
    this.#abort = abort;
    if (this.#interrupted) abort(this.#interrupted);
  }

  onHeaders(status: number): boolean {
    // 1xx answers are informational: the real one follows.
    if (status < 200) return true;
    this.#status = status;
    if (status >= 300) this.#snippet = [];
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#bytes += chunk.length;
    if (this.#snippet) {
      if (this.#bytes - chunk.length < ERROR_BODY_BYTES) this.#snippet.push(chunk);
    } else if (this.#bytes > DRAIN_LIMIT_BYTES) {
      // Enough of an answer nobody reads: settle now and let the connection go.
      this.#finish();
      this.#abort?.(new RequestInterrupted('answer body too large to drain'));
    }
    return true;
  }

  onComplete(): void {
    this.#finish();
  }

  onError(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    const reason = this.#interrupted ?? error;
    this.#settle({ sent: true, ok: false, httpStatus: null, error: describeFailure(reason), startedAt: this.startedAt, finishedAt: this.clock.now() });
  }

  #finish(): void {
    if (this.#settled) return;
    this.#settled = true;
    const status = this.#status;
    const finishedAt = this.clock.now();
    if (status >= 200 && status < 300) {
      this.#settle({ sent: true, ok: true, httpStatus: status, error: null, startedAt: this.startedAt, finishedAt });
      return;
    }
    const snippet = this.#snippet ? Buffer.concat(this.#snippet).subarray(0, ERROR_BODY_BYTES).toString('utf8').replace(/\s+/g, ' ').trim() : '';
    this.#settle({ sent: true, ok: false, httpStatus: status, error: `HTTP ${status}${snippet ? `: ${snippet}` : ''}`, startedAt: this.startedAt, finishedAt });
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

/** Header names of a list are compared as lower case: HTTP names are case-insensitive. */
function hasHeader(headers: readonly string[], name: string): boolean {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) return true;
  return false;
}

function isHeaderList(headers: OutgoingRequest['headers']): headers is readonly string[] {
  return Array.isArray(headers);
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
