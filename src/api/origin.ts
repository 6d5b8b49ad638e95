import type { FastifyRequest } from 'fastify';
import { JobSchedulerError } from '../errors.js';
import { isLoopback } from './auth.js';

/**
 * Without API keys, the server trusts whoever reaches it, which must then be this machine.
 * Two kinds of web page could otherwise act through a browser on this machine:
 *  - a page whose domain is rebound to 127.0.0.1 reaches the server with its own name in Host:
 *    only loopback names and addresses (and names the operator lists) are served;
 *  - a page on another site can send a "simple" cross-site POST (no body, no custom header),
 *    enough to run, pause or resume a job: a state-changing request whose Origin is not the
 *    server's own is refused.
 * With API keys neither can do anything: a page cannot learn a key, and sending one in an
 * Authorization header needs a CORS preflight this server never grants.
 * The probes and metrics stay open to any Host, so orchestrators can reach them by address.
 */

const OPEN_PATHS = new Set(['/health', '/ready', '/metrics']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type RequestGuard = (request: FastifyRequest) => void;

export function createOriginGuard(allowedHosts: readonly string[]): RequestGuard {
  const allowed = new Set(allowedHosts.map((host) => host.trim().toLowerCase()).filter((host) => host !== ''));
  return (request) => {
    if (OPEN_PATHS.has(request.url.split('?')[0]!)) return;
    const host = request.headers.host;
    const name = host === undefined ? null : hostName(host);
    if (name === null || !(isLoopback(name) || allowed.has(name))) {
      throw new JobSchedulerError(
        'HOST_NOT_ALLOWED',
        `Host "${host ?? ''}" is not served: without API keys this server answers only loopback names and addresses ` +
          '(localhost, 127.0.0.1, [::1]) and the names in JOBSCHEDULER_ALLOWED_HOSTS',
        { host: host ?? null },
      );
    }
    const origin = request.headers.origin;
    if (origin === undefined || SAFE_METHODS.has(request.method)) return;
    if (!sameOrigin(origin, host!)) {
      throw new JobSchedulerError(
        'ORIGIN_NOT_ALLOWED',
        `A ${request.method} from the page at ${origin} is refused: without API keys only this server's own pages may change jobs`,
        { origin },
      );
    }
  };
}

/** A name or an IPv4 address, or a bracketed IPv6 address, then an optional port: nothing else. */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i;

/** The name in a Host header, lower-cased, without its port; null when it is not a host. */
function hostName(host: string): string | null {
  const match = HOST_HEADER.exec(host);
  return match ? match[1]!.toLowerCase() : null;
}

/** True when `origin` (scheme://host[:port]) names the host the request was sent to. */
function sameOrigin(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    // Both through the URL parser, so a default port written out (localhost:80) still matches.
    return url.origin === new URL(`${url.protocol}//${host}`).origin;
  } catch {
    return false;
  }
}
