/**
 * Whether this node's engine is doing its work: it has started and is not stopping, and its
 * claim rounds and history writes each either succeed or have been failing since some
 * instant, with the last reason. /ready reports a node whose engine is not running yet (or
 * any more), or whose claims or history writes have failed for longer than a threshold, so an
 * orchestrator or an alert sees an engine that answers probes but fires nothing.
 */

export type EngineActivity = 'claim' | 'history';

/**
 * Where the engine is in its life: `starting` until it has joined the cluster, taken back its
 * attempts and started claiming; `running` then; `stopping` from the moment it is asked to
 * stop (it claims nothing more and hands back what it holds). Never back to `running`.
 */
export type EnginePhase = 'starting' | 'running' | 'stopping';

export interface EngineProblem {
  readonly activity: EngineActivity;
  /** When the current run of failures began. */
  readonly since: Date;
  /** The latest failure's message. */
  readonly reason: string;
}

/** What /ready asks of the engine of its node. */
export interface EngineHealthSource {
  readonly phase: EnginePhase;
  /** Activities failing for at least `thresholdMs` at `nowMs`. */
  problems(nowMs: number, thresholdMs: number): EngineProblem[];
}

export class EngineHealth implements EngineHealthSource {
  readonly #failing = new Map<EngineActivity, { sinceMs: number; reason: string }>();
  #phase: EnginePhase = 'starting';

  get phase(): EnginePhase {
    return this.#phase;
  }

  /** The engine claims and fires (a stopping engine stays stopping). */
  running(): void {
    if (this.#phase === 'starting') this.#phase = 'running';
  }

  stopping(): void {
    this.#phase = 'stopping';
  }

  failed(activity: EngineActivity, error: unknown, nowMs: number): void {
    const reason = error instanceof Error ? error.message : String(error);
    const current = this.#failing.get(activity);
    this.#failing.set(activity, { sinceMs: current?.sinceMs ?? nowMs, reason });
  }

  succeeded(activity: EngineActivity): void {
    this.#failing.delete(activity);
  }

  problems(nowMs: number, thresholdMs: number): EngineProblem[] {
    const problems: EngineProblem[] = [];
    for (const [activity, { sinceMs, reason }] of this.#failing) {
      if (nowMs - sinceMs >= thresholdMs) problems.push({ activity, since: new Date(sinceMs), reason });
    }
    return problems;
  }
}

/** Claim rounds and history writes as the engine's parts announce them. */
export interface EngineSignals {
  on(name: 'claimFailed', listener: (payload: { readonly error: unknown }) => void): () => void;
  on(name: 'claimed', listener: () => void): () => void;
  on(name: 'failed', listener: (payload: { readonly error: unknown }) => void): () => void;
  on(name: 'flushed', listener: () => void): () => void;
}

/**
 * Feeds `health` from the claimer's and the recorder's signals. A claim round that failed
 * emits claimFailed and then claimed, so claimed alone means the round went through.
 */
export function watchEngine(health: EngineHealth, signals: EngineSignals, now: () => number): void {
  let roundFailed = false;
  signals.on('claimFailed', ({ error }) => {
    roundFailed = true;
    health.failed('claim', error, now());
  });
  signals.on('claimed', () => {
    if (!roundFailed) health.succeeded('claim');
    roundFailed = false;
  });
  signals.on('failed', ({ error }) => health.failed('history', error, now()));
  signals.on('flushed', () => health.succeeded('history'));
}
