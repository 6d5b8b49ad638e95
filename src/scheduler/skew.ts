/** A node's clock minus the database's, with how far the figure may be off. */
export interface SkewEstimate {
  readonly skewMs: number;
  /** The true skew lies within skewMs ± this: half the round trip it was measured from. */
  readonly uncertaintyMs: number;
}

/** Round trips longer than this are never used: they bound the error too loosely. */
export const MAX_SKEW_ROUND_TRIP_MS = 200;
/** The estimate comes from the fastest of this many recent usable round trips. */
const WINDOW = 8;

interface Sample {
  readonly skewMs: number;
  readonly roundTripMs: number;
}

/**
 * Clock skew from heartbeat round trips. The database reads its clock somewhere between the
 * moment the request leaves and the moment the answer arrives, so the midpoint of the round
 * trip is off by at most half of it. A slow round trip (a loaded pool, a network recovering
 * from a cut) says little: only short ones are kept, and the fastest of the last few wins.
 * Pure: the caller supplies the instants.
 */
export class SkewEstimator {
  readonly #samples: Sample[] = [];

  /** Records one round trip; returns false when it was too long to use. */
  add(sentAt: number, databaseNow: number, receivedAt: number): boolean {
    const roundTripMs = receivedAt - sentAt;
    if (roundTripMs < 0 || roundTripMs > MAX_SKEW_ROUND_TRIP_MS) return false;
    this.#samples.push({ skewMs: Math.round((sentAt + receivedAt) / 2 - databaseNow), roundTripMs });
    if (this.#samples.length > WINDOW) this.#samples.shift();
    return true;
  }

  /** Null until a usable round trip was seen. */
  get estimate(): SkewEstimate | null {
    let best: Sample | undefined;
    for (const sample of this.#samples) if (!best || sample.roundTripMs < best.roundTripMs) best = sample;
    return best ? { skewMs: best.skewMs, uncertaintyMs: Math.ceil(best.roundTripMs / 2) } : null;
  }
}
