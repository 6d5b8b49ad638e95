import { expect, it } from 'vitest';
import { createJob, describeApi, problemOf } from './harness.js';

describeApi('Host and Origin without API keys', (context) => {
  const get = (url: string, headers: Record<string, string>) => context().app.inject({ method: 'GET', url, headers });

  it.each(['evil.example', 'evil.example:8080', 'rebind.127.0.0.1.nip.io', '127.0.0.1.evil.example', '2130706433', 'localhost@evil.example'])(
    'refuses Host %s with 421 HOST_NOT_ALLOWED',
    async (host) => {
      const problem = problemOf(await get('/api/v1/jobs', { host }));
      expect(problem).toMatchObject({ status: 421, code: 'HOST_NOT_ALLOWED' });
      expect(problem.detail).toContain('JOBSCHEDULER_ALLOWED_HOSTS');
    },
  );

  it.each(['localhost', 'localhost:8080', 'LOCALHOST:8080', '127.0.0.1:8080', '127.1.2.3', '[::1]:8080', '[::ffff:127.0.0.1]'])(
    'serves Host %s',
    async (host) => {
      expect((await get('/api/v1/jobs', { host })).statusCode).toBe(200);
    },
  );

  it('refuses a rebinding page the dashboard and the API description too', async () => {
    expect((await get('/', { host: 'evil.example' })).statusCode).toBe(421);
    expect((await get('/api/v1/schedules/preview?expression=*%20*%20*%20*%20*%20*', { host: 'evil.example' })).statusCode).toBe(421);
  });

  it('answers the probes and metrics whatever the Host, so orchestrators can reach them by address', async () => {
    expect((await get('/health', { host: '10.0.0.7:8080' })).statusCode).toBe(200);
    expect((await get('/ready', { host: '10.0.0.7:8080' })).statusCode).toBe(200);
  });

  it.each(['http://evil.example', 'null', 'http://localhost:8081', 'http://127.0.0.1:8080', 'file://'])(
    'refuses a cross-site run, pause or resume from Origin %s with 403 and changes nothing',
    async (origin) => {
      const job = await createJob(context().app);
      const headers = { host: 'localhost:8080', origin };
      for (const action of ['run', 'pause', 'resume']) {
        const response = await context().app.inject({ method: 'POST', url: `/api/v1/jobs/${job.id as string}/${action}`, headers });
        expect(problemOf(response)).toMatchObject({ status: 403, code: 'ORIGIN_NOT_ALLOWED' });
      }
      const deleted = await context().app.inject({ method: 'DELETE', url: `/api/v1/jobs/${job.id as string}`, headers });
      expect(deleted.statusCode).toBe(403);
      expect(await context().store.jobGet(job.id as string)).toMatchObject({ paused: false, isActive: true, version: 1 });
      const history = await context().app.inject({ method: 'GET', url: `/api/v1/jobs/${job.id as string}/history` });
      expect(history.json()).toMatchObject({ items: [] });
    },
  );

  it("accepts changes from the server's own pages, with or without the default port written out", async () => {
    const job = await createJob(context().app);
    const pause = await context().app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${job.id as string}/pause`,
      headers: { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' },
    });
    expect(pause.statusCode).toBe(200);
    const resume = await context().app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${job.id as string}/resume`,
      headers: { host: 'localhost:80', origin: 'http://localhost' },
    });
    expect(resume.statusCode).toBe(200);
  });

  it('lets a cross-site page read nothing new: a GET with a foreign Origin is answered as any GET (the browser withholds it)', async () => {
    expect((await get('/api/v1/jobs', { host: 'localhost:8080', origin: 'http://evil.example' })).statusCode).toBe(200);
  });
});

describeApi(
  'Host names the operator lists',
  (context) => {
    it('serves a listed name, case-insensitively, and still refuses others', async () => {
      const get = (host: string) => context().app.inject({ method: 'GET', url: '/api/v1/jobs', headers: { host } });
      expect((await get('scheduler.lan:8080')).statusCode).toBe(200);
      expect((await get('Scheduler.LAN')).statusCode).toBe(200);
      expect((await get('other.lan')).statusCode).toBe(421);
    });
  },
  { allowedHosts: ['scheduler.lan'] },
);

describeApi(
  'Host and Origin with API keys',
  (context) => {
    it('checks the key, not the Host or Origin: a page can neither learn a key nor send one without a preflight', async () => {
      const headers = { host: 'api.example.com', origin: 'https://console.example.com', authorization: 'Bearer the-key' };
      const job = await context().app.inject({ method: 'GET', url: '/api/v1/jobs', headers });
      expect(job.statusCode).toBe(200);
      const keyless = await context().app.inject({ method: 'GET', url: '/api/v1/jobs', headers: { host: 'api.example.com' } });
      expect(problemOf(keyless)).toMatchObject({ status: 401 });
    });
  },
  { apiKeys: ['the-key'] },
);
