import { describe, expect, it } from 'vitest';
import { closest } from './suggest.js';

describe('closest', () => {
  const known = ['JOBSCHEDULER_API_KEYS', 'DATABASE_URL', 'LOG_LEVEL', 'PORT'];

  it('finds the name a typo was meant to be: a letter missing, extra, wrong or swapped, in any case', () => {
    expect(closest('JOBSCHEDULER_API_KEY', known)).toBe('JOBSCHEDULER_API_KEYS');
    expect(closest('DATABSE_URL', known)).toBe('DATABASE_URL');
    expect(closest('log_levle', known)).toBe('LOG_LEVEL');
    expect(closest('crn', ['cron', 'jobs', 'serve'])).toBe('cron');
  });

  it('suggests nothing for a word that is not close to any name', () => {
    expect(closest('REDIS_URL', known)).toBeUndefined();
    expect(closest('xyz', ['cron', 'jobs'])).toBeUndefined();
    expect(closest('anything', [])).toBeUndefined();
  });
});
