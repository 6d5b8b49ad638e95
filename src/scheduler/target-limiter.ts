import { policyForOrigin } from '../jobs/target-policies.js';
import type { TargetPolicyRecord, TargetUsage } from '../store/types.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import { Fifo } from './fifo.js';
import type { Demand } from './target-shares.js';

/**
 * This node's side of the target policies: which policy a request falls under, and a permit
 * per request within this node's share of the policy (src/scheduler/target-shares.ts): at most
 * its concurrent share in flight, and starts at its per-second share (a token bucket holding a
 * tenth of a second of it, at least one token). Requests without a permit wait in arrival
 * order; the share is renewed at every budget round.
 *
 * With no policy at all, or for a target no policy matches, nothing here runs per request but
 * one map lookup by URL.
 */
export interface TargetPermit {
  /** The request has finished: its concurrency slot is free again. */
  release(): void;
  /** The request never left: its slot and its token go back. */
  refund(): void;
}

interface Waiter {
  readonly resolve: (permit: TargetPermit) => void;
}

export class PolicyState {
  inFlight = 0;
  /** Attempts for this policy's targets the node holds (see TargetLimiter.note). */
  held = 0;
  concurrentShare = 0;
  perSecondShare = 0;
  tokens = 0;
  refilledAt: number;
  readonly waiting = new Fifo<Waiter>();
  timer: TimerHandle | null = null;

  constructor(
    public policy: TargetPolicyRecord,
    now: number,
  ) {
    this.refilledAt = now;
  }

  get name(): string {
    return this.policy.name;
  }
}

export class TargetLimiter {
  readonly #clock: Clock;
  #states = new Map<string, PolicyState>();
  /** Policy state by target URL (null: no policy), cleared when the policies change. */
  #byUrl = new Map<string, PolicyState | null>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** True while any policy exists. */
  get active(): boolean {
    return this.#states.size > 0;
  }

  /** The policy a target URL falls under, or null. */
  policyOf(url: string): PolicyState | null {
    if (this.#states.size === 0) return null;
    let state = this.#byUrl.get(url);
    if (state !== undefined) return state;
    let origin: string | null = null;
    try {
      origin = new URL(url).origin;
    } catch {
      origin = null;
    }
    const policy = origin === null ? null : policyForOrigin([...this.#states.values()].map((s) => s.policy), origin);
    state = policy === null ? null : this.#states.get(policy.id)!;
    if (this.#byUrl.size >= URL_CACHE_SIZE) this.#byUrl.clear();
    this.#byUrl.set(url, state);
    return state;
  }

  /** Counts an attempt for `url` held by this node (+1 when taken on, -1 when it leaves). */
  note(url: string, delta: 1 | -1): void {
    if (this.#states.size === 0) return;
    const state = this.policyOf(url);
    if (state) state.held = Math.max(0, state.held + delta);
  }

  /** A permit now, or null when the request must wait for one (see acquire). */
  tryAcquire(state: PolicyState): TargetPermit | null {
    if (state.waiting.length > 0 || !this.#admit(state)) return null;
    return this.#permit(state);
  }

  acquire(state: PolicyState): Promise<TargetPermit> {
    const now = this.tryAcquire(state);
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      state.waiting.push({ resolve });
      this.#arm(state);
    });
  }

  /** This node's demand by policy id, for its budget round. */
  demand(): Map<string, Demand> {
    const demand = new Map<string, Demand>();
    for (const [id, state] of this.#states) demand.set(id, { wanted: Math.max(state.held, state.inFlight + state.waiting.length), inFlight: state.inFlight });
    return demand;
  }

  /** Requests waiting for a permit, over all policies. */
  get waiting(): number {
    let total = 0;
    for (const state of this.#states.values()) total += state.waiting.length;
    return total;
  }

  /**
   * The policies and this node's shares from a budget round. A policy that went away frees
   * its waiters; a changed one keeps its counts.
   */
  update(policies: readonly TargetPolicyRecord[], shares: readonly TargetUsage[]): void {
    const now = this.#clock.now();
    const next = new Map<string, PolicyState>();
    let changed = policies.length !== this.#states.size;
    for (const policy of policies) {
      const state = this.#states.get(policy.id) ?? new PolicyState(policy, now);
      if (state.policy.pattern !== policy.pattern || !this.#states.has(policy.id)) changed = true;
      state.policy = policy;
      next.set(policy.id, state);
    }
    for (const [id, state] of this.#states) {
      if (next.has(id)) continue;
      state.timer?.cancel();
      // No longer limited: whoever waited goes now.
      for (let waiter = state.waiting.shift(); waiter; waiter = state.waiting.shift()) waiter.resolve(this.#permit(state));
    }
    this.#states = next;
    if (changed) this.#byUrl.clear();
    for (const share of shares) {
      const state = next.get(share.policyId);
      if (!state) continue;
      this.#refill(state, now);
      state.concurrentShare = share.grantedConcurrent;
      state.perSecondShare = share.grantedPerSecond;
      state.tokens = Math.min(state.tokens, bucketSize(state));
      this.#pump(state);
    }
  }

  /**
   * Lowers each share to the one given for it, at once (a policy absent from `shares` gets 0);
   * raises none. A budget round applies its new shares this way before it commits.
   */
  lower(shares: readonly TargetUsage[]): void {
    const now = this.#clock.now();
    const given = new Map(shares.map((share) => [share.policyId, share]));
    for (const [id, state] of this.#states) {
      const share = given.get(id);
      this.#refill(state, now);
      state.concurrentShare = Math.min(state.concurrentShare, share?.grantedConcurrent ?? 0);
      state.perSecondShare = Math.min(state.perSecondShare, share?.grantedPerSecond ?? 0);
      state.tokens = Math.min(state.tokens, bucketSize(state));
      this.#arm(state);
    }
  }

  #admit(state: PolicyState): boolean {
    const { maxConcurrent, maxPerSecond } = state.policy;
    if (maxConcurrent !== null && state.inFlight >= state.concurrentShare) return false;
    if (maxPerSecond === null) return true;
    this.#refill(state, this.#clock.now());
    return state.tokens >= 1;
  }

  #permit(state: PolicyState): TargetPermit {
    state.inFlight++;
    const limitedRate = state.policy.maxPerSecond !== null;
    if (limitedRate) state.tokens -= 1;
    let done = false;
    const end = (refund: boolean): void => {
      if (done) return;
      done = true;
      state.inFlight--;
      if (refund && limitedRate) state.tokens = Math.min(bucketSize(state), state.tokens + 1);
      this.#pump(state);
    };
    return { release: () => end(false), refund: () => end(true) };
  }

  #pump(state: PolicyState): void {
    while (state.waiting.length > 0 && this.#admit(state)) state.waiting.shift()!.resolve(this.#permit(state));
    this.#arm(state);
  }

  /** A timer for the next token, when requests wait only for the rate. */
  #arm(state: PolicyState): void {
    state.timer?.cancel();
    state.timer = null;
    const { maxConcurrent, maxPerSecond } = state.policy;
    if (state.waiting.length === 0 || maxPerSecond === null || state.perSecondShare <= 0) return;
    if (maxConcurrent !== null && state.inFlight >= state.concurrentShare) return;
    const delayMs = Math.max(1, Math.ceil(((1 - state.tokens) / state.perSecondShare) * 1000));
    state.timer = this.#clock.setTimer(delayMs, () => {
      state.timer = null;
      this.#pump(state);
    });
  }

  #refill(state: PolicyState, now: number): void {
    const elapsed = now - state.refilledAt;
    state.refilledAt = now;
    if (elapsed > 0) state.tokens = Math.min(bucketSize(state), state.tokens + (elapsed / 1000) * state.perSecondShare);
  }
}

/**
 * Tokens one node may keep: a tenth of a second of its share, at least one. The shares of all
 * nodes add up to the limit, so over any 10 s the nodes together start at most the limit's
 * 10 s worth plus these buckets, within 10% once the limit is at least the number of nodes.
 */
function bucketSize(state: PolicyState): number {
  return state.perSecondShare <= 0 ? 0 : Math.max(1, state.perSecondShare / 10);
}

const URL_CACHE_SIZE = 100_000;
