import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** Header names and values as they arrived, duplicates included (Node keeps one User-Agent in `headers`). */
  readonly rawHeaders: readonly string[];
  readonly body: string;
  /** Date.now() when the request's body had arrived. */
  readonly receivedAt: number;
  /** The address the request came from (which node sent it, when nodes have addresses of their own). */
  readonly remoteAddress: string;
}

export type Handler = (request: ReceivedRequest, response: ServerResponse) => void | Promise<void>;

/**
 * A real HTTP server on 127.0.0.1 (or `host`) standing in for job targets. It records every
 * request, counts connections, and answers with `handler` (204 when none is given).
 */
export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  /** Resolves when `count` requests in total have arrived. */
  waitForRequests(count: number): Promise<void>;
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

export async function startReceiver(initial?: Handler, host = '127.0.0.1'): Promise<Receiver> {
  let handler: Handler = initial ?? ((_request, response) => void response.writeHead(204).end());
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
        remoteAddress: req.socket.remoteAddress ?? '',
      };
      requests.push(request);
      for (const waiter of [...waiters]) {
        if (requests.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      void Promise.resolve(handler(request, res)).catch(() => res.destroy());
    });
  });
  server.on('connection', () => connections++);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    requests,
    connections: () => connections,
    waitForRequests: (count) =>
      requests.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    setHandler: (next) => {
      handler = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
