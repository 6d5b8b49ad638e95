import { describe, expect, it } from 'vitest';
import { formatInZone, parseCron } from '../../src/cron/index.js';

/** The next `count` firings after `from`, written in the schedule's zone. */
function runs(expression: string, timezone: string, from: string, count: number): string[] {
  const schedule = parseCron(expression, { timezone });
  return schedule.nextRuns(count, new Date(from)).map((date) => formatInZone(date, timezone));
}

function matches(expression: string, timezone: string, at: string): boolean {
  return parseCron(expression, { timezone }).matches(new Date(at));
}

describe('America/New_York, spring forward on 2026-03-08 (02:00 EST jumps to 03:00 EDT)', () => {
  const zone = 'America/New_York';

  it('fires a job set inside the skipped hour at 03:00 EDT that day', () => {
    expect(runs('0 30 2 * * *', zone, '2026-03-07T12:00:00-05:00', 2)).toEqual(['2026-03-08T03:00:00-04:00', '2026-03-09T02:30:00-04:00']);
  });

  it('collapses several skipped times into one firing at 03:00 EDT', () => {
    expect(runs('0 0,30 2 * * *', zone, '2026-03-07T12:00:00-05:00', 3)).toEqual([
      '2026-03-08T03:00:00-04:00',
      '2026-03-09T02:00:00-04:00',
      '2026-03-09T02:30:00-04:00',
    ]);
  });

  it('fires a job at 02:00 and 03:00 once at 03:00 EDT, not twice', () => {
    expect(runs('0 0 2,3 * * *', zone, '2026-03-07T12:00:00-05:00', 3)).toEqual([
      '2026-03-08T03:00:00-04:00',
      '2026-03-09T02:00:00-04:00',
      '2026-03-09T03:00:00-04:00',
    ]);
  });

  it('lets an every-hour job skip the hour that does not exist', () => {
    expect(runs('0 10 * * * *', zone, '2026-03-08T00:30:00-05:00', 3)).toEqual([
      '2026-03-08T01:10:00-05:00',
      '2026-03-08T03:10:00-04:00',
      '2026-03-08T04:10:00-04:00',
    ]);
  });

  it('does not fire an every-second job in the skipped hour', () => {
    expect(runs('* * * * * *', zone, '2026-03-08T01:59:58-05:00', 3)).toEqual([
      '2026-03-08T01:59:59-05:00',
      '2026-03-08T03:00:00-04:00',
      '2026-03-08T03:00:01-04:00',
    ]);
  });

  it('reports the collapsed firing as a match and the skipped wall times as none', () => {
    expect(matches('0 30 2 * * *', zone, '2026-03-08T03:00:00-04:00')).toBe(true);
    expect(matches('0 30 2 * * *', zone, '2026-03-08T03:30:00-04:00')).toBe(false);
    expect(matches('0 30 * * * *', zone, '2026-03-08T03:00:00-04:00')).toBe(false);
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

  it('does not fire the fixed-hour job when asked from inside the second pass', () => {
    expect(runs('0 45 1 * * *', zone, '2026-11-01T01:10:00-05:00', 1)).toEqual(['2026-11-02T01:45:00-05:00']);
    expect(matches('0 45 1 * * *', zone, '2026-11-01T01:45:00-04:00')).toBe(true);
    expect(matches('0 45 1 * * *', zone, '2026-11-01T01:45:00-05:00')).toBe(false);
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
    expect(matches('0 */15 * * * *', zone, '2026-11-01T01:45:00-05:00')).toBe(true);
  });
});

describe('Europe/London (01:00 GMT jumps to 02:00 BST on 2026-03-29; 02:00 BST returns to 01:00 GMT on 2026-10-25)', () => {
  const zone = 'Europe/London';

  it('fires a skipped 01:30 at 02:00 BST', () => {
    expect(runs('0 30 1 * * *', zone, '2026-03-28T12:00:00+00:00', 2)).toEqual(['2026-03-29T02:00:00+01:00', '2026-03-30T01:30:00+01:00']);
  });

  it('skips the missing half hours of an every-30-minutes job', () => {
    expect(runs('0 */30 * * * *', zone, '2026-03-29T00:10:00+00:00', 3)).toEqual([
      '2026-03-29T00:30:00+00:00',
      '2026-03-29T02:00:00+01:00',
      '2026-03-29T02:30:00+01:00',
    ]);
  });

  it('fires 01:30 once in October, in British Summer Time', () => {
    expect(runs('0 30 1 * * *', zone, '2026-10-24T12:00:00+01:00', 2)).toEqual(['2026-10-25T01:30:00+01:00', '2026-10-26T01:30:00+00:00']);
  });

  it('fires an every-30-minutes job in both passes of the repeated hour', () => {
    expect(runs('0 */30 * * * *', zone, '2026-10-25T00:10:00+01:00', 6)).toEqual([
      '2026-10-25T00:30:00+01:00',
      '2026-10-25T01:00:00+01:00',
      '2026-10-25T01:30:00+01:00',
      '2026-10-25T01:00:00+00:00',
      '2026-10-25T01:30:00+00:00',
      '2026-10-25T02:00:00+00:00',
    ]);
  });
});

describe('Australia/Lord_Howe, a 30-minute change (02:00 jumps to 02:30 on 2026-10-04; 02:00 returns to 01:30 on 2026-04-05)', () => {
  const zone = 'Australia/Lord_Howe';

  it('fires a skipped 02:15 at 02:30, the first instant after the half-hour gap', () => {
    expect(runs('0 15 2 * * *', zone, '2026-10-03T12:00:00+10:30', 2)).toEqual(['2026-10-04T02:30:00+11:00', '2026-10-05T02:15:00+11:00']);
  });

  it('collapses 02:00 and 02:15 into one firing', () => {
    expect(runs('0 0,15 2 * * *', zone, '2026-10-03T12:00:00+10:30', 2)).toEqual(['2026-10-04T02:30:00+11:00', '2026-10-05T02:00:00+11:00']);
  });

  it('lets an every-15-minutes job skip the missing half hour', () => {
    expect(runs('0 */15 * * * *', zone, '2026-10-04T01:40:00+10:30', 3)).toEqual([
      '2026-10-04T01:45:00+10:30',
      '2026-10-04T02:30:00+11:00',
      '2026-10-04T02:45:00+11:00',
    ]);
  });

  it('fires 01:45 in the first pass of the repeated half hour only', () => {
    expect(runs('0 45 1 * * *', zone, '2026-04-04T12:00:00+11:00', 2)).toEqual(['2026-04-05T01:45:00+11:00', '2026-04-06T01:45:00+10:30']);
  });

  it('fires an every-15-minutes job in both passes', () => {
    expect(runs('0 */15 * * * *', zone, '2026-04-05T01:20:00+11:00', 5)).toEqual([
      '2026-04-05T01:30:00+11:00',
      '2026-04-05T01:45:00+11:00',
      '2026-04-05T01:30:00+10:30',
      '2026-04-05T01:45:00+10:30',
      '2026-04-05T02:00:00+10:30',
    ]);
  });
});

describe('Pacific/Chatham, a +12:45/+13:45 zone (02:45 jumps to 03:45 on 2026-09-27; 03:45 returns to 02:45 on 2026-04-05)', () => {
  const zone = 'Pacific/Chatham';

  it('fires a skipped 03:00 at 03:45', () => {
    expect(runs('0 0 3 * * *', zone, '2026-09-26T12:00:00+12:45', 2)).toEqual(['2026-09-27T03:45:00+13:45', '2026-09-28T03:00:00+13:45']);
  });

  it('fires 03:00 in the first pass only in April', () => {
    expect(runs('0 0 3 * * *', zone, '2026-04-04T12:00:00+13:45', 2)).toEqual(['2026-04-05T03:00:00+13:45', '2026-04-06T03:00:00+12:45']);
  });

  it('fires an hourly-and-half-hourly job in both passes', () => {
    expect(runs('0 0,30 * * * *', zone, '2026-04-05T02:40:00+13:45', 5)).toEqual([
      '2026-04-05T03:00:00+13:45',
      '2026-04-05T03:30:00+13:45',
      '2026-04-05T03:00:00+12:45',
      '2026-04-05T03:30:00+12:45',
      '2026-04-05T04:00:00+12:45',
    ]);
  });
});

describe('Asia/Kathmandu, a +05:45 zone', () => {
  const zone = 'Asia/Kathmandu';

  it('fires at local midnight, 18:15 UTC the day before', () => {
    expect(runs('0 0 0 * * *', zone, '2026-06-01T12:00:00Z', 2)).toEqual(['2026-06-02T00:00:00+05:45', '2026-06-03T00:00:00+05:45']);
    expect(parseCron('0 0 0 * * *', { timezone: zone }).next(new Date('2026-06-01T12:00:00Z'))?.toISOString()).toBe('2026-06-01T18:15:00.000Z');
  });

  it('handles the move from +05:30 to +05:45 in 1986, which skipped 00:00-00:15 local time', () => {
    expect(runs('0 5 0 * * *', zone, '1985-12-30T12:00:00+05:30', 3)).toEqual([
      '1985-12-31T00:05:00+05:30',
      '1986-01-01T00:15:00+05:45',
      '1986-01-02T00:05:00+05:45',
    ]);
    expect(runs('0 */5 * * * *', zone, '1985-12-31T23:50:00+05:30', 3)).toEqual([
      '1985-12-31T23:55:00+05:30',
      '1986-01-01T00:15:00+05:45',
      '1986-01-01T00:20:00+05:45',
    ]);
  });
});

describe('Pacific/Apia, which skipped the whole of 2011-12-30 when it crossed the date line', () => {
  it('fires a daily job once at the first instant after the missing day', () => {
    expect(runs('0 30 2 * * *', 'Pacific/Apia', '2011-12-29T03:00:00-10:00', 3)).toEqual([
      '2011-12-31T00:00:00+14:00',
      '2011-12-31T02:30:00+14:00',
      '2012-01-01T02:30:00+14:00',
    ]);
  });
});
