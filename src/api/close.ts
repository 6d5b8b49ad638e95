import type { FastifyInstance } from 'fastify';
import type { Clock } from '../time/clock.js';

/** How often idle connections are closed again while requests in flight finish. */
const IDLE_SWEEP_MS = 25;

/**
 * Closes the HTTP server by `deadline` (clock time): new connections are refused
 * at once and requests arriving on open ones answer 503; requests in flight may finish until
 * the deadline; every keep-alive connection is closed as soon as it is idle; whatever is
 * still open at the deadline is cut. Node closes idle connections only when asked, so a
 * keep-alive connection whose last request finished after close() began would otherwise stay
 * open until its keep-alive timeout (72 s in Fastify) and hold the process.
 */
export async function closeServer(app: FastifyInstance, deadline: number, clock: Clock): Promise<void> {
  const closed = app.close();
  const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
  const controller = new AbortController();
  try {
    await Promise.race([closed, clock.sleep(deadline - clock.now(), controller.signal)]);
    app.server.closeAllConnections();
    await closed;
  } finally {
    clearInterval(sweep);
    controller.abort();
  }
}
