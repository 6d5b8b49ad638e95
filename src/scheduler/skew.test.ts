import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SKEW_ROUND_TRIP_MS, SkewEstimator } from './skew.js';

describe('clock skew from heartbeat round trips', () => {
  it('knows nothing until a round trip short enough to tell', () => {
    const skew = new SkewEstimator();
    expect(skew.add(0, -26_000, 13_000)).toBe(false);
    expect(skew.estimate).toBeNull();
  });

  it('takes the midpoint of the fastest recent round trip, off by at most half of it', () => {
    const skew = new SkewEstimator();
    skew.add(1000, 900, 1100);
    skew.add(2000, 1985, 2010);
    skew.add(3000, 2850, 3150);
    expect(skew.estimate).toEqual({ skewMs: 20, uncertaintyMs: 5 });
  });

  it('never uses a long round trip, whatever it suggests', () => {
    const skew = new SkewEstimator();
    skew.add(0, -3, 4);
    skew.add(10_000, 10_000 - 5019, 10_000 + 1662);
    expect(skew.estimate).toEqual({ skewMs: 5, uncertaintyMs: 2 });
  });

  it('forgets the fastest once enough newer round trips came in', () => {
    const skew = new SkewEstimator();
    skew.add(0, 0, 2);
    for (let i = 1; i <= 8; i++) skew.add(i * 1000, i * 1000 - 700, i * 1000 + 50);
    expect(skew.estimate).toEqual({ skewMs: 725, uncertaintyMs: 25 });
  });

  it('always brackets the true skew when the database read its clock during the round trip', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ trip: fc.integer({ min: 0, max: 2 * MAX_SKEW_ROUND_TRIP_MS }), at: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: -100_000, max: 100_000 }),
        (trips, trueSkew) => {
          const skew = new SkewEstimator();
          // Where in the round trip the database read its clock: anywhere from start to end.
          trips.forEach(({ trip, at }, i) => {
            const sentAt = i * 10_000;
            // The database's clock is the node's minus the skew, read somewhere in the trip.
            skew.add(sentAt, Math.round(sentAt + at * trip) - trueSkew, sentAt + trip);
          });
          const estimate = skew.estimate;
          if (estimate === null) return trips.every(({ trip }) => trip > MAX_SKEW_ROUND_TRIP_MS);
          return Math.abs(estimate.skewMs - trueSkew) <= estimate.uncertaintyMs + 1;
        },
      ),
      { numRuns: 1000 },
    );
  });
});
