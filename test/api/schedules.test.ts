import { expect, it } from 'vitest';
import { describeApi, problemOf } from './harness.js';

describeApi('GET /api/v1/schedules/preview', (context) => {
  const preview = (query: string) => context().app.inject({ method: 'GET', url: `/api/v1/schedules/preview?${query}` });

  it('reads the expression back and lists its next firings in the zone, creating nothing', async () => {
    const response = await preview(`expression=${encodeURIComponent('0 0 9 * * MON')}&timezone=Europe/Paris&count=3`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ expression: '0 0 9 * * MON', timezone: 'Europe/Paris' });
    expect(typeof body.description).toBe('string');
    expect(body.description.length).toBeGreaterThan(0);
    expect(body.nextRuns).toEqual(['2026-03-09T09:00:00+01:00', '2026-03-16T09:00:00+01:00', '2026-03-23T09:00:00+01:00']);
    expect(await context().jobCount()).toBe(0);
  });

  it('defaults to UTC, 10 firings, from now', async () => {
    const body = (await preview(`expression=${encodeURIComponent('0 0 * * * *')}`)).json();
    expect(body.timezone).toBe('UTC');
    expect(body.nextRuns).toHaveLength(10);
    expect(body.nextRuns[0]).toBe('2026-03-04T13:00:00Z');
  });

  it('starts after the instant given in from', async () => {
    const body = (await preview(`expression=${encodeURIComponent('0 0 0 1 * *')}&from=2030-01-15T00:00:00Z&count=2`)).json();
    expect(body.nextRuns).toEqual(['2030-02-01T00:00:00Z', '2030-03-01T00:00:00Z']);
  });

  it('answers 400 naming the cron field and token of an invalid expression', async () => {
    const problem = problemOf(await preview(`expression=${encodeURIComponent('0 0 25 * * *')}`));
    expect(problem).toMatchObject({ status: 400, code: 'CRON_INVALID', property: 'expression', field: 'hour', token: '25' });
  });

  it.each([
    ['an unknown zone', `expression=*&timezone=Not/AZone`, 'TIMEZONE_INVALID', 'timezone'],
    ['a missing expression', 'count=3', 'VALIDATION_FAILED', 'expression'],
    ['a count over 1000', `expression=${encodeURIComponent('* * * * * *')}&count=1001`, 'VALIDATION_FAILED', 'count'],
    ['a from that is not RFC 3339', `expression=${encodeURIComponent('* * * * * *')}&from=yesterday`, 'VALIDATION_FAILED', 'from'],
  ])('answers 400 to %s', async (_case, query, code, property) => {
    expect(problemOf(await preview(query))).toMatchObject({ status: 400, code, property });
  });
});
