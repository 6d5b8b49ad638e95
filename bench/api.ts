/**
 * Job creation over real HTTP, on PostgreSQL: creates per second one job per request, and
 * jobs per second through POST /api/v1/jobs/batch (1,000 jobs a request).
 * Run: npm run bench:api
 *   BENCH_DATABASE_URL (else TEST_DATABASE_URL, else DATABASE_URL): the PostgreSQL to use (required).
 *   DURATION seconds per round (default 10), ROUNDS (3), CONNECTIONS for single creates (64),
 *   BATCH_CONNECTIONS (2), POOL database connections (10), WORKERS load-generator threads (1),
 *   ONLY=single or ONLY=batch to measure one of the two (for profiling).
 *
 * For batches it also gives how long the server's thread was busy per request (event-loop
 * utilisation; the load generator runs in worker threads): the cost of a request, less
 * sensitive than the rate to other work on the machine.
 *
 * Each round also measures store.jobCreateMany alone with the same 1,000-job batches on as
 * many concurrent callers as batch connections: the ceiling the batch endpoint works under.
 *
 * The server runs in this process exactly as `serve` builds it (silent logs); autocannon fires
 * from worker threads. Everything lives in a schema created for the run and dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { buildServer } from '../src/api/server.js';
import { newJobFromBody, type JobBody } from '../src/jobs/definition.js';
import { createStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { quoteIdent } from '../src/store/sql/identifiers.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const DURATION = Number(process.env.DURATION ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64);
const BATCH_CONNECTIONS = Number(process.env.BATCH_CONNECTIONS ?? 2);
const POOL = Number(process.env.POOL ?? 10);
const WORKERS = Number(process.env.WORKERS ?? 1);
const ONLY = process.env.ONLY ?? 'both';
const BATCH = 1000;

interface AutocannonResult {
  readonly duration: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly '2xx': number;
  readonly latency: { readonly p50: number; readonly p99: number };
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const targets = { allowedTargets: [] };
const job: JobBody = { schedule: '31 10-15 1 * * MON-FRI', api: 'http://localhost:4444/foo', type: 'ATLEAST_ONCE' };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function fire(url: string, body: string, connections: number): Promise<AutocannonResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: DURATION,
    workers: WORKERS,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors from ${url}: the figures would be meaningless`);
  }
  return result;
}

/** Jobs per second through store.jobCreateMany alone, `callers` at a time, for DURATION seconds. */
async function storeAlone(store: Store, callers: number): Promise<number> {
  let created = 0;
  const start = Date.now();
  const end = start + DURATION * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (Date.now() < end) {
        const context = { targets, now: new Date() };
        const params = Array.from({ length: BATCH }, () => newJobFromBody(job, context));
        await store.jobCreateMany(params);
        created += BATCH;
      }
    }),
  );
  return created / ((Date.now() - start) / 1000);
}

async function main(): Promise<void> {
  if (!DATABASE_URL) throw new Error('Set BENCH_DATABASE_URL, TEST_DATABASE_URL or DATABASE_URL: this benchmark measures PostgreSQL.');
  const schema = `bench_api_${randomBytes(4).toString('hex')}`;
  const store = await createStore({ databaseUrl: DATABASE_URL, schema, poolSize: POOL });
  const app = await buildServer({ store, config: { apiKeys: [], allowedTargets: [] } });
  try {
    await store.migrate();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const single = JSON.stringify(job);
    const batch = JSON.stringify({ jobs: Array.from({ length: BATCH }, () => job) });
    // Warm up JIT, pool and the parsed-schedule cache before measuring, on both endpoints,
    // so the first round of either does not pay for compiling its path.
    const headers = { 'content-type': 'application/json' };
    await autocannon({ url: `${base}/api/v1/jobs`, method: 'POST', headers, body: single, connections: 8, amount: 2000 });
    await autocannon({ url: `${base}/api/v1/jobs/batch`, method: 'POST', headers, body: batch, connections: BATCH_CONNECTIONS, amount: 30 });

    const singles: number[] = [];
    const batched: number[] = [];
    const ceiling: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const notes: string[] = [];
      if (ONLY !== 'batch') {
        const one = await fire(`${base}/api/v1/jobs`, single, CONNECTIONS);
        singles.push(one['2xx'] / one.duration);
        notes.push(`${Math.round(singles.at(-1)!)} creates/s single (p50 ${one.latency.p50} ms, p99 ${one.latency.p99} ms)`);
      }
      if (ONLY !== 'single') {
        const loopBefore = performance.eventLoopUtilization();
        const many = await fire(`${base}/api/v1/jobs/batch`, batch, BATCH_CONNECTIONS);
        const busyMs = performance.eventLoopUtilization(loopBefore).active / many['2xx'];
        batched.push((many['2xx'] * BATCH) / many.duration);
        notes.push(
          `${Math.round(batched.at(-1)!)} jobs/s batched (p50 ${many.latency.p50} ms, p99 ${many.latency.p99} ms, ` +
            `server thread busy ${busyMs.toFixed(1)} ms a request)`,
        );
        ceiling.push(await storeAlone(store, BATCH_CONNECTIONS));
        notes.push(`${Math.round(ceiling.at(-1)!)} jobs/s through the store alone`);
      }
      process.stdout.write(`round ${round}: ${notes.join('; ')}\n`);
    }
    const summary: string[] = [];
    if (singles.length > 0) summary.push(`${Math.round(median(singles))} creates/s one at a time (${CONNECTIONS} connections)`);
    if (batched.length > 0) {
      summary.push(`${Math.round(median(batched))} jobs/s in batches of ${BATCH} (${BATCH_CONNECTIONS} connections)`);
      summary.push(`${Math.round(median(ceiling))} jobs/s through store.jobCreateMany alone`);
    }
    process.stdout.write(`\nmedian of ${ROUNDS} rounds of ${DURATION} s: ${summary.join(', ')}; database pool ${POOL}, ${WORKERS} load worker(s)\n`);
  } finally {
    await app.close();
    await store.close();
    await dropSchema(DATABASE_URL, schema);
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

await main();
