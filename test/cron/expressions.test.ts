import { describe, expect, it } from 'vitest';
import { parseCron } from '../../src/cron/index.js';

/** The next `count` firings in UTC after `from`, as ISO strings without milliseconds. */
function runs(expression: string, from: string, count = 3): string[] {
  return parseCron(expression)
    .nextRuns(count, new Date(from))
    .map((date) => date.toISOString().replace('.000Z', 'Z'));
}

describe('basic fields', () => {
  it('fires the example from the docs at second 31 of minutes 10-15 past 01:00 on weekdays', () => {
    expect(runs('31 10-15 1 * * MON-FRI', '2026-01-01T00:00:00Z', 7)).toEqual([
      '2026-01-01T01:10:31Z',
      '2026-01-01T01:11:31Z',
      '2026-01-01T01:12:31Z',
      '2026-01-01T01:13:31Z',
      '2026-01-01T01:14:31Z',
      '2026-01-01T01:15:31Z',
      '2026-01-02T01:10:31Z',
    ]);
  });

  it('reads five fields as classic cron with second 0', () => {
    expect(runs('*/15 * * * *', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-01T00:15:00Z', '2026-01-01T00:30:00Z']);
  });

  it('fires every 20 seconds with a seconds field', () => {
    expect(runs('*/20 * * * * *', '2026-01-01T00:00:00Z')).toEqual(['2026-01-01T00:00:20Z', '2026-01-01T00:00:40Z', '2026-01-01T00:01:00Z']);
  });

  it('answers strictly after the given instant, down to the millisecond', () => {
    expect(runs('0 0 0 * * *', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-02T00:00:00Z']);
    expect(runs('0 0 0 * * *', '2025-12-31T23:59:59.999Z', 1)).toEqual(['2026-01-01T00:00:00Z']);
  });

  it('combines lists and ranges', () => {
    expect(runs('0 0 9-11,15 * * *', '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-01T09:00:00Z',
      '2026-01-01T10:00:00Z',
      '2026-01-01T11:00:00Z',
      '2026-01-01T15:00:00Z',
    ]);
  });

  it('steps from a start value to the end of the field with a/n', () => {
    expect(runs('0 50/5 * * * *', '2026-01-01T00:00:00Z')).toEqual(['2026-01-01T00:50:00Z', '2026-01-01T00:55:00Z', '2026-01-01T01:50:00Z']);
  });

  it('steps within a range with a-b/n', () => {
    expect(runs('0 10-30/10 * * * *', '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-01T00:10:00Z',
      '2026-01-01T00:20:00Z',
      '2026-01-01T00:30:00Z',
      '2026-01-01T01:10:00Z',
    ]);
  });

  it('accepts month names in any case', () => {
    expect(runs('0 0 0 1 jan,Jul *', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-07-01T00:00:00Z', '2027-01-01T00:00:00Z']);
  });

  it('accepts day names in ranges', () => {
    expect(runs('0 0 12 * * mon-WED', '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-05T12:00:00Z',
      '2026-01-06T12:00:00Z',
      '2026-01-07T12:00:00Z',
      '2026-01-12T12:00:00Z',
    ]);
  });

  it('treats day-of-week 0 and 7 as Sunday', () => {
    expect(runs('0 0 0 * * 7', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-04T00:00:00Z']);
    expect(runs('0 0 0 * * 0', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-04T00:00:00Z']);
    expect(runs('0 0 0 * * FRI-SUN', '2026-01-01T00:00:00Z')).toEqual(['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z', '2026-01-04T00:00:00Z']);
  });

  it('fires on a leap day every four years, skipping 2100', () => {
    expect(runs('0 0 0 29 2 *', '2026-01-01T00:00:00Z', 2)).toEqual(['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z']);
    expect(runs('0 0 0 29 2 *', '2096-03-01T00:00:00Z', 1)).toEqual(['2104-02-29T00:00:00Z']);
  });

  it('works within years 1 to 9999', () => {
    expect(parseCron('0 0 0 * * *').next(new Date(-8.64e15))?.toISOString()).toBe('0001-01-02T00:00:00.000Z');
    expect(parseCron('* * * * * *').next(new Date(8.64e15))).toBeNull();
    expect(parseCron('* * * * * *').matches(new Date(8.64e15))).toBe(false);
  });

  it('returns null when the next firing would fall after year 9999', () => {
    expect(parseCron('0 0 0 29 2 *').next(new Date('9996-03-01T00:00:00Z'))).toBeNull();
    expect(parseCron('0 0 0 29 2 *').nextRuns(3, new Date('9990-01-01T00:00:00Z'))).toHaveLength(2);
  });
});

describe('day-of-month and day-of-week together', () => {
  it('fires when either matches if both are restricted, as in Vixie cron', () => {
    expect(runs('0 0 0 13 * FRI', '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-02T00:00:00Z',
      '2026-01-09T00:00:00Z',
      '2026-01-13T00:00:00Z',
      '2026-01-16T00:00:00Z',
    ]);
  });

  it('treats ? like * so only the other field restricts', () => {
    expect(runs('0 0 0 ? * FRI', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-02T00:00:00Z', '2026-01-09T00:00:00Z']);
    expect(runs('0 0 0 13 * ?', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-13T00:00:00Z', '2026-02-13T00:00:00Z']);
  });

  it('counts a stepped star as a restriction, so */10 with MON is an either-or', () => {
    expect(runs('0 0 0 */10 * MON', '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-01-05T00:00:00Z',
      '2026-01-11T00:00:00Z',
      '2026-01-12T00:00:00Z',
      '2026-01-19T00:00:00Z',
      '2026-01-21T00:00:00Z',
    ]);
  });
});

describe('extensions', () => {
  it('fires on the last day of each month with L', () => {
    expect(runs('0 0 0 L * *', '2026-01-15T00:00:00Z')).toEqual(['2026-01-31T00:00:00Z', '2026-02-28T00:00:00Z', '2026-03-31T00:00:00Z']);
    expect(runs('0 0 0 L 2 *', '2027-03-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:00Z']);
  });

  it('fires n days before the last day with L-n', () => {
    expect(runs('0 0 0 L-2 * *', '2026-01-01T00:00:00Z')).toEqual(['2026-01-29T00:00:00Z', '2026-02-26T00:00:00Z', '2026-03-29T00:00:00Z']);
  });

  it('moves nW to the nearest weekday: Saturday to Friday, Sunday to Monday', () => {
    expect(runs('0 0 0 15W * *', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-15T00:00:00Z']);
    expect(runs('0 0 0 17W 1 *', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-16T00:00:00Z']);
    expect(runs('0 0 0 18W 1 *', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-19T00:00:00Z']);
  });

  it('never lets nW leave the month', () => {
    // 2026-08-01 is a Saturday: the nearest weekday inside August is Monday the 3rd.
    expect(runs('0 0 0 1W * *', '2026-07-15T00:00:00Z', 1)).toEqual(['2026-08-03T00:00:00Z']);
    // 2026-05-31 is a Sunday: the nearest weekday inside May is Friday the 29th.
    expect(runs('0 0 0 31W * *', '2026-05-01T00:00:00Z', 1)).toEqual(['2026-05-29T00:00:00Z']);
  });

  it('fires on the last weekday of the month with LW', () => {
    expect(runs('0 0 0 LW * *', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-30T00:00:00Z']);
    expect(runs('0 0 0 LW * *', '2026-05-01T00:00:00Z', 1)).toEqual(['2026-05-29T00:00:00Z']);
  });

  it('fires on the last such weekday of the month with nL', () => {
    expect(runs('0 0 0 * * 5L', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-30T00:00:00Z', '2026-02-27T00:00:00Z']);
    expect(runs('0 0 0 * * FRIL', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-30T00:00:00Z']);
  });

  it('fires on the k-th such weekday of the month with n#k', () => {
    expect(runs('0 0 0 * * 1#2', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-12T00:00:00Z', '2026-02-09T00:00:00Z']);
    expect(runs('0 0 0 * * SUN#5', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-03-29T00:00:00Z']);
  });

  it('expands the macros', () => {
    const from = '2026-03-01T00:00:00Z';
    expect(runs('@yearly', from, 1)).toEqual(['2027-01-01T00:00:00Z']);
    expect(runs('@annually', from, 1)).toEqual(['2027-01-01T00:00:00Z']);
    expect(runs('@monthly', from, 1)).toEqual(['2026-04-01T00:00:00Z']);
    expect(runs('@weekly', from, 1)).toEqual(['2026-03-08T00:00:00Z']);
    expect(runs('@daily', from, 1)).toEqual(['2026-03-02T00:00:00Z']);
    expect(runs('@midnight', from, 1)).toEqual(['2026-03-02T00:00:00Z']);
    expect(runs('@HOURLY', from, 1)).toEqual(['2026-03-01T01:00:00Z']);
  });
});

describe('the schedule object', () => {
  it('keeps the expression and the zone it was parsed with', () => {
    const schedule = parseCron('  0 0 9 * * *  ', { timezone: 'Europe/Paris' });
    expect(schedule.expression).toBe('0 0 9 * * *');
    expect(schedule.timezone).toBe('Europe/Paris');
    expect(parseCron('@daily').timezone).toBe('UTC');
  });

  it('matches whole seconds the expression names, and nothing else', () => {
    const schedule = parseCron('31 10-15 1 * * MON-FRI');
    expect(schedule.matches(new Date('2026-01-05T01:12:31Z'))).toBe(true);
    expect(schedule.matches(new Date('2026-01-05T01:12:31.500Z'))).toBe(false);
    expect(schedule.matches(new Date('2026-01-05T01:16:31Z'))).toBe(false);
    expect(schedule.matches(new Date('2026-01-04T01:12:31Z'))).toBe(false);
  });

  it('returns no runs for a count of 0 and refuses a negative or fractional count', () => {
    const schedule = parseCron('@hourly');
    expect(schedule.nextRuns(0, new Date('2026-01-01T00:00:00Z'))).toEqual([]);
    expect(() => schedule.nextRuns(-1, new Date())).toThrow(/count/);
    expect(() => schedule.nextRuns(1.5, new Date())).toThrow(/count/);
  });

  it('refuses an invalid date', () => {
    expect(() => parseCron('@hourly').next(new Date('not a date'))).toThrow(/valid Date/);
  });
});
