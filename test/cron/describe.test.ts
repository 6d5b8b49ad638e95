import { describe, expect, it } from 'vitest';
import { parseCron } from '../../src/cron/index.js';

const cases: readonly [expression: string, description: string][] = [
  ['31 10-15 1 * * MON-FRI', 'at second 31 of minutes 10 through 15 past hour 1, Monday through Friday'],
  ['* * * * * *', 'every second'],
  ['*/10 * * * * *', 'every 10 seconds'],
  ['0 * * * * *', 'every minute'],
  ['*/15 * * * *', 'every 15 minutes'],
  ['0 0 * * * *', 'every hour'],
  ['0 0 */2 * * *', 'every 2 hours'],
  ['0 30 2 * * *', 'at 02:30'],
  ['15 30 9 * * *', 'at 09:30:15'],
  ['0 0 9,17 * * *', 'at 09:00 and 17:00'],
  ['31 * * * * *', 'at second 31 of every minute'],
  ['0 5 * * * *', 'at minute 5 past every hour'],
  ['0 10-40/10 * * * *', 'every 10 minutes from minute 10 through 40'],
  ['0 0 9-17 * * 1-5', 'at the start of hours 9 through 17, Monday through Friday'],
  ['0 */15 9-17 * JAN-MAR,DEC SUN', 'every 15 minutes past hours 9 through 17, Sunday, in January through March and December'],
  ['0 0 0 * * 5-7', 'at 00:00, Friday through Sunday'],
  ['0 0 0 29 2 *', 'at 00:00, on day 29 of the month, in February'],
  ['0 0 0 1 * MON', 'at 00:00, on day 1 of the month or Monday'],
  ['0 0 12 L * *', 'at 12:00, on the last day of the month'],
  ['0 0 0 L-2,15W * *', 'at 00:00, on 2 days before the last day and the weekday nearest day 15 of the month'],
  ['0 0 0 LW * *', 'at 00:00, on the last weekday of the month'],
  ['0 0 9 ? * 5L', 'at 09:00, on the last Friday of the month'],
  ['0 0 8 * * 1#2', 'at 08:00, on the second Monday of the month'],
  ['@weekly', 'at 00:00, Sunday'],
  ['@hourly', 'every hour'],
];

describe('describe()', () => {
  it.each(cases)('describes %s as "%s"', (expression, description) => {
    expect(parseCron(expression).describe()).toBe(description);
  });
});
