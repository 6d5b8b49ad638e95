import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { JobSchedulerError } from '../errors.js';
import { problemFor } from './problem.js';
import { PROBLEM_CONTENT_TYPE } from './schemas/common.js';

/**
 * Requests Node's HTTP parser refuses before any route sees them (Content-Length beside
 * Transfer-Encoding, a negative Content-Length, headers too large, a request too slow) are
 * answered with a problem like every other error, then the connection is closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const problem = problemFor(clientProblem(error), '');
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function clientProblem(error: Error & { code?: string }): JobSchedulerError {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new JobSchedulerError('REQUEST_TIMEOUT', 'The request did not arrive in time (its headers or its body were too slow); the connection is closed');
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new JobSchedulerError('HEADERS_TOO_LARGE', 'The request headers are larger than the server accepts');
  }
  const { reason } = error as { reason?: unknown };
  const why = typeof reason === 'string' ? `: ${reason}` : '';
  return new JobSchedulerError('VALIDATION_FAILED', `The request is not valid HTTP/1.1${why}`, { property: 'request' });
}
