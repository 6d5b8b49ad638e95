import { expect, it } from 'vitest';
import { MINIMAL_JOB, describeApi, problemOf } from './harness.js';

describeApi(
  'API keys',
  (context) => {
    const call = (url: string, authorization?: string, method: 'GET' | 'POST' = 'GET') =>
      context().app.inject({
        method,
        url,
        headers: authorization === undefined ? {} : { authorization },
        ...(method === 'POST' ? { payload: MINIMAL_JOB } : {}),
      });

    it('answers 401 with WWW-Authenticate to an /api request without a key, and creates nothing', async () => {
      const response = await call('/api/v1/jobs', undefined, 'POST');
      expect(problemOf(response)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(await context().jobCount()).toBe(0);
    });

    it.each([
      ['a wrong key', 'Bearer wrong-key'],
      ['a key that only starts like a right one', 'Bearer first-secret-key-and-more'],
      ['a right key in another scheme', 'Basic first-secret-key'],
      ['an empty bearer', 'Bearer '],
    ])('answers 401 to %s', async (_case, authorization) => {
      expect(problemOf(await call('/api/v1/jobs', authorization))).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    });

    it('accepts each configured key', async () => {
      expect((await call('/api/v1/jobs', 'Bearer first-secret-key')).statusCode).toBe(200);
      expect((await call('/api/v1/jobs', 'bearer second-secret-key')).statusCode).toBe(200);
      expect((await call('/api/v1/jobs', 'Bearer second-secret-key', 'POST')).statusCode).toBe(201);
    });

    it('checks the key before anything else, even for unknown jobs and bad bodies', async () => {
      expect((await call('/api/v1/jobs/nope')).statusCode).toBe(401);
      const bad = await context().app.inject({ method: 'POST', url: '/api/v1/jobs', payload: 'not json', headers: { 'content-type': 'application/json' } });
      expect(bad.statusCode).toBe(401);
    });

    it('leaves /health, /ready, /openapi.json and /docs open', async () => {
      for (const url of ['/health', '/ready', '/openapi.json']) expect((await call(url)).statusCode).toBe(200);
      expect([200, 302]).toContain((await call('/docs')).statusCode);
    });
  },
  { apiKeys: ['first-secret-key', 'second-secret-key'] },
);
