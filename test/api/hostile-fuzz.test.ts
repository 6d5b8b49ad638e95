import fc from 'fast-check';
import { expect, it } from 'vitest';
import { MINIMAL_JOB, describeApi } from './harness.js';

/** Instants from year 0 to 10000, written with and without offsets and fractions, some impossible. */
const dateText = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 0, max: 10_000 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 24 }),
      fc.constantFrom('Z', 'z', '+00:00', '-05:00', '+14:00', '+01:00', '-23:59', ''),
      fc.constantFrom('', '.5', '.123456789'),
    )
    .map(([year, month, day, hour, offset, fraction]) => {
      const pad = (n: number, width = 2) => String(n).padStart(width, '0');
      return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:30:00${fraction}${offset}`;
    }),
  fc.date({ min: new Date('1960-01-01'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom('0000-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59.999Z', '1970-01-01T00:00:00Z', 'now', ''),
);

/** Zone names: real ones in any case, aliases, and garbage. */
const zoneText = fc.oneof(
  fc
    .tuple(fc.constantFrom('America/New_York', 'Europe/Paris', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'UTC', 'US/Eastern', 'Etc/GMT+5'), fc.array(fc.boolean(), { maxLength: 24 }))
    .map(([zone, upper]) => [...zone].map((char, i) => (upper[i] ? char.toUpperCase() : char.toLowerCase())).join('')),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('Mars/Olympus', '../../etc/passwd', 'America/New York', ' UTC', 'UTC\u0000'),
);

const headerValue = fc.oneof(fc.stringMatching(/^[ -~]{0,40}$/), fc.string({ maxLength: 20 }));

/** Headers a client (or a hostile page) may send with a request. */
const hostileHeaders = fc.record(
  {
    host: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('localhost', '127.0.0.1:8080', '[::1]') },
      { weight: 1, arbitrary: fc.constantFrom('evil.example', 'localhost.evil.example', '', '127.0.0.1:99999') },
    ),
    origin: fc.constantFrom('http://localhost', 'http://evil.example', 'null', 'http://127.0.0.1:8080', 'file://'),
    'if-match': fc.oneof(fc.constantFrom('W/"1"', '*', 'W/"999999999"', 'garbage', '"1"'), headerValue),
    'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'),
    'x-request-id': headerValue,
  },
  { requiredKeys: [] },
);

/** Mostly what a well-behaved client sends, so the run reaches past the first checks. */
const requestHeaders = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ 'content-type': 'application/json' }) },
  { weight: 2, arbitrary: hostileHeaders },
);

/** Path segments that are ids, near-ids, words, bad percent-encoding and traversal. */
const segment = fc.oneof(
  fc.uuid(),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '%2e%2e', 'jobs', 'run', 'pause', 'resume', 'schedule', 'history', 'batch', '0'),
  fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/),
);

const path = fc.oneof(
  fc.array(segment, { maxLength: 4 }).map((parts) => `/api/v1/jobs/${parts.join('/')}`),
  fc.array(segment, { maxLength: 3 }).map((parts) => `/${parts.join('/')}`),
  fc
    .tuple(fc.constantFrom('limit', 'cursor', 'name', 'active', 'count', 'from', 'expression', 'timezone'), fc.oneof(fc.string({ maxLength: 12 }), dateText, zoneText))
    .map(([name, value]) => `/api/v1/jobs?${name}=${encodeURIComponent(value)}`),
  fc.tuple(dateText, zoneText, fc.integer({ min: -1, max: 2000 })).map(
    ([from, zone, count]) =>
      `/api/v1/schedules/preview?expression=${encodeURIComponent('0 0 0 1 1 *')}&timezone=${encodeURIComponent(zone)}&from=${encodeURIComponent(from)}&count=${count}`,
  ),
);

/** A job body with hostile dates, zones and headers. */
const jobBody = fc
  .record(
    {
      timezone: zoneText,
      headers: fc.dictionary(fc.oneof(fc.constantFrom('X-Job-Id', 'User-Agent', 'Host', 'webhook-signature', '__proto__'), fc.stringMatching(/^X-[A-Za-z0-9-]{1,8}$/)), fc.stringMatching(/^[ -~]{0,20}$/), {
        maxKeys: 2,
      }),
      api: fc.constantFrom(MINIMAL_JOB.api, MINIMAL_JOB.api, MINIMAL_JOB.api, 'http://user:secret@localhost/', 'http://[2002:a9fe:a9fe::]/', 'http://100.100.100.200/', 'http://[::ffff:0:a9fe:a9fe]/'),
      misfirePolicy: fc.constantFrom('skip', 'fire_once'),
      payload: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: ['api'] },
  )
  .chain((body) =>
    fc
      .oneof(fc.record({ runAt: dateText }), fc.record({ schedule: fc.constantFrom('* * * * * *', '0 0 0 1 1 *', '61 * * * * *') }), fc.constant({}))
      .map((timing) => ({ type: MINIMAL_JOB.type, ...body, ...timing })),
  );

type Request = { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; headers: Record<string, string>; payload?: string };

const request: fc.Arbitrary<Request> = fc.oneof(
  fc.tuple(path, requestHeaders).map(([url, headers]) => ({ method: 'GET' as const, url, headers })),
  fc.tuple(jobBody, requestHeaders).map(([body, headers]) => ({ method: 'POST' as const, url: '/api/v1/jobs', headers, payload: JSON.stringify(body) })),
  fc.tuple(path, requestHeaders, fc.constantFrom('POST', 'DELETE') as fc.Arbitrary<'POST' | 'DELETE'>).map(([url, headers, method]) => ({ method, url, headers })),
  fc.tuple(jobBody, requestHeaders).map(([body, headers]) => ({ method: 'PATCH' as const, url: '/api/v1/jobs/{existing}', headers, payload: JSON.stringify(body) })),
);

describeApi('hostile requests', (context) => {
  it('answers 1,200 generated requests (dates, zones, headers, paths) without a 5xx and writes a job only when it says so', async () => {
    const existing = (await context().app.inject({ method: 'POST', url: '/api/v1/jobs', payload: MINIMAL_JOB })).json<{ id: string }>().id;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (generated) => {
        const before = await context().jobCount();
        const versionBefore = (await context().store.jobGet(existing)).version;
        const response = await context().app.inject({
          method: generated.method,
          url: generated.url.replace('{existing}', existing),
          headers: generated.headers,
          ...(generated.payload === undefined ? {} : { payload: generated.payload }),
        });
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        expect(response.statusCode, response.body).toBeLessThan(500);
        const after = await context().jobCount();
        const created = generated.method === 'POST' && response.statusCode === 201;
        expect(after).toBe(before + (created ? 1 : 0));
        if (created) {
          // What was answered is what is stored, to the millisecond and the zone's spelling.
          const job = response.json<{ id: string; runAt: string | null; timezone: string; nextRunAt: string | null }>();
          const stored = await context().store.jobGet(job.id);
          expect([stored.runAt?.toISOString() ?? null, stored.timezone, stored.nextRunAt?.toISOString() ?? null]).toEqual([job.runAt, job.timezone, job.nextRunAt]);
        }
        if (generated.method === 'PATCH' && response.statusCode !== 200) {
          expect((await context().store.jobGet(existing)).version).toBe(versionBefore);
        }
      }),
      { numRuns: 1200 },
    );
    // The run reached past validation too, not only refusals.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
  });
});
