import { Agent } from 'undici';

/** Most connections one undici pool keeps to one origin (see ConnectionPools). */
export const CONNECTIONS_PER_POOL = 128;

/**
 * Keep-alive connections to targets, spread over several undici Agents of at most
 * CONNECTIONS_PER_POOL connections per origin each. undici finds an idle connection by
 * walking its pool's connections in order, so with thousands open to one slow target every
 * request walked past the busy ones first: a tenth of a node's CPU at 10,000 firings/s to a
 * target answering in 200 ms. A request goes to the agent with the fewest requests in flight
 * to its origin; requests one after another to an idle origin all go to the first agent, so
 * they reuse its connection.
 *
 * Callers keep at most `maxPerOrigin` requests in flight per origin (the HostLimiter); the
 * least loaded agent then always has a free connection.
 */
export class ConnectionPools {
  readonly #agents: Agent[];
  /** Requests in flight per origin and agent; an origin with none is dropped. */
  readonly #load = new Map<string, { total: number; perAgent: number[] }>();

  constructor(maxPerOrigin: number, options: Omit<Agent.Options, 'connections'>) {
    const count = Math.max(1, Math.ceil(maxPerOrigin / CONNECTIONS_PER_POOL));
    const connections = Math.min(Math.max(1, maxPerOrigin), CONNECTIONS_PER_POOL);
    this.#agents = Array.from({ length: count }, () => new Agent({ ...options, connections }));
  }

  /** The agent for one request to `origin`; hand the index back to `done` when it ends. */
  pick(origin: string): number {
    if (this.#agents.length === 1) return 0;
    let load = this.#load.get(origin);
    if (!load) {
      load = { total: 0, perAgent: new Array<number>(this.#agents.length).fill(0) };
      this.#load.set(origin, load);
    }
    let best = 0;
    for (let i = 1; i < load.perAgent.length; i++) if (load.perAgent[i]! < load.perAgent[best]!) best = i;
    load.perAgent[best]!++;
    load.total++;
    return best;
  }

  agent(index: number): Agent {
    return this.#agents[index]!;
  }

  done(origin: string, index: number): void {
    const load = this.#load.get(origin);
    if (!load) return;
    load.perAgent[index]!--;
    if (--load.total === 0) this.#load.delete(origin);
  }

  async close(): Promise<void> {
    await Promise.all(this.#agents.map((agent) => agent.close()));
  }
}
