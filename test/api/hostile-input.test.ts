import { expect, it } from 'vitest';
import { MINIMAL_JOB, createJob, describeApi, problemOf } from './harness.js';

describeApi('hostile input gets a clear 4xx', (context) => {
  const post = (payload: string | Record<string, unknown>) =>
    context().app.inject({ method: 'POST', url: '/api/v1/jobs', payload, headers: { 'content-type': 'application/json' } });

  it.each(['/api/v1/jobs/%E0%A4%A', '/api/v1/jobs/%zz', '/%'])('answers bad percent-encoding in the path %s with 400 naming the path', async (url) => {
    expect(problemOf(await context().app.inject({ method: 'GET', url }))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property: 'path' });
  });

  it('answers a NUL in the name filter with 400 naming name, not cursor', async () => {
    const problem = problemOf(await context().app.inject({ method: 'GET', url: '/api/v1/jobs?name=%00' }));
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property: 'name' });
  });

  it('still blames the cursor for a cursor it never handed out', async () => {
    expect(problemOf(await context().app.inject({ method: 'GET', url: '/api/v1/jobs?cursor=bogus' }))).toMatchObject({ status: 400, property: 'cursor' });
  });

  it.each([
    ['__proto__ in the payload', `{"schedule":"0 0 * * * *","api":"http://localhost:4444/a","type":"AT_LEAST_ONCE","payload":{"__proto__":{"admin":true}}}`],
    ['constructor.prototype in the payload', `{"schedule":"0 0 * * * *","api":"http://localhost:4444/a","type":"AT_LEAST_ONCE","payload":{"constructor":{"prototype":{"x":1}}}}`],
    ['__proto__ at the top', `{"__proto__":{},"schedule":"0 0 * * * *","api":"http://localhost:4444/a","type":"AT_LEAST_ONCE"}`],
  ])('refuses %s saying which keys are refused, not that the JSON is invalid', async (_case, body) => {
    const problem = problemOf(await post(body));
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property: 'body' });
    expect(problem.detail).toContain('__proto__');
    expect(await context().jobCount()).toBe(0);
  });

  it('keeps a payload whose keys or texts merely mention those words', async () => {
    const job = await createJob(context().app, { payload: { constructor: 'Ada', note: '"__proto__" is a word' } });
    expect(job.payload).toEqual({ constructor: 'Ada', note: '"__proto__" is a word' });
  });

  it('still answers invalid JSON that mentions __proto__ as invalid JSON', async () => {
    expect(problemOf(await post('{"payload": {"__proto__": }'))).toMatchObject({ status: 400, detail: 'The body is not valid JSON' });
  });

  it.each(['1e999', '-1e999'])('refuses payload %s (no JSON number) naming payload, instead of storing null', async (number) => {
    const body = `{"schedule":"0 0 * * * *","api":"http://localhost:4444/a","type":"AT_LEAST_ONCE","payload":{"amount":${number}}}`;
    expect(problemOf(await post(body))).toMatchObject({ status: 400, property: 'payload.amount' });
    expect(await context().jobCount()).toBe(0);
  });

  it.each(['http://user:secret@localhost:4444/a', 'http://user@localhost:4444/a'])('refuses credentials in the target %s', async (api) => {
    const problem = problemOf(await post({ ...MINIMAL_JOB, api }));
    expect(problem).toMatchObject({ status: 400, property: 'api' });
    expect(problem.detail).not.toContain('secret');
  });

  it.each(['X-Job-Id', 'x-execution-id', 'X-Attempt', 'Idempotency-Key', 'webhook-signature', 'Webhook-Id'])(
    'refuses the header %s, which the scheduler sets itself',
    async (name) => {
      expect(problemOf(await post({ ...MINIMAL_JOB, headers: { [name]: 'x' } }))).toMatchObject({ status: 400, property: `headers.${name}` });
    },
  );

  it('says an inactive job is inactive, not deleted, when asked to run it', async () => {
    const job = await createJob(context().app);
    await context().app.inject({ method: 'PATCH', url: `/api/v1/jobs/${job.id as string}`, payload: { isActive: false } });
    const problem = problemOf(await context().app.inject({ method: 'POST', url: `/api/v1/jobs/${job.id as string}/run` }));
    expect(problem).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(problem.detail).toContain('inactive');
    expect(problem.detail).not.toContain('deleted');
  });

  it('refuses a runAt already past under misfirePolicy skip, which would only be recorded MISSED', async () => {
    const body = { api: MINIMAL_JOB.api, type: MINIMAL_JOB.type, runAt: '2026-03-04T11:00:00Z' };
    const problem = problemOf(await post(body));
    expect(problem).toMatchObject({ status: 400, property: 'runAt' });
    expect(problem.detail).toContain('fire_once');
    const fired = await createJob(context().app, { schedule: undefined, runAt: '2026-03-04T11:00:00Z', misfirePolicy: 'fire_once' });
    expect(fired.nextRunAt).toBe('2026-03-04T11:00:00.000Z');
    // A client clock a little behind still names "now".
    expect((await post({ ...body, runAt: '2026-03-04T11:59:30Z' })).statusCode).toBe(201);
  });

  it('refuses a past runAt given in a PATCH of a job under skip', async () => {
    const job = await createJob(context().app);
    const response = await context().app.inject({ method: 'PATCH', url: `/api/v1/jobs/${job.id as string}`, payload: { runAt: '2025-01-01T00:00:00Z' } });
    expect(problemOf(response)).toMatchObject({ status: 400, property: 'runAt' });
  });
});
