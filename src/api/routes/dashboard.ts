import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The web dashboard: the Vite build (dist/web) served as static files at `/`, and its
 * client-side routes (/jobs/..., /cluster, /targets) answered with index.html so that a reload or a
 * shared link opens the right page. Only those paths are claimed: /api, /health, /ready,
 * /metrics, /docs and /openapi.json keep their own routes and their problem+json 404s.
 * The dashboard calls only the public API, like any other client.
 */

export interface DashboardOptions {
  /** The built dashboard; default: dist/web beside the compiled server. */
  readonly root?: string;
}

/** Paths the app routes itself (see web/src/routes.ts). */
const CLIENT_ROUTES = ['/jobs', '/jobs/*', '/cluster', '/targets'];

/**
 * Scripts, styles and data come from this origin only; the app has no inline script, and
 * no other site may frame it (it holds an API key in the tab).
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** From dist/api/routes the build is at dist/web; from src/api/routes (tests, tsx) at ../../../dist/web. */
function defaultRoot(): string | null {
  const candidates = [new URL('../../web/', import.meta.url), new URL('../../../dist/web/', import.meta.url)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
}

export async function registerDashboard(app: FastifyInstance, options: DashboardOptions = {}): Promise<void> {
  const root = options.root ?? defaultRoot();
  if (root === null || !existsSync(join(root, 'index.html'))) {
    app.log.warn('the web dashboard is not built (npm run build); / explains how to build it');
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      pageHeaders(reply)
        .status(503)
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><title>jobscheduler</title><p>The dashboard has not been built. Run <code>npm run build</code>, then reload. ' +
            'The API is up: see <a href="/docs">/docs</a>.</p>',
        ),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // One route per built file, found at start: no catch-all that could answer for /api.
    wildcard: false,
    index: ['index.html'],
    dotfiles: 'ignore',
    cacheControl: false,
    schemaHide: true,
    setHeaders: (reply, path) => {
      // Vite names assets by content hash, so they never change; index.html must be re-read.
      const immutable = relative(root, path).startsWith(`assets${sep}`);
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (path.endsWith('.html')) pageHeaders(reply);
      else reply.header('x-content-type-options', 'nosniff');
    },
  });
  for (const url of CLIENT_ROUTES) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      pageHeaders(reply).header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false }),
    );
  }
}
