import { describe, expect, it } from 'vitest';
import { parseCron } from '../../src/cron/index.js';
import { JobSchedulerError } from '../../src/errors.js';

function errorOf(expression: string, timezone?: string): JobSchedulerError {
  try {
    parseCron(expression, timezone === undefined ? {} : { timezone });
  } catch (error) {
    if (error instanceof JobSchedulerError) return error;
    throw error;
  }
  throw new Error(`"${expression}" was accepted`);
}

describe('invalid expressions name the field, the token and its position', () => {
  it('rejects a value out of range', () => {
    const error = errorOf('0 60 * * * *');
    expect(error.code).toBe('CRON_INVALID');
    expect(error.status).toBe(400);
    expect(error.message).toBe('minute: 60 is out of range 0-59');
    expect(error.details).toEqual({ field: 'minute', token: '60', position: 2, allowed: '0-59' });
  });

  it('points into a five-field expression and into lists', () => {
    expect(errorOf('60 * * * *').details).toMatchObject({ field: 'minute', token: '60', position: 0 });
    expect(errorOf('0 0 1,2,25 * * *').details).toMatchObject({ field: 'hour', token: '25', position: 8 });
    expect(errorOf('0 0 0 0 * *').message).toBe('day-of-month: 0 is out of range 1-31');
    expect(errorOf('0 0 0 * 13 *').message).toBe('month: 13 is out of range 1-12');
    expect(errorOf('0 0 0 * * 8').message).toBe('day-of-week: 8 is out of range 0-7');
  });

  it('rejects a step of 0', () => {
    const error = errorOf('*/0 * * * * *');
    expect(error.message).toMatch(/^second: step 0 in \*\/0 must be at least 1/);
    expect(error.details).toMatchObject({ field: 'second', token: '0', position: 2 });
  });

  it('rejects a step larger than the field', () => {
    expect(errorOf('0 */61 * * * *').details).toMatchObject({ field: 'minute', token: '61' });
  });

  it('rejects a reversed range', () => {
    const error = errorOf('0 0 5-2 * * *');
    expect(error.message).toMatch(/^hour: range 5-2 is reversed/);
    expect(error.details).toMatchObject({ field: 'hour', token: '5-2', position: 4 });
    expect(errorOf('0 0 0 * * FRI-MON').details).toMatchObject({ field: 'day-of-week', token: 'FRI-MON' });
  });

  it('rejects unknown names and says what is allowed', () => {
    const month = errorOf('0 0 0 * FOO *');
    expect(month.message).toBe('month: FOO is not a valid value; use 1-12 or JAN-DEC');
    expect(month.details).toMatchObject({ field: 'month', token: 'FOO', position: 8, allowed: '1-12 or JAN-DEC' });
    expect(errorOf('0 0 0 * * MOO').details).toMatchObject({ field: 'day-of-week', token: 'MOO', position: 10 });
    expect(errorOf('0 0 MON * * *').details).toMatchObject({ field: 'hour', token: 'MON' });
  });

  it('rejects the wrong number of fields', () => {
    for (const expression of ['* * * *', '0 0 0 * * * 2026', '']) {
      const error = errorOf(expression);
      expect(error.details).toMatchObject({ field: 'expression', position: 0 });
      expect(error.message).toMatch(/expected 5 or 6 fields/);
    }
  });

  it('rejects a sixth occurrence with n#6', () => {
    const error = errorOf('0 0 0 * * 1#6');
    expect(error.details).toMatchObject({ field: 'day-of-week', token: '1#6', position: 10 });
    expect(error.message).toMatch(/k from 1 to 5/);
  });

  it('rejects expressions that can never fire', () => {
    const error = errorOf('0 0 0 30 2 *');
    expect(error.message).toBe('day-of-month: 30 never occurs in February, so the expression would never fire');
    expect(error.details).toMatchObject({ field: 'day-of-month', token: '30', position: 6 });
    expect(errorOf('0 0 0 31 4,6,9,11 *').message).toMatch(/never occurs in April, June, September, November/);
    expect(errorOf('0 0 0 30,31 FEB *').details).toMatchObject({ field: 'day-of-month' });
  });

  it('accepts rare but possible days', () => {
    expect(() => parseCron('0 0 0 29 2 *')).not.toThrow();
    expect(() => parseCron('0 0 0 30 2 MON')).not.toThrow();
    expect(() => parseCron('0 0 0 L-28 2 *')).not.toThrow();
    expect(() => parseCron('0 0 0 * 2 MON#5')).not.toThrow();
  });

  it('rejects extensions in the wrong field or out of range', () => {
    expect(errorOf('? * * * * *').details).toMatchObject({ field: 'second', token: '?' });
    expect(errorOf('0 L * * * *').details).toMatchObject({ field: 'minute', token: 'L' });
    expect(errorOf('0 0 0 L-31 * *').details).toMatchObject({ field: 'day-of-month', token: 'L-31' });
    expect(errorOf('0 0 0 32W * *').details).toMatchObject({ field: 'day-of-month', token: '32W' });
    expect(errorOf('0 0 0 * * 8L').details).toMatchObject({ field: 'day-of-week', token: '8' });
    expect(errorOf('0 0 0 * * L').details).toMatchObject({ field: 'day-of-week', token: 'L' });
    expect(errorOf('0 0 0 1#2 * *').details).toMatchObject({ field: 'day-of-month', token: '1#2' });
  });

  it('rejects empty list items and stray characters', () => {
    expect(errorOf('0 1,,2 * * * *').details).toMatchObject({ field: 'minute', token: '', position: 4 });
    expect(errorOf('0 1-2-3 * * * *').details).toMatchObject({ field: 'minute' });
    expect(errorOf('0 5/x * * * *').details).toMatchObject({ field: 'minute', token: 'x', position: 4 });
    expect(errorOf('0 -5 * * * *').details).toMatchObject({ field: 'minute' });
  });

  it('rejects an unknown macro', () => {
    expect(errorOf('@every_minute').details).toMatchObject({ field: 'expression', token: '@every_minute' });
  });
});

describe('time zones', () => {
  it('rejects an unknown zone with TIMEZONE_INVALID naming it', () => {
    const error = errorOf('0 0 9 * * *', 'Mars/Olympus_Mons');
    expect(error.code).toBe('TIMEZONE_INVALID');
    expect(error.message).toMatch(/Mars\/Olympus_Mons/);
  });

  it('rejects an empty zone', () => {
    expect(errorOf('0 0 9 * * *', '').code).toBe('TIMEZONE_INVALID');
  });
});
