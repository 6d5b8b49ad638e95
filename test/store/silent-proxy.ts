import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of PostgreSQL that can go silent the way a firewall
 * dropping packets does: nothing is refused or closed, bytes simply stop arriving, on open
 * connections and new ones alike. After heal() new connections work again, while those that
 * went silent stay silent, as a connection whose TCP retransmissions have backed off does
 * long after the network came back.
 */
export interface SilentProxy {
  /** `databaseUrl` with its host and port replaced by the proxy's. */
  readonly url: string;
  /** Connections accepted so far. */
  connections(): number;
  silence(): void;
  heal(): void;
  close(): Promise<void>;
}

interface Link {
  readonly client: Socket;
  readonly server: Socket;
  silent: boolean;
}

export async function startSilentProxy(databaseUrl: string): Promise<SilentProxy> {
  const target = new URL(databaseUrl);
  const links = new Set<Link>();
  let accepted = 0;
  let silent = false;

  // Half-open allowed: a client's goodbye (its FIN) is passed on, or on a silent link lost, as
  // a firewall dropping packets loses it; the client then hears no close back.
  const proxy: Server = createServer({ allowHalfOpen: true }, (client) => {
    accepted++;
    const server = connect(Number(target.port || 5432), target.hostname);
    const link: Link = { client, server, silent };
    links.add(link);
    // Bytes on a silent link are dropped, never delivered late: that link is dead for good.
    client.on('data', (chunk) => {
      if (!link.silent) server.write(chunk);
    });
    client.on('end', () => {
      if (!link.silent) server.end();
    });
    server.on('data', (chunk) => {
      if (!link.silent) client.write(chunk);
    });
    const end = (): void => {
      links.delete(link);
      client.destroy();
      server.destroy();
    };
    // The server going away is not told through a silent link; the client giving up ends it.
    client.on('close', end);
    server.on('close', () => (link.silent ? undefined : end()));
    client.on('error', () => undefined);
    server.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((proxy.address() as AddressInfo).port);

  return {
    url: url.toString(),
    connections: () => accepted,
    silence() {
      silent = true;
      for (const link of links) link.silent = true;
    },
    heal() {
      silent = false;
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.server.destroy();
      }
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
