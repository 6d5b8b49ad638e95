/**
 * Bounds how many lines of one kind a node logs: at most `limit` per `intervalMs`; the rest are
 * counted, and the next line allowed carries how many were left out. A failing target at
 * thousands of firings a second would otherwise write thousands of lines a second, and the
 * logging would feed the overload it reports. Metrics and the history keep every occurrence.
 */
export class LogBudget {
  readonly #limit: number;
  readonly #intervalMs: number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #used = 0;
  #suppressed = 0;

  constructor(limit: number, intervalMs: number) {
    this.#limit = limit;
    this.#intervalMs = intervalMs;
  }

  /**
   * Whether a line may be logged at `now`: null when it may not (it is counted), else how many
   * lines were left out since the last one logged, for that line to say.
   */
  take(now: number): number | null {
    if (now - this.#windowStart >= this.#intervalMs) {
      this.#windowStart = now;
      this.#used = 0;
    }
    if (this.#used >= this.#limit) {
      this.#suppressed++;
      return null;
    }
    this.#used++;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    return suppressed;
  }

  /** Lines left out since the last one logged; resets the count. */
  takeSuppressed(): number {
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    return suppressed;
  }
}
