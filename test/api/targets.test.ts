import { expect, it } from 'vitest';
import { describeApi, problemOf } from './harness.js';

describeApi('target policies', (context) => {
  const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    context().app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as string }) });
  const create = async (body: Record<string, unknown>) => {
    const response = await inject('POST', '/api/v1/targets', body);
    expect(response.statusCode).toBe(201);
    return response.json() as Record<string, unknown>;
  };

  it('creates, reads, lists, changes and deletes a policy, with its version as ETag', async () => {
    const created = await inject('POST', '/api/v1/targets', { name: 'payments', pattern: 'HTTPS://API.Example.com:443', maxConcurrent: 20, maxPerSecond: 100 });
    expect(created.statusCode).toBe(201);
    const policy = created.json();
    expect(policy).toMatchObject({ name: 'payments', pattern: 'https://api.example.com', maxConcurrent: 20, maxPerSecond: 100, version: 1 });
    expect(created.headers.location).toBe(`/api/v1/targets/${policy.id as string}`);
    expect(created.headers.etag).toBe('W/"1"');

    await create({ name: 'all of example', pattern: '*.example.com', maxPerSecond: 500 });
    const list = (await inject('GET', '/api/v1/targets')).json();
    expect(list.items.map((item: { name: string }) => item.name)).toEqual(['all of example', 'payments']);
    expect((await inject('GET', `/api/v1/targets/${policy.id as string}`)).json()).toEqual(policy);

    const changed = await inject('PATCH', `/api/v1/targets/${policy.id as string}`, { maxConcurrent: null }, { 'if-match': 'W/"1"' });
    expect(changed.json()).toMatchObject({ maxConcurrent: null, maxPerSecond: 100, version: 2 });
    const stale = await inject('PATCH', `/api/v1/targets/${policy.id as string}`, { maxPerSecond: 5 }, { 'if-match': 'W/"1"' });
    expect(problemOf(stale)).toMatchObject({ status: 412, code: 'PRECONDITION_FAILED' });

    expect((await inject('DELETE', `/api/v1/targets/${policy.id as string}`)).statusCode).toBe(204);
    expect(problemOf(await inject('GET', `/api/v1/targets/${policy.id as string}`))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(problemOf(await inject('DELETE', `/api/v1/targets/${policy.id as string}`))).toMatchObject({ status: 404 });
    expect(problemOf(await inject('GET', '/api/v1/targets/not-a-uuid'))).toMatchObject({ status: 404 });
  });

  it.each([
    ['a pattern with a path', { pattern: 'https://api.example.com/v1' }, 'pattern'],
    ['a pattern that is not a host', { pattern: 'api example com' }, 'pattern'],
    ['a wildcard inside a name', { pattern: 'api.*.example.com' }, 'pattern'],
    ['an ftp origin', { pattern: 'ftp://files.example.com' }, 'pattern'],
    ['no limit at all', { maxConcurrent: null, maxPerSecond: null }, 'maxConcurrent'],
    ['a concurrency of 0', { maxConcurrent: 0 }, 'maxConcurrent'],
    ['a fractional rate', { maxPerSecond: 2.5 }, 'maxPerSecond'],
    ['a rate as text', { maxPerSecond: '10' }, 'maxPerSecond'],
    ['a blank name', { name: '   ' }, 'name'],
    ['an unknown field', { burst: 3 }, 'burst'],
  ])('refuses %s with 400 naming the field', async (_case, change, property) => {
    const response = await inject('POST', '/api/v1/targets', { name: 'p', pattern: 'api.example.com', maxConcurrent: 5, ...change });
    expect(problemOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property });
  });

  it('refuses a second policy with the same name or the same pattern, however spelled, as a conflict', async () => {
    await create({ name: 'api', pattern: 'https://api.example.com', maxConcurrent: 5 });
    const samePattern = await inject('POST', '/api/v1/targets', { name: 'other', pattern: 'https://API.example.com:443/', maxConcurrent: 5 });
    expect(problemOf(samePattern)).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(problemOf(samePattern).detail).toContain('pattern');
    const sameName = await inject('POST', '/api/v1/targets', { name: 'api', pattern: 'api.example.com', maxConcurrent: 5 });
    expect(problemOf(sameName).detail).toContain('name');
  });

  it('refuses a change that would leave a policy without any limit, naming maxConcurrent', async () => {
    const policy = await create({ name: 'api', pattern: 'api.example.com', maxConcurrent: 5 });
    const response = await inject('PATCH', `/api/v1/targets/${policy.id as string}`, { maxConcurrent: null });
    expect(problemOf(response)).toMatchObject({ status: 400, property: 'maxConcurrent' });
  });
});
