import type { Logger } from 'pino';
import { isJobSchedulerError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../time/clock.js';
import type { NodeReapResult, NodeRegisterParams, Store } from '../store/types.js';
import { Loop } from './loop.js';
import { Signals } from './signals.js';

export interface MembershipEvents {
  /** A heartbeat round finished (ok false: the database did not answer). */
  heartbeat: { readonly ok: boolean; readonly skewMs: number | null };
  /** Dead nodes were found and their work settled. */
  reaped: NodeReapResult;
}

export interface MembershipOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly node: NodeRegisterParams;
  readonly heartbeatIntervalMs: number;
  readonly nodeTimeoutMs: number;
  /** Skew beyond this is logged as a warning. */
  readonly skewWarnMs?: number;
}

/**
 * This node's membership of the cluster: it registers, writes a heartbeat every interval,
 * measures its clock against the database's, and settles the work of nodes whose heartbeat
 * expired (every node reaps; the store makes concurrent reaps agree).
 *
 * The lease: other nodes may take this node's work once its heartbeat is older than
 * nodeTimeoutMs by the database's clock. The stored heartbeat is never older than the moment
 * this node sent it, so measuring from that moment on its own clock, minus a margin, tells
 * the node when it must stop firing what it holds: `leaseValid()`.
 */
export class Membership {
  readonly signals = new Signals<MembershipEvents>();
  readonly #options: MembershipOptions;
  readonly #loop: Loop;
  readonly #skewWarnMs: number;
  #lastHeartbeatSentAt = -Infinity;
  #skewMs = 0;
  #failures = 0;
  #registered = false;

  constructor(options: MembershipOptions) {
    this.#options = options;
    this.#skewWarnMs = options.skewWarnMs ?? 500;
    this.#loop = new Loop({
      name: 'heartbeat',
      clock: options.clock,
      logger: options.logger,
      intervalMs: options.heartbeatIntervalMs,
      run: () => this.#round(),
    });
  }

  get nodeId(): string {
    return this.#options.node.id;
  }

  /** This node's clock minus the database's, as last measured (ms). */
  get skewMs(): number {
    return this.#skewMs;
  }

  /** True while no other node can have declared this one dead. */
  leaseValid(now = this.#options.clock.now()): boolean {
    const margin = Math.min(1000, this.#options.nodeTimeoutMs / 4);
    return now < this.#lastHeartbeatSentAt + this.#options.nodeTimeoutMs - margin;
  }

  /** Measures the skew and registers; throws when the database cannot be reached. */
  async start(): Promise<void> {
    if (this.#registered) return;
    const { store, clock } = this.#options;
    const sentAt = clock.now();
    const databaseNow = await store.databaseNow();
    this.#recordSkew(sentAt, databaseNow, clock.now());
    const registeredAt = clock.now();
    await store.nodeRegister(this.#options.node);
    this.#lastHeartbeatSentAt = registeredAt;
    this.#registered = true;
    this.#loop.start();
  }

  /** Stops the heartbeat and marks the node stopped, so its remaining work is settled at once. */
  async stop(): Promise<void> {
    await this.#loop.stop();
    if (!this.#registered) return;
    this.#registered = false;
    this.#lastHeartbeatSentAt = -Infinity;
    try {
      await this.#options.store.nodeStop(this.#options.node.id);
    } catch (error) {
      this.#options.logger.warn({ err: error, nodeId: this.nodeId }, 'could not mark the node stopped; others will find its heartbeat expired');
    }
  }

  /** One heartbeat round now (tests, and the loop). */
  async beat(): Promise<void> {
    await this.#round();
  }

  async #round(): Promise<void> {
    const { store, clock, logger, metrics } = this.#options;
    const sentAt = clock.now();
    try {
      let databaseNow: Date;
      try {
        databaseNow = await store.nodeHeartbeat({ id: this.nodeId, clockSkewMs: storableSkew(this.#skewMs) });
      } catch (error) {
        if (!isJobSchedulerError(error, 'NOT_FOUND')) throw error;
        // Our row is gone (deleted by an operator): register again.
        await store.nodeRegister(this.#options.node);
        databaseNow = await store.databaseNow();
      }
      this.#lastHeartbeatSentAt = sentAt;
      this.#recordSkew(sentAt, databaseNow, clock.now());
      if (this.#failures > 0) logger.info({ nodeId: this.nodeId, failures: this.#failures }, 'database reachable again; heartbeat resumed');
      this.#failures = 0;
      this.signals.emit('heartbeat', { ok: true, skewMs: this.#skewMs });
    } catch (error) {
      this.#failures++;
      if (this.#failures === 1) logger.warn({ err: error, nodeId: this.nodeId }, 'heartbeat failed');
      this.signals.emit('heartbeat', { ok: false, skewMs: null });
      return;
    }
    try {
      const reaped = await store.nodeReapDead({ timeoutMs: this.#options.nodeTimeoutMs });
      if (reaped.deadNodes.length > 0 || reaped.requeued > 0 || reaped.lost > 0) {
        logger.warn({ ...reaped, nodeId: this.nodeId }, 'took over the work of dead nodes');
        if (reaped.lost > 0) metrics.firings.inc({ type: 'AT_MOST_ONCE', outcome: 'LOST' }, reaped.lost);
        this.signals.emit('reaped', reaped);
      }
      const nodes = await store.nodeList();
      metrics.nodesAlive.set(nodes.filter((node) => node.stoppedAt === null).length);
    } catch (error) {
      logger.warn({ err: error, nodeId: this.nodeId }, 'could not check for dead nodes');
    }
  }

  #recordSkew(sentAt: number, databaseNow: Date, receivedAt: number): void {
    // The database read its clock somewhere during the round trip; the midpoint is the best guess.
    const skew = Math.round((sentAt + receivedAt) / 2 - databaseNow.getTime());
    const wasLarge = Math.abs(this.#skewMs) > this.#skewWarnMs;
    this.#skewMs = skew;
    this.#options.metrics.clockSkew.set(skew / 1000);
    if (Math.abs(skew) > this.#skewWarnMs && !wasLarge) {
      this.#options.logger.warn(
        { nodeId: this.nodeId, skewMs: skew, roundTripMs: receivedAt - sentAt },
        'this node\'s clock differs from the database\'s by more than 500 ms; occurrences fire by the node\'s clock',
      );
    }
  }
}

/** The stored skew is a 32-bit integer; a clock off by more than 24 days is reported at that bound. */
function storableSkew(skewMs: number): number {
  const bound = 2 ** 31 - 1;
  return Math.max(-bound, Math.min(bound, skewMs));
}
