import { Fifo } from './fifo.js';

interface HostSlots {
  active: number;
  readonly waiting: Fifo<() => void>;
}

/**
 * At most `limit` requests in flight per target origin; the rest wait in arrival order.
 * One slow or overloaded target then delays only its own requests, and never receives more
 * than the operator allowed at once.
 *
 * A slot is taken (tryAcquire, acquire) and given back (release) by origin, with no object
 * per request: the engine takes one for every firing. The caller releases each slot it took
 * exactly once.
 */
export class HostLimiter {
  readonly #limit: number;
  readonly #hosts = new Map<string, HostSlots>();

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Resolves once a slot for `origin` is taken for the caller. */
  acquire(origin: string): Promise<void> {
    if (this.tryAcquire(origin)) return Promise.resolve();
    const host = this.#hosts.get(origin)!;
    // The slot passes directly from the releasing request to the next waiter (active stays).
    return new Promise((resolve) => host.waiting.push(resolve));
  }

  /** Takes a slot for `origin` when one is free now (true); false queues nothing. */
  tryAcquire(origin: string): boolean {
    let host = this.#hosts.get(origin);
    if (!host) {
      host = { active: 0, waiting: new Fifo() };
      this.#hosts.set(origin, host);
    }
    if (host.active >= this.#limit) return false;
    host.active++;
    return true;
  }

  /** Gives back a slot taken for `origin`: the next waiter gets it, if any. */
  release(origin: string): void {
    const host = this.#hosts.get(origin);
    if (!host || host.active === 0) throw new Error(`HostLimiter: release without a slot taken for ${origin}`);
    const next = host.waiting.shift();
    if (next) {
      next();
      return;
    }
    host.active--;
    if (host.active === 0) this.#hosts.delete(origin);
  }

  /** Requests waiting for a slot, over all origins. */
  get waiting(): number {
    let total = 0;
    for (const host of this.#hosts.values()) total += host.waiting.length;
    return total;
  }
}
