import type { FastifyInstance, FastifyRequest } from 'fastify';
import { JobSchedulerError } from '../errors.js';
import type { Clock, TimerHandle } from '../time/clock.js';

/**
 * Fairness between API requests and the probes. Each /api request costs what it may ask of
 * the database and of the event loop: a list or a history page its limit, a preview its
 * count, a batch create the largest batch, anything else 1. Requests run while the cost in
 * progress stays within a budget; the rest wait in arrival order, so 2,000 concurrent lists
 * of 1,000 jobs run a few at a time instead of all at once, and /health, /ready and /metrics,
 * which never wait here, keep answering. A request waits at most `maxWaitMs`, and no more
 * than `maxWaiting` wait: past either it answers 503 SERVER_BUSY with Retry-After.
 */

export interface LimiterOptions {
  /** Cost in progress at once; a request costing more than the whole budget runs alone. */
  readonly budget: number;
  readonly maxWaiting: number;
  readonly maxWaitMs: number;
  readonly clock: Pick<Clock, 'setTimer'>;
}

interface Waiter {
  readonly cost: number;
  readonly admit: () => void;
  readonly timer: TimerHandle;
}

export class CostLimiter {
  readonly #options: LimiterOptions;
  readonly #waiting: Waiter[] = [];
  #inProgress = 0;

  constructor(options: LimiterOptions) {
    this.#options = options;
  }

  get inProgress(): number {
    return this.#inProgress;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves once `cost` may run; the caller must release(cost) exactly once after. */
  acquire(cost: number): Promise<void> {
    if (this.#waiting.length === 0 && this.#fits(cost)) {
      this.#inProgress += cost;
      return Promise.resolve();
    }
    if (this.#waiting.length >= this.#options.maxWaiting) return Promise.reject(busy(`${this.#waiting.length} requests are already waiting`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        cost,
        admit: () => {
          waiter.timer.cancel();
          resolve();
        },
        timer: this.#options.clock.setTimer(this.#options.maxWaitMs, () => {
          this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
          reject(busy(`the request waited ${this.#options.maxWaitMs} ms for its turn`));
          this.#admitWaiting();
        }),
      };
      this.#waiting.push(waiter);
    });
  }

  release(cost: number): void {
    this.#inProgress -= cost;
    this.#admitWaiting();
  }

  #fits(cost: number): boolean {
    return this.#inProgress === 0 || this.#inProgress + cost <= this.#options.budget;
  }

  #admitWaiting(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.cost)) {
      const next = this.#waiting.shift()!;
      this.#inProgress += next.cost;
      next.admit();
    }
  }
}

function busy(why: string): JobSchedulerError {
  return new JobSchedulerError('SERVER_BUSY', `The server is busy (${why}); retry in a moment`, { retryAfterSeconds: 1 });
}

/** The largest batch create, and what a request whose size is unknown is assumed to cost. */
const LARGEST = 1000;

/** What a request may ask for: see the module comment. */
export function requestCost(request: FastifyRequest): number {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const size = (name: string, fallback: number): number => {
    const value = Number(query[name]);
    return Number.isInteger(value) && value >= 1 ? Math.min(value, LARGEST) : fallback;
  };
  const path = request.url.split('?')[0]!;
  if (request.method === 'POST' && path.endsWith('/jobs/batch')) return LARGEST;
  if (request.method !== 'GET') return 1;
  if (/\/jobs\/?$|\/history\/?$/.test(path)) return size('limit', 50);
  if (/\/schedule\/?$|\/schedules\/preview\/?$/.test(path)) return size('count', 10);
  return 1;
}

/** Puts every request of `api` (the /api scope) through `limiter`. */
export function limitRequests(api: FastifyInstance, limiter: CostLimiter): void {
  const held = new WeakMap<FastifyRequest, number>();
  const release = (request: FastifyRequest): void => {
    const cost = held.get(request);
    if (cost === undefined) return;
    held.delete(request);
    limiter.release(cost);
  };
  api.addHook('onRequest', async (request, reply) => {
    const cost = requestCost(request);
    await limiter.acquire(cost);
    // A client gone while its request waited frees the slot at once; otherwise the first of
    // the response's end, its close and the abort does (each request holds its cost once).
    if (request.raw.destroyed) {
      limiter.release(cost);
      return;
    }
    held.set(request, cost);
    reply.raw.once('close', () => release(request));
  });
  api.addHook('onResponse', async (request) => release(request));
  api.addHook('onRequestAbort', async (request) => release(request));
}
