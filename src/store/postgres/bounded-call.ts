import { performance } from 'node:perf_hooks';
import { DbTimeoutError, type DbConnectionError } from '../db.js';

/**
 * One database call's life: it ends with its work, or earlier when its time bound passes
 * (DbTimeoutError) or when it is abandoned (DbConnectionError), whichever comes first. The
 * time is real elapsed time, never an injected clock's: a network does not wait for a test.
 */
export class BoundedCall {
  /** performance.now() when the call began. */
  readonly startedAt = performance.now();
  /** What is known of the call's writes should it end now (see DbConnectionError). */
  committed: 'no' | 'unknown' = 'no';
  readonly #ended: Promise<never>;
  #end: (error: DbConnectionError) => void = () => undefined;
  #endedWith: DbConnectionError | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #onEnd: (() => void)[] = [];

  /** `boundMs` null: the call may take as long as it needs (migrations). */
  constructor(boundMs: number | null) {
    this.#ended = new Promise<never>((_, reject) => {
      this.#end = reject;
    });
    // Nobody need be listening when the call ends: the work may have finished first.
    this.#ended.catch(() => undefined);
    if (boundMs !== null) {
      this.#timer = setTimeout(() => this.end(new DbTimeoutError(`no answer from the database within ${boundMs} ms`, boundMs, this.committed)), boundMs);
    }
  }

  get ended(): boolean {
    return this.#endedWith !== null;
  }

  /** Settles with `work`, or rejects as soon as the call ends, whichever is first. */
  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.#ended]);
  }

  /** Runs `cleanup` when the call ends before its work (at once if it already has). */
  onEnd(cleanup: () => void): void {
    if (this.#endedWith) cleanup();
    else this.#onEnd.push(cleanup);
  }

  /** Ends the call now; its work's outcome is ignored from here on. */
  end(error: DbConnectionError): void {
    if (this.#endedWith) return;
    this.#endedWith = error;
    this.finish();
    this.#end(error);
    for (const cleanup of this.#onEnd.splice(0)) cleanup();
  }

  /** The work is over: the bound no longer applies. */
  finish(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#onEnd.length = 0;
  }
}
