import fc from 'fast-check';
import { expect, it } from 'vitest';
import { MINIMAL_JOB, createJob, describeApi } from './harness.js';

/** Values a field accepts. */
const validValue = {
  name: fc.oneof(fc.string({ maxLength: 50 }), fc.constant(null)),
  description: fc.oneof(fc.string({ maxLength: 100 }), fc.constant(null)),
  timezone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe'),
  api: fc.webUrl({ validSchemes: ['http', 'https'] }),
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
  headers: fc.dictionary(fc.stringMatching(/^X-[A-Za-z0-9-]{1,12}$/), fc.stringMatching(/^[ -~]{0,30}$/), { maxKeys: 3 }),
  payload: fc.jsonValue({ maxDepth: 3 }),
  timeoutMs: fc.integer({ min: 1, max: 300_000 }),
  type: fc.constantFrom('AT_LEAST_ONCE', 'AT_MOST_ONCE', 'ATLEAST_ONCE', 'ATMOST_ONCE'),
  retry: fc
    .tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }))
    .map(([maxAttempts, a, b]) => ({ maxAttempts, minBackoffMs: Math.min(a, b), maxBackoffMs: Math.max(a, b) })),
  misfirePolicy: fc.constantFrom('skip', 'fire_once', 'fire_all'),
  overlapPolicy: fc.constantFrom('allow', 'forbid'),
  onFailure: fc.oneof(fc.webUrl({ validSchemes: ['http', 'https'] }), fc.constant(null)),
  isActive: fc.boolean(),
};

const validTiming = fc.oneof(
  fc.record({ schedule: fc.constantFrom('* * * * * *', '0 0 9 * * MON-FRI', '31 10-15 1 * * MON-FRI', '@daily', '0 0 0 L * ?', '0 0 0 ? * 5#3') }),
  fc.record({
    runAt: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
  }),
);

/** Values that are wrong for a field in one way or another (or, by chance, right). */
const wildValue = fc.oneof(
  fc.constantFrom('61 * * * * *', '* * * *', 'a b c d e f', '*/0 * * * * *', '0 0 0 30 2 *', '', ' ', 'Mars/Base', 'utc'),
  fc.constantFrom('http://169.254.169.254/', 'http://[::ffff:169.254.169.254]/', 'ftp://x/', 'http://', 'localhost:80'),
  fc.constantFrom('2026-02-30T00:00:00Z', '2026-03-05T10:00:00', 'true', 'false', 'get', 'EXACTLY_ONCE', 'SKIP'),
  fc.constantFrom(-1, 0, 1.5, 1e12, { 'Host': 'x' }, { 'Bad Name': 'x' }, { 'X-A': 'a\r\nb' }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.string(),
);

const fieldNames = [...Object.keys(validValue), 'schedule', 'runAt'];

/** One way of spoiling a body: a wrong value, an unknown field, or a field taken away. */
const spoil = fc.oneof(
  fc.tuple(fc.constantFrom(...fieldNames), wildValue).map(([field, value]) => (body: Record<string, unknown>) => ({ ...body, [field]: value })),
  fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue()).map(([field, value]) => (body: Record<string, unknown>) => ({ [field]: value, ...body })),
  fc.constantFrom(...fieldNames).map((field) => (body: Record<string, unknown>) => {
    const { [field]: _removed, ...rest } = body;
    return rest;
  }),
);

/** Half of the bodies are valid, half spoiled in one to three ways. */
function bodies(required: boolean): fc.Arbitrary<Record<string, unknown>> {
  const valid = fc
    .tuple(fc.record(validValue, { requiredKeys: required ? ['api', 'type'] : [] }), required ? validTiming : fc.option(validTiming, { nil: {} }))
    .map(([fields, timing]) => ({ ...fields, ...timing }) as Record<string, unknown>);
  return fc
    .tuple(valid, fc.oneof(fc.constant([]), fc.array(spoil, { minLength: 1, maxLength: 3 })))
    .map(([body, spoilers]) => spoilers.reduce((spoilt, apply) => apply(spoilt), body));
}

/** Mostly job-like bodies; sometimes any JSON at all, or text that is not JSON. */
function anyBody(required: boolean): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: bodies(required).map((body) => JSON.stringify(body)) },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.string() },
  );
}

describeApi('random bodies', (context) => {
  it('POST /api/v1/jobs never answers 5xx and stores a job exactly when it answers 201', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(anyBody(true), async (raw) => {
        const before = await context().jobCount();
        const response = await context().app.inject({ method: 'POST', url: '/api/v1/jobs', payload: raw, headers: { 'content-type': 'application/json' } });
        expect(response.statusCode).toBeLessThan(500);
        expect([201, 400]).toContain(response.statusCode);
        seen.add(response.statusCode);
        if (response.statusCode === 400) expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(await context().jobCount()).toBe(before + (response.statusCode === 201 ? 1 : 0));
      }),
      { numRuns: 150 },
    );
    // The bodies reach both outcomes, so neither half of the property is vacuous.
    expect([...seen].sort()).toEqual([201, 400]);
  });

  it('PATCH /api/v1/jobs/{id} never answers 5xx and leaves the job untouched when it refuses', async () => {
    const job = await createJob(context().app, { ...MINIMAL_JOB, name: 'target' });
    const url = `/api/v1/jobs/${job.id as string}`;
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(anyBody(false), async (raw) => {
        const before = (await context().app.inject({ method: 'GET', url })).json();
        const response = await context().app.inject({ method: 'PATCH', url, payload: raw, headers: { 'content-type': 'application/json' } });
        expect([200, 400]).toContain(response.statusCode);
        seen.add(response.statusCode);
        const after = (await context().app.inject({ method: 'GET', url })).json();
        if (response.statusCode === 400) expect(after).toEqual(before);
        else expect(after.version).toBe(before.version + 1);
        expect(await context().jobCount()).toBe(1);
      }),
      { numRuns: 150 },
    );
    expect([...seen].sort()).toEqual([200, 400]);
  });

  it('POST /api/v1/jobs/batch is all or nothing for random lists', async () => {
    const list = fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant(MINIMAL_JOB as Record<string, unknown>) }, { weight: 1, arbitrary: bodies(true) }), {
      minLength: 1,
      maxLength: 8,
    });
    await fc.assert(
      fc.asyncProperty(list, async (jobs) => {
        const before = await context().jobCount();
        const response = await context().app.inject({ method: 'POST', url: '/api/v1/jobs/batch', payload: { jobs } });
        expect([201, 400]).toContain(response.statusCode);
        expect(await context().jobCount()).toBe(before + (response.statusCode === 201 ? jobs.length : 0));
      }),
      { numRuns: 60 },
    );
  });
});
