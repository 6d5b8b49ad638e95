import { describe, expect, it } from 'vitest';
import { buildJob, createBody, defaultValues, patchBody, valuesFromJob, type FormValues } from './job-form.js';
import type { Job } from './types.js';

const storedJob: Job = {
  id: '0190f2a1-7c1e-7000-8000-000000000001',
  name: 'report',
  description: null,
  schedule: '0 0 6 * * MON-FRI',
  runAt: null,
  timezone: 'Europe/Paris',
  api: 'https://example.com/report',
  method: 'POST',
  headers: { 'x-team': 'ops' },
  payload: { kind: 'daily' },
  timeoutMs: 5000,
  type: 'AT_LEAST_ONCE',
  retry: { maxAttempts: 3, minBackoffMs: 1000, maxBackoffMs: 60000 },
  misfirePolicy: 'skip',
  overlapPolicy: 'allow',
  onFailure: null,
  isActive: true,
  paused: false,
  jitterMs: 0,
  nextRunAt: '2025-05-05T04:00:00Z',
  lastRunAt: null,
  lastStatus: null,
};

const filled = (overrides: Partial<FormValues>): FormValues => ({ ...defaultValues, api: 'http://127.0.0.1:4444/hook', ...overrides });

describe('the job form', () => {
  it('turns what the person typed into a job body', () => {
    const { input, errors } = buildJob(
      filled({ name: ' ping ', schedule: '* * * * * *', headers: 'X-Token: abc\n\nX-Env: prod', payload: '{"a": [1, 2]}' }),
    );
    expect(errors).toEqual({});
    expect(input).toMatchObject({
      name: 'ping',
      schedule: '* * * * * *',
      runAt: null,
      headers: { 'X-Token': 'abc', 'X-Env': 'prod' },
      payload: { a: [1, 2] },
      retry: { maxAttempts: 3, minBackoffMs: 1000, maxBackoffMs: 60000 },
    });
  });

  it('names each field it can tell is wrong before asking the server', () => {
    const { errors } = buildJob(
      filled({ api: 'ftp://example.com', payload: '{oops', headers: 'no colon here', maxAttempts: '0', minBackoffMs: '500', maxBackoffMs: '100', timeoutMs: '1.5', jitterMs: '-5' }),
    );
    expect(Object.keys(errors).sort()).toEqual(['api', 'headers', 'jitterMs', 'maxAttempts', 'maxBackoffMs', 'payload', 'timeoutMs']);
    expect(errors.payload).toMatch(/^Not valid JSON/);
    expect(errors.headers).toBe('Line 1: write each header as "Name: value".');
  });

  it('asks for a date when a one-time job has none', () => {
    expect(buildJob(filled({ kind: 'once', runAt: '' })).errors.runAt).toBeDefined();
    const { input, errors } = buildJob(filled({ kind: 'once', runAt: '2030-01-02T03:04:05' }));
    expect(errors).toEqual({});
    expect(input.schedule).toBeNull();
    expect(input.runAt).toBe(new Date(2030, 0, 2, 3, 4, 5).toISOString());
  });

  it('creates with only what is set, so the server fills in its defaults', () => {
    const body = createBody(buildJob(filled({})).input);
    expect(body).not.toHaveProperty('name');
    expect(body).not.toHaveProperty('headers');
    expect(body).not.toHaveProperty('runAt');
    expect(body).toMatchObject({ schedule: defaultValues.schedule, api: 'http://127.0.0.1:4444/hook' });
  });

  it('sends nothing back for an edit that changed nothing', () => {
    expect(patchBody(buildJob(valuesFromJob(storedJob)).input, storedJob)).toEqual({});
  });

  it('turns a cron job into a one-time job by sending only runAt', () => {
    const values = { ...valuesFromJob(storedJob), kind: 'once' as const, runAt: '2030-01-02T03:04:05' };
    expect(patchBody(buildJob(values).input, storedJob)).toEqual({ runAt: new Date(2030, 0, 2, 3, 4, 5).toISOString() });
  });

  it('sends the bounds and pauseAfterFailures of a recurring job, and names the ones it can tell are wrong', () => {
    const { input, errors } = buildJob(filled({ startAt: '2030-01-02T03:04:05', endAt: '2030-02-01T00:00:00', maxRuns: '10', pauseAfterFailures: '5' }));
    expect(errors).toEqual({});
    expect(input).toMatchObject({
      startAt: new Date(2030, 0, 2, 3, 4, 5).toISOString(),
      endAt: new Date(2030, 1, 1).toISOString(),
      maxRuns: 10,
      pauseAfterFailures: 5,
    });
    const wrong = buildJob(filled({ startAt: '2030-02-01T00:00:00', endAt: '2030-01-01T00:00:00', maxRuns: '0', pauseAfterFailures: 'x' })).errors;
    expect(Object.keys(wrong).sort()).toEqual(['endAt', 'maxRuns', 'pauseAfterFailures']);
    expect(createBody(buildJob(filled({})).input)).not.toHaveProperty('maxRuns');
  });

  it('clears the bounds when a recurring job becomes one-time', () => {
    const bounded: Job = { ...storedJob, maxRuns: 10, endAt: '2030-01-01T00:00:00.000Z' };
    const values = { ...valuesFromJob(bounded), kind: 'once' as const, runAt: '2030-01-02T03:04:05' };
    expect(patchBody(buildJob(values).input, bounded)).toEqual({ runAt: new Date(2030, 0, 2, 3, 4, 5).toISOString(), maxRuns: null, endAt: null });
  });

  it('sends back only the fields that changed', () => {
    const values = { ...valuesFromJob(storedJob), schedule: '0 30 6 * * MON-FRI', maxAttempts: '5', headers: '' };
    expect(patchBody(buildJob(values).input, storedJob)).toEqual({
      schedule: '0 30 6 * * MON-FRI',
      headers: {},
      retry: { maxAttempts: 5, minBackoffMs: 1000, maxBackoffMs: 60000 },
    });
  });

  it('sends a jitter as a number, and only when it changed', () => {
    expect(buildJob(filled({ jitterMs: '30000' })).input.jitterMs).toBe(30_000);
    expect(buildJob(filled({ jitterMs: '86400001' })).errors.jitterMs).toBeDefined();
    const values = { ...valuesFromJob({ ...storedJob, jitterMs: 60_000 }), jitterMs: '120000' };
    expect(patchBody(buildJob(values).input, { ...storedJob, jitterMs: 60_000 })).toEqual({ jitterMs: 120_000 });
  });
});
