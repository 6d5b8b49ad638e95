import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerDashboard } from './dashboard.js';

const indexHtml = '<!doctype html><title>jobscheduler</title><div id="app"></div><script type="module" src="/assets/app-1a2b3c.js"></script>';

/** The server's own routes the dashboard must leave alone, with a JSON not-found handler like the API's. */
async function appWith(root: string | undefined): Promise<FastifyInstance> {
  const app = Fastify();
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).type('application/problem+json').send({ code: 'NOT_FOUND', detail: `No route ${request.url}` }),
  );
  for (const path of ['/api/v1/jobs', '/health', '/ready', '/metrics', '/docs', '/openapi.json']) {
    app.get(path, async () => ({ route: path }));
  }
  await registerDashboard(app, root === undefined ? {} : { root });
  return app;
}

describe('the dashboard as static files', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dashboard-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), indexHtml);
    await writeFile(join(dir, 'assets', 'app-1a2b3c.js'), 'console.log("app")');
    app = await appWith(dir);
  });

  afterEach(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the app at / with a policy that allows only its own scripts', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toBe(indexHtml);
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['cache-control']).toBe('no-cache');
  });

  it.each(['/jobs', '/jobs/new', '/jobs/0190f2a1-7c1e-7000-8000-000000000001', '/jobs/0190f2a1-7c1e-7000-8000-000000000001/edit', '/cluster', '/targets'])(
    'answers the client-side route %s with the app, so reloads and shared links work',
    async (url) => {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(indexHtml);
      expect(response.headers['content-security-policy']).toBeDefined();
    },
  );

  it('lets browsers cache content-hashed assets for good', async () => {
    const response = await app.inject({ method: 'GET', url: '/assets/app-1a2b3c.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/javascript/);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it.each(['/api/v1/jobs', '/health', '/ready', '/metrics', '/docs', '/openapi.json'])('leaves %s to the server', async (url) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.json()).toEqual({ route: url });
  });

  it.each(['/api/v1/unknown', '/api/v1/jobs/x/y/z', '/assets/missing.js', '/favicon.ico', '/metrics/extra'])(
    'answers an unknown path such as %s with the server\'s 404, never with the app',
    async (url) => {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    },
  );
});

describe('a server whose dashboard was not built', () => {
  it('explains at / how to build it, and the API stays up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dashboard-empty-'));
    const app = await appWith(dir);
    try {
      const page = await app.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain('npm run build');
      expect((await app.inject({ method: 'GET', url: '/api/v1/jobs' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
