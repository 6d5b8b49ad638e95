import { expect, it } from 'vitest';
import { MINIMAL_JOB, createJob, describeApi, problemOf } from './harness.js';

describeApi('POST /api/v1/jobs', (context) => {
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    context().app.inject({ method: 'POST', url: '/api/v1/jobs', payload: payload as string, headers });

  it('creates a job from the minimal body and answers 201 with its id, jobId and nextRunAt', async () => {
    const response = await post(MINIMAL_JOB);
    expect(response.statusCode).toBe(201);
    const job = response.json();
    expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.jobId).toBe(job.id);
    // Second 31 of minutes 10-15 of hour 1, Monday to Friday: after Wednesday noon comes Thursday 01:10:31.
    expect(job.nextRunAt).toBe('2026-03-05T01:10:31.000Z');
    expect(job).toMatchObject({ type: 'AT_LEAST_ONCE', timezone: 'UTC', method: 'POST', isActive: true, paused: false, version: 1 });
    expect(response.headers.location).toBe(`/api/v1/jobs/${job.id}`);
    expect(response.headers.etag).toBe('W/"1"');
  });

  it('stores the ATMOST_ONCE alias in its canonical form', async () => {
    const job = await createJob(context().app, { type: 'ATMOST_ONCE' });
    expect(job.type).toBe('AT_MOST_ONCE');
    const stored = await context().store.jobGet(job.id as string);
    expect(stored.type).toBe('AT_MOST_ONCE');
  });

  it('accepts every optional field and gives them back as sent', async () => {
    const job = await createJob(context().app, {
      name: 'nightly report',
      description: 'Sends the report',
      schedule: '0 30 9 * * *',
      timezone: 'Europe/Paris',
      method: 'PUT',
      headers: { 'X-Token': 'abc' },
      payload: { report: 'daily', sizes: [1, 2] },
      timeoutMs: 2500,
      type: 'AT_MOST_ONCE',
      retry: { maxAttempts: 5, minBackoffMs: 10, maxBackoffMs: 100 },
      misfirePolicy: 'fire_once',
      overlapPolicy: 'forbid',
      onFailure: 'https://alerts.example.com/hook',
      isActive: false,
    });
    expect(job).toMatchObject({
      name: 'nightly report',
      description: 'Sends the report',
      timezone: 'Europe/Paris',
      method: 'PUT',
      headers: { 'X-Token': 'abc' },
      payload: { report: 'daily', sizes: [1, 2] },
      timeoutMs: 2500,
      retry: { maxAttempts: 5, minBackoffMs: 10, maxBackoffMs: 100 },
      misfirePolicy: 'fire_once',
      overlapPolicy: 'forbid',
      onFailure: 'https://alerts.example.com/hook',
      isActive: false,
    });
    // 09:30 in Paris (UTC+1 in March before the switch) is 08:30Z; 12:00Z has passed, so tomorrow.
    expect(job.nextRunAt).toBe('2026-03-05T08:30:00.000Z');
  });

  it('refuses a payload nested 100,000 levels deep with 400, not a stack overflow', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const raw = `{"schedule": "* * * * * *", "api": "http://localhost/", "type": "AT_MOST_ONCE", "payload": ${deep}}`;
    const response = await post(raw, { 'content-type': 'application/json' });
    expect(problemOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property: 'payload' });
  });

  it('accepts a payload nested 32 levels deep', async () => {
    const payload: unknown = JSON.parse(`${'{"a":'.repeat(31)}[]${'}'.repeat(31)}`);
    const job = await createJob(context().app, { payload });
    expect(job.payload).toEqual(payload);
  });

  it('fills a partial retry object with the defaults', async () => {
    const job = await createJob(context().app, { retry: { maxAttempts: 7 } });
    expect(job.retry).toEqual({ maxAttempts: 7, minBackoffMs: 1000, maxBackoffMs: 60000 });
  });

  it('creates a one-time job from runAt, due at that instant', async () => {
    const { schedule: _schedule, ...body } = MINIMAL_JOB;
    const response = await post({ ...body, runAt: '2026-03-05T10:00:00+02:00' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ schedule: null, runAt: '2026-03-05T08:00:00.000Z', nextRunAt: '2026-03-05T08:00:00.000Z' });
  });

  it('refuses an invalid cron expression, naming the cron field and the token', async () => {
    const response = await post({ ...MINIMAL_JOB, schedule: '0 61 * * * *' });
    expect(response.statusCode).toBe(400);
    const problem = problemOf(response);
    expect(problem).toMatchObject({ code: 'CRON_INVALID', property: 'schedule', field: 'minute', token: '61' });
    expect(problem.detail).toContain('minute');
    expect(problem.detail).toContain('61');
  });

  it.each([
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, 'TIMEZONE_INVALID', 'timezone'],
    ['a non-http target', { api: 'ftp://example.com/file' }, 'VALIDATION_FAILED', 'api'],
    ['a malformed target', { api: 'not a url' }, 'VALIDATION_FAILED', 'api'],
    ['an unknown type', { type: 'EXACTLY_ONCE' }, 'VALIDATION_FAILED', 'type'],
    ['an unknown field', { colour: 'red' }, 'VALIDATION_FAILED', 'colour'],
    ['an unknown field inside retry', { retry: { attempts: 3 } }, 'VALIDATION_FAILED', 'retry.attempts'],
    ['"true" for a boolean', { isActive: 'true' }, 'VALIDATION_FAILED', 'isActive'],
    ['5 for a string', { name: 5 }, 'VALIDATION_FAILED', 'name'],
    ['"100" for an integer', { timeoutMs: '100' }, 'VALIDATION_FAILED', 'timeoutMs'],
    ['a fractional integer', { timeoutMs: 1.5 }, 'VALIDATION_FAILED', 'timeoutMs'],
    ['both schedule and runAt', { runAt: '2026-03-05T10:00:00Z' }, 'VALIDATION_FAILED', 'runAt'],
    ['an impossible runAt date', { schedule: undefined, runAt: '2026-02-30T10:00:00Z' }, 'VALIDATION_FAILED', 'runAt'],
    ['a runAt without offset', { schedule: undefined, runAt: '2026-03-05T10:00:00' }, 'VALIDATION_FAILED', 'runAt'],
    ['a lowercase method', { method: 'post' }, 'VALIDATION_FAILED', 'method'],
    ['a header with a line break', { headers: { 'X-A': 'a\r\nInjected: 1' } }, 'VALIDATION_FAILED', 'headers.X-A'],
    ['a header value outside printable ASCII', { headers: { 'X-A': 'café €' } }, 'VALIDATION_FAILED', 'headers.X-A'],
    ['a NUL character in the payload', { payload: { note: 'a\u0000b' } }, 'VALIDATION_FAILED', 'payload.note'],
    ['an unpaired surrogate in the name', { name: 'broken \ud800' }, 'VALIDATION_FAILED', 'name'],
    ['a payload nested 33 levels deep', { payload: JSON.parse('['.repeat(33) + ']'.repeat(33)) }, 'VALIDATION_FAILED', 'payload'],
    ['a header the scheduler owns', { headers: { Host: 'evil.example' } }, 'VALIDATION_FAILED', 'headers.Host'],
    ['minBackoffMs above maxBackoffMs', { retry: { minBackoffMs: 10, maxBackoffMs: 5 } }, 'VALIDATION_FAILED', 'retry.minBackoffMs'],
    ['a zero timeout', { timeoutMs: 0 }, 'VALIDATION_FAILED', 'timeoutMs'],
    ['a metadata-address target', { api: 'http://169.254.169.254/latest/meta-data' }, 'TARGET_FORBIDDEN', 'api'],
    ['an IPv6 metadata target', { api: 'http://[fd00:ec2::254]/' }, 'TARGET_FORBIDDEN', 'api'],
    ['an IPv4-mapped metadata target', { api: 'http://[::ffff:169.254.169.254]/' }, 'TARGET_FORBIDDEN', 'api'],
    ['a decimal-encoded metadata target', { api: 'http://2852039166/' }, 'TARGET_FORBIDDEN', 'api'],
    ['a forbidden onFailure target', { onFailure: 'http://169.254.0.1/' }, 'TARGET_FORBIDDEN', 'onFailure'],
  ])('refuses %s with 400 naming the field', async (_case, change, code, property) => {
    const before = await context().jobCount();
    const response = await post({ ...MINIMAL_JOB, ...change });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response)).toMatchObject({ code, property });
    expect(await context().jobCount()).toBe(before);
  });

  it('refuses a body without schedule or runAt', async () => {
    const response = await post({ api: MINIMAL_JOB.api, type: MINIMAL_JOB.type });
    expect(problemOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property: 'schedule' });
  });

  it('refuses a body missing a required field, naming it', async () => {
    const response = await post({ schedule: MINIMAL_JOB.schedule, type: MINIMAL_JOB.type });
    expect(problemOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property: 'api' });
    expect(problemOf(response).detail).toContain('"api"');
  });

  it.each([
    ['an array', '[1, 2]'],
    ['a string', '"job"'],
    ['null', 'null'],
    ['a number', '42'],
  ])('refuses %s as body with 400', async (_case, raw) => {
    const response = await post(raw, { 'content-type': 'application/json' });
    expect(problemOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('refuses malformed JSON with 400', async () => {
    const response = await post('{"schedule": ', { 'content-type': 'application/json' });
    expect(problemOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property: 'body' });
  });

  it('refuses an empty body with 400', async () => {
    const response = await post('', { 'content-type': 'application/json' });
    expect(problemOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('answers 415 to a body that is not JSON', async () => {
    const response = await post('schedule=* * * * * *', { 'content-type': 'application/x-www-form-urlencoded' });
    const problem = problemOf(response);
    expect(problem).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(problem.detail).toContain('application/x-www-form-urlencoded');
  });

  it('answers 413 to a body over 1 MiB and stores nothing', async () => {
    const response = await post({ ...MINIMAL_JOB, payload: 'x'.repeat(1024 * 1024) });
    expect(problemOf(response)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(await context().jobCount()).toBe(0);
  });

  it('accepts a JSON body just under 1 MiB', async () => {
    const response = await post({ ...MINIMAL_JOB, payload: 'x'.repeat(1000 * 1000) });
    expect(response.statusCode).toBe(201);
  });
});

describeApi(
  'POST /api/v1/jobs with JOBSCHEDULER_ALLOWED_TARGETS',
  (context) => {
    const post = (api: string, extra: Record<string, unknown> = {}) =>
      context().app.inject({ method: 'POST', url: '/api/v1/jobs', payload: { ...MINIMAL_JOB, api, ...extra } });

    it('accepts targets whose host matches a pattern', async () => {
      expect((await post('https://hooks.example.com/a')).statusCode).toBe(201);
      expect((await post('http://localhost:4444/foo')).statusCode).toBe(201);
    });

    it('refuses targets whose host matches no pattern, and onFailure alike', async () => {
      expect(problemOf(await post('https://example.org/'))).toMatchObject({ status: 400, code: 'TARGET_FORBIDDEN', property: 'api' });
      expect(problemOf(await post('https://example.com/'))).toMatchObject({ code: 'TARGET_FORBIDDEN' });
      const onFailure = await post('https://hooks.example.com/a', { onFailure: 'https://elsewhere.net/' });
      expect(problemOf(onFailure)).toMatchObject({ code: 'TARGET_FORBIDDEN', property: 'onFailure' });
    });
  },
  { allowedTargets: ['*.example.com', 'localhost'] },
);
