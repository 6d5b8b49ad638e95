import type { IncomingMessage } from 'node:http';
import { uuidv7 } from '../ids.js';
import type { Clock } from '../time/clock.js';

/**
 * Request ids tie a client's report, a proxy's log and this node's log lines together. A
 * caller (or a proxy in front) may name its request with X-Request-Id; otherwise the node
 * makes a UUIDv7, unique across nodes, unlike a per-process counter. The id is sent back in
 * the same header and in the body of every 5xx problem.
 */

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * An incoming id is kept only when it is short and made of characters that are safe in a
 * header, a log line and a URL: anything else (a line break, a megabyte, several ids joined
 * by a comma when the header came twice) is replaced rather than echoed.
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isSafeRequestId(value: string): boolean {
  return SAFE_REQUEST_ID.test(value);
}

/** Fastify's genReqId: the caller's id when it is sane, a new UUIDv7 otherwise. */
export function requestIdGenerator(clock: Clock): (request: IncomingMessage) => string {
  return (request) => {
    const incoming = request.headers[REQUEST_ID_HEADER];
    return typeof incoming === 'string' && isSafeRequestId(incoming) ? incoming : uuidv7(clock.now());
  };
}
