import type { Logger } from 'pino';
import { isJobSchedulerError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../time/clock.js';
import type { NodeReapResult, NodeRecord, NodeRegisterParams, Store } from '../store/types.js';
import { Loop } from './loop.js';
import { Signals } from './signals.js';
import { SkewEstimator, type SkewEstimate } from './skew.js';

export interface MembershipEvents {
  /** A heartbeat finished (ok false: the database did not answer); skewMs null until measured. */
  heartbeat: { readonly ok: boolean; readonly skewMs: number | null };
  /** Dead nodes were found and their work settled. */
  reaped: NodeReapResult;
}

export interface MembershipOptions {
  readonly store: Pick<Store, 'databaseNow' | 'nodeRegister' | 'nodeHeartbeat' | 'nodeStop' | 'nodeReapDead' | 'nodeList'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly node: NodeRegisterParams;
  readonly heartbeatIntervalMs: number;
  readonly nodeTimeoutMs: number;
  /** Skew certainly beyond this (whatever the measurement's uncertainty) is logged as a warning. */
  readonly skewWarnMs?: number;
}

/**
 * This node's membership of the cluster: it registers, writes a heartbeat every interval,
 * measures its clock against the database's, and settles the work of nodes whose heartbeat
 * expired (every node reaps; the store makes concurrent reaps agree).
 *
 * Heartbeats and reaping are separate loops: a heartbeat goes on the control connection and
 * gets at most one interval, so a node that cannot reach the database says so (a warning,
 * once per episode, and a failed heartbeat event) within one interval of its next heartbeat,
 * and a slow reap never delays a heartbeat. The node only reaps while its heartbeats answer.
 *
 * The lease: other nodes may take this node's work once its heartbeat is older than
 * nodeTimeoutMs by the database's clock. The stored heartbeat is never older than the moment
 * this node sent it, so measuring from that moment on its own clock, minus a margin, tells
 * the node when it must stop firing what it holds: `leaseValid()`.
 */
export class Membership {
  readonly signals = new Signals<MembershipEvents>();
  readonly #options: MembershipOptions;
  readonly #heartbeats: Loop;
  readonly #reaper: Loop;
  readonly #skewWarnMs: number;
  readonly #skew = new SkewEstimator();
  #lastHeartbeatSentAt = -Infinity;
  #skewWarned = false;
  /** Heartbeats failed in a row, and when the first of them was sent. */
  #failures = 0;
  #failingSince = 0;
  #reapFailing = false;
  #registered = false;
  #share: NodeShare | null = null;

  constructor(options: MembershipOptions) {
    this.#options = options;
    this.#skewWarnMs = options.skewWarnMs ?? 500;
    const loop = (name: string, run: () => Promise<void>): Loop =>
      new Loop({ name, clock: options.clock, logger: options.logger, intervalMs: options.heartbeatIntervalMs, run });
    this.#heartbeats = loop('heartbeat', () => this.#heartbeat());
    this.#reaper = loop('reap', () => this.#reap());
  }

  get nodeId(): string {
    return this.#options.node.id;
  }

  /** This node's clock minus the database's (ms), from the best recent measurement; null until one. */
  get skew(): SkewEstimate | null {
    return this.#skew.estimate;
  }

  /** This node's place among the live claiming nodes, as of the last reap; null until known. */
  get share(): NodeShare | null {
    return this.#registered ? this.#share : null;
  }

  /** False from a heartbeat the database did not answer until one it answers. */
  get answering(): boolean {
    return this.#failures === 0;
  }

  /** True while no other node can have declared this one dead. */
  leaseValid(now = this.#options.clock.now()): boolean {
    const margin = Math.min(1000, this.#options.nodeTimeoutMs / 4);
    return now < this.#lastHeartbeatSentAt + this.#options.nodeTimeoutMs - margin;
  }

  /**
   * Measures the skew and registers. Each try gets a heartbeat's bound, opening the control
   * connection included, so a slow first answer is tried again, for up to one node timeout;
   * throws when the database still cannot be reached.
   */
  async start(): Promise<void> {
    if (this.#registered) return;
    const { store, clock, metrics, heartbeatIntervalMs, nodeTimeoutMs } = this.#options;
    const giveUpAt = clock.now() + nodeTimeoutMs;
    let registeredAt: number;
    for (;;) {
      try {
        const sentAt = clock.now();
        const databaseNow = await store.databaseNow();
        if (!this.#recordSkew(sentAt, databaseNow, clock.now())) {
          // Unknown until a heartbeat's round trip is short enough to tell.
          metrics.clockSkew.set(Number.NaN);
          metrics.clockSkewUncertainty.set(Number.NaN);
        }
        registeredAt = clock.now();
        await store.nodeRegister(this.#options.node);
        break;
      } catch (error) {
        if (clock.now() >= giveUpAt) throw error;
        await clock.sleep(heartbeatIntervalMs);
      }
    }
    this.#lastHeartbeatSentAt = registeredAt;
    this.#registered = true;
    // Known before the first claim, so that claim takes this node's share and not every job.
    try {
      this.#updateShare(await store.nodeList());
    } catch {
      // The reap loop tries again within an interval; until then the node claims every due job.
    }
    this.#heartbeats.start();
    this.#reaper.start();
  }

  /** Stops the heartbeat and marks the node stopped, so its remaining work is settled at once. */
  async stop(): Promise<void> {
    await Promise.all([this.#heartbeats.stop(), this.#reaper.stop()]);
    if (!this.#registered) return;
    this.#registered = false;
    this.#lastHeartbeatSentAt = -Infinity;
    try {
      await this.#options.store.nodeStop(this.#options.node.id);
    } catch (error) {
      this.#options.logger.warn({ err: error, nodeId: this.nodeId }, 'could not mark the node stopped; others will find its heartbeat expired');
    }
  }

  /** One heartbeat, then one reap, now (tests; the loops run on their own). */
  async beat(): Promise<void> {
    await this.#heartbeat();
    await this.#reap();
  }

  async #heartbeat(): Promise<void> {
    const { store, clock, logger } = this.#options;
    const sentAt = clock.now();
    try {
      let databaseNow: Date;
      try {
        databaseNow = await store.nodeHeartbeat({ id: this.nodeId, clockSkewMs: storableSkew(this.#skew.estimate?.skewMs ?? 0) });
      } catch (error) {
        if (!isJobSchedulerError(error, 'NOT_FOUND')) throw error;
        // Our row is gone (deleted by an operator): register again.
        await store.nodeRegister(this.#options.node);
        databaseNow = await store.databaseNow();
      }
      this.#lastHeartbeatSentAt = sentAt;
      this.#recordSkew(sentAt, databaseNow, clock.now());
      if (this.#failures > 0) {
        logger.info(
          { nodeId: this.nodeId, failures: this.#failures, unreachableMs: sentAt - this.#failingSince },
          'database reachable again; heartbeat resumed',
        );
      }
      this.#failures = 0;
      this.signals.emit('heartbeat', { ok: true, skewMs: this.#skew.estimate?.skewMs ?? null });
    } catch (error) {
      if (this.#failures++ === 0) {
        this.#failingSince = sentAt;
        logger.warn({ err: error, nodeId: this.nodeId }, 'heartbeat failed: cannot reach the database; trying again every interval');
      }
      this.signals.emit('heartbeat', { ok: false, skewMs: null });
    }
  }

  async #reap(): Promise<void> {
    // A database that does not answer heartbeats would not answer this either.
    if (this.#failures > 0) return;
    const { store, logger, metrics } = this.#options;
    try {
      const reaped = await store.nodeReapDead({ timeoutMs: this.#options.nodeTimeoutMs });
      if (reaped.deadNodes.length > 0 || reaped.requeued > 0 || reaped.lost > 0) {
        logger.warn({ ...reaped, nodeId: this.nodeId }, 'took over the work of dead nodes');
        if (reaped.lost > 0) metrics.firings.inc({ type: 'AT_MOST_ONCE', outcome: 'LOST' }, reaped.lost);
        this.signals.emit('reaped', reaped);
      }
      const nodes = await store.nodeList();
      metrics.nodesAlive.set(nodes.filter((node) => node.stoppedAt === null).length);
      this.#updateShare(nodes);
      this.#reapFailing = false;
    } catch (error) {
      if (!this.#reapFailing) logger.warn({ err: error, nodeId: this.nodeId }, 'could not check for dead nodes; trying again every interval');
      this.#reapFailing = true;
    }
  }

  #updateShare(nodes: readonly NodeRecord[]): void {
    const databaseNow = this.#options.clock.now() - (this.#skew.estimate?.skewMs ?? 0);
    this.#share = shareOf(this.nodeId, nodes, databaseNow, this.#options.nodeTimeoutMs);
  }

  /** False when the round trip was too long to tell anything. */
  #recordSkew(sentAt: number, databaseNow: Date, receivedAt: number): boolean {
    if (!this.#skew.add(sentAt, databaseNow.getTime(), receivedAt)) return false;
    const { skewMs, uncertaintyMs } = this.#skew.estimate!;
    this.#options.metrics.clockSkew.set(skewMs / 1000);
    this.#options.metrics.clockSkewUncertainty.set(uncertaintyMs / 1000);
    // Only a skew the measurement supports: beyond the threshold even at the near end of its range.
    const certainlyLarge = Math.abs(skewMs) - uncertaintyMs > this.#skewWarnMs;
    if (certainlyLarge && !this.#skewWarned) {
      this.#options.logger.warn(
        { nodeId: this.nodeId, skewMs, uncertaintyMs },
        `this node's clock differs from the database's by ${skewMs} ms (± ${uncertaintyMs} ms), more than ${this.#skewWarnMs} ms; occurrences fire by the node's clock`,
      );
    }
    this.#skewWarned = certainlyLarge;
    return true;
  }
}

export interface NodeShare {
  /** This node's place among the live claiming nodes, ordered by id. */
  readonly index: number;
  readonly count: number;
}

/**
 * Live claiming nodes are those not stopped, not API-only, whose heartbeat is within the node
 * timeout by the database's clock (`databaseNow`): the nodes reaping will not take over.
 * Every node computes the same list from the same rows, so the shares fit together; while
 * they do not (a node joined or died since another's last look) a job may be claimable by two
 * nodes or, for a quarter look-ahead, by none but its previous owner: the row lock decides.
 */
export function shareOf(nodeId: string, nodes: readonly NodeRecord[], databaseNow: number, nodeTimeoutMs: number): NodeShare | null {
  const live = nodes
    .filter((node) => node.stoppedAt === null && node.role !== 'api' && node.heartbeatAt.getTime() > databaseNow - nodeTimeoutMs)
    .map((node) => node.id)
    .sort();
  const index = live.indexOf(nodeId);
  return index < 0 ? null : { index, count: live.length };
}

/** The stored skew is a 32-bit integer; a clock off by more than 24 days is reported at that bound. */
function storableSkew(skewMs: number): number {
  const bound = 2 ** 31 - 1;
  return Math.max(-bound, Math.min(bound, skewMs));
}
