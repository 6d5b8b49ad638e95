/**
 * Whether this node's engine is doing its work: claim rounds and history writes each either
 * succeed or have been failing since some instant, with the last reason. /ready reports a
 * node whose claims or history writes have failed for longer than a threshold, so an
 * orchestrator or an alert sees an engine that answers probes but fires nothing.
 */

export type EngineActivity = 'claim' | 'history';

export interface EngineProblem {
  readonly activity: EngineActivity;
  /** When the current run of failures began. */
  readonly since: Date;
  /** The latest failure's message. */
  readonly reason: string;
}

/** What /ready asks of the engine of its node. */
export interface EngineHealthSource {
  /** Activities failing for at least `thresholdMs` at `nowMs`. */
  problems(nowMs: number, thresholdMs: number): EngineProblem[];
}

export class EngineHealth implements EngineHealthSource {
  readonly #failing = new Map<EngineActivity, { sinceMs: number; reason: string }>();

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
