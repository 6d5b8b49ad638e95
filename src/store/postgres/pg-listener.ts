import pg from 'pg';
import type { Logger } from 'pino';
import { quoteIdent } from '../sql/identifiers.js';
import { waitAtMost } from './wait-at-most.js';

export interface PgListenerOptions {
  readonly connectionString: string;
  readonly applicationName: string;
  readonly logger: Logger;
  readonly channel: string;
  /** Gives up on a connection attempt after this long. */
  readonly connectMs: number;
  /** Probes the idle connection after this long without traffic, so a silent one is found. */
  readonly keepAliveMs: number;
  readonly onNotify: (payload: string) => void;
  /** Listening again after the connection was lost or never came up. */
  readonly onResumed: () => void;
}

/** The first pause before connecting again; it doubles with every failure in a row, up to the most. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MOST_MS = 5000;
/** How long stop() waits for the server to acknowledge its goodbye. */
const GOODBYE_MS = 500;

/**
 * One connection of its own, outside the pools, that LISTENs on a channel: a pooled connection
 * is handed to other statements and would drop its LISTEN when it is recycled. A lost
 * connection (server restart, network cut, terminated backend) is opened again by itself, with
 * a growing pause; until then nothing is heard, which the caller learns through `onResumed`.
 */
export class PgListener {
  readonly #options: PgListenerOptions;
  #client: pg.Client | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  /** Attempts failed or connections lost in a row since the node last listened. */
  #failures = 0;

  constructor(options: PgListenerOptions) {
    this.#options = options;
  }

  /** Resolves after the first attempt, successful or not. */
  start(): Promise<void> {
    return this.#open();
  }

  /**
   * Says goodbye, and cuts the connection if no answer comes within GOODBYE_MS: on a silent
   * network the goodbye is never acknowledged, and a node stopping must not wait for it.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const client = this.#client;
    this.#client = null;
    if (!client) return;
    await waitAtMost(client.end(), GOODBYE_MS);
    client.connection.stream.destroy();
  }

  async #open(): Promise<void> {
    this.#timer = null;
    if (this.#stopped) return;
    const { channel, logger } = this.#options;
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      application_name: this.#options.applicationName,
      connectionTimeoutMillis: this.#options.connectMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: this.#options.keepAliveMs,
    });
    let lost = false;
    const onLost = (error: unknown): void => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = null;
      client.end().catch(() => undefined);
      if (this.#stopped) return;
      this.#failures++;
      if (this.#failures === 1) logger.warn({ err: error, channel }, 'not listening for changes made by other nodes; looking for due work on every pause until the connection is back');
      this.#timer = setTimeout(() => void this.#open(), Math.min(RECONNECT_MOST_MS, RECONNECT_FIRST_MS * 2 ** (this.#failures - 1)));
      this.#timer.unref();
    };
    client.on('error', onLost);
    client.on('end', () => onLost(new Error('the listening connection ended')));
    client.on('notification', (message) => {
      if (message.channel === channel) this.#options.onNotify(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (error) {
      onLost(error);
      return;
    }
    if (lost) return;
    if (this.#stopped) {
      lost = true;
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    if (this.#failures === 0) return;
    this.#failures = 0;
    logger.info({ channel }, 'listening for changes made by other nodes again');
    this.#options.onResumed();
  }
}
