import { describe, expect, it } from 'vitest';
import { formatInZone, parseCron } from '../../src/cron/index.js';

/** The next `count` firings after `from`, written in the schedule's zone. */
function runs(expression: string, timezone: string, from: string, count: number): string[] {
  const schedule = parseCron(expression, { timezone });
  return schedule.nextRuns(count, new Date(from)).map((date) => formatInZone(date, timezone));
}

describe('America/New_York, spring forward on 2026-03-08 (02:00 EST jumps to 03:00 EDT)', () => {
  const zone = 'America/New_York';

  it('fires a job set inside the skipped hour at 03:00 EDT that day', () => {
    expect(runs('0 30 2 * * *', zone, '2026-03-07T12:00:00-05:00', 2)).toEqual([
      '2026-03-08T03:00:00-04:00',
      '2026-03-09T02:30:00-04:00',
    ]);
  });

  it('collapses several skipped times into one firing at 03:00 EDT', () => {
    expect(runs('0 0,30 2 * * *', zone, '2026-03-07T12:00:00-05:00', 3)).toEqual([
      '2026-03-08T03:00:00-04:00',
      '2026-03-09T02:00:00-04:00',
      '2026-03-09T02:30:00-04:00',
    ]);
  });

  it('lets an every-hour job skip the hour that does not exist', () => {
    expect(runs('0 10 * * * *', zone, '2026-03-08T01:00:00-05:00', 3)).toEqual([
      '2026-03-08T01:10:00-05:00',
      '2026-03-08T03:10:00-04:00',
      '2026-03-08T04:10:00-04:00',
    ]);
  });
});

describe('America/New_York, fall back on 2026-11-01 (02:00 EDT returns to 01:00 EST)', () => {
  const zone = 'America/New_York';

  it('fires a job in the repeated hour in the first pass only', () => {
    expect(runs('0 30 1-2 * * *', zone, '2026-10-31T12:00:00-04:00', 3)).toEqual([
      '2026-11-01T01:30:00-04:00',
      '2026-11-01T02:30:00-05:00',
      '2026-11-02T01:30:00-05:00',
    ]);
  });

  it('keeps an every-15-minutes job firing every 15 real minutes through both passes', () => {
    expect(runs('0 */15 * * * *', zone, '2026-11-01T01:20:00-04:00', 6)).toEqual([
      '2026-11-01T01:30:00-04:00',
      '2026-11-01T01:45:00-04:00',
      '2026-11-01T01:00:00-05:00',
      '2026-11-01T01:15:00-05:00',
      '2026-11-01T01:30:00-05:00',
      '2026-11-01T01:45:00-05:00',
    ]);
  });
});
