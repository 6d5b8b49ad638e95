import { expect, it } from 'vitest';
import { zoneRules } from '../../src/cron/zone.js';
import { createJob, describeApi, problemOf } from './harness.js';

describeApi('time zone names', (context) => {
  it.each([
    ['america/new_york', 'America/New_York'],
    ['AMERICA/NEW_YORK', 'America/New_York'],
    ['US/Eastern', 'America/New_York'],
    ['europe/PARIS', 'Europe/Paris'],
    ['Etc/UTC', 'UTC'],
  ])('stores %s as %s and reads it back so', async (given, canonical) => {
    const job = await createJob(context().app, { timezone: given });
    expect(job.timezone).toBe(canonical);
    expect((await context().store.jobGet(job.id as string)).timezone).toBe(canonical);
  });

  it('stores the canonical name on PATCH too', async () => {
    const job = await createJob(context().app);
    const response = await context().app.inject({ method: 'PATCH', url: `/api/v1/jobs/${job.id as string}`, payload: { timezone: 'asia/tokyo' } });
    expect(response.json()).toMatchObject({ timezone: 'Asia/Tokyo' });
  });

  it('still refuses a name that is no zone, naming the field', async () => {
    const response = await context().app.inject({ method: 'POST', url: '/api/v1/jobs', payload: { ...{ schedule: '0 0 * * * *', api: 'http://localhost:4444/a', type: 'AT_LEAST_ONCE' }, timezone: 'america/new york' } });
    expect(problemOf(response)).toMatchObject({ status: 400, code: 'TIMEZONE_INVALID', property: 'timezone' });
  });

  it('answers a preview with the canonical name', async () => {
    const response = await context().app.inject({ method: 'GET', url: '/api/v1/schedules/preview?expression=0%200%209%20*%20*%20*&timezone=america/new_york&count=1' });
    expect(response.json()).toMatchObject({ timezone: 'America/New_York', nextRuns: ['2026-03-04T09:00:00-05:00'] });
  });

  it('lists no firing more than 100 years ahead, however many are asked for', async () => {
    const response = await context().app.inject({
      method: 'GET',
      url: '/api/v1/schedules/preview?expression=0%200%200%201%201%20*&timezone=America/Chicago&count=1000&from=2026-03-04T00:00:00Z',
    });
    const runs = response.json<{ nextRuns: string[] }>().nextRuns;
    expect(runs).toHaveLength(100);
    expect(runs[0]).toBe('2027-01-01T00:00:00-06:00');
    expect(runs.at(-1)).toBe('2126-01-01T00:00:00-06:00');
  });

  it('shares one set of offsets between every spelling of a zone', () => {
    const variants = ['America/New_York', 'america/new_york', 'AMERICA/new_YORK', 'US/Eastern'];
    const rules = new Set(variants.map((name) => zoneRules(name)));
    expect(rules.size).toBe(1);
    expect([...rules][0]!.name).toBe('America/New_York');
  });
});
