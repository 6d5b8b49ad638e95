import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { silentLogger } from '../../src/logging.js';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { SqlStore } from '../../src/store/sql-store.js';
import type { DatabaseTimeouts } from '../../src/store/timeouts.js';
import type { DatabaseFailure } from '../../src/store/errors.js';
import { systemClock } from '../../src/time/system-clock.js';
import { dropSchema, testSchema, TEST_DATABASE_URL } from './harness.js';
import { startSilentProxy, type SilentProxy } from './silent-proxy.js';

/** Small bounds, so a silent network costs the tests little time. */
const TIMEOUTS: DatabaseTimeouts = { statementMs: 300, queryMs: 600, connectMs: 400, controlMs: 300 };

describe.skipIf(!TEST_DATABASE_URL)('PostgreSQL behind a network that goes silent', () => {
  let proxy: SilentProxy;
  let schema: string;
  let db: PgDb;
  let store: SqlStore;
  let outcomes: [string, DatabaseFailure | null][];

  function open(timeouts: DatabaseTimeouts = TIMEOUTS): void {
    db = new PgDb({ connectionString: proxy.url, poolSize: 4, schema, logger: silentLogger(), timeouts });
    outcomes = [];
    store = new SqlStore({ db, schema, logger: silentLogger(), clock: systemClock, onOutcome: (operation, failure) => outcomes.push([operation, failure]) });
  }

  beforeEach(async () => {
    proxy = await startSilentProxy(TEST_DATABASE_URL!);
    schema = testSchema('silent');
    open();
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    await proxy.close();
    await dropSchema(schema);
  });

  it('fails a call that gets no answer with STORE_UNAVAILABLE naming the bound, and does not try it again at once', async () => {
    await store.jobList({ limit: 1 });
    const before = proxy.connections();
    proxy.silence();
    await expect(store.jobList({ limit: 1 })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining('no answer from the database within 600 ms'),
      details: { operation: 'jobList', timeoutMs: 600 },
    });
    // Another try would have needed a new connection.
    expect(proxy.connections()).toBe(before);
    expect(outcomes.at(-1)).toEqual(['jobList', 'timeout']);
  });

  it('fails a call that cannot get a connection within the connect timeout', async () => {
    proxy.silence();
    open();
    await expect(store.jobList({ limit: 1 })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining('no database connection within 400 ms'),
    });
  });

  it('closes, listening connection included, when the network has gone silent', async () => {
    let wakes = 0;
    await store.watchWakeUps(() => wakes++);
    proxy.silence();
    // A goodbye on a silent network is never acknowledged: close() cuts what does not answer.
    await store.close();
    expect(wakes).toBe(0);
    open();
  });

  it('answers the first call after the network heals on a fresh connection', async () => {
    proxy.silence();
    await expect(store.jobList({ limit: 1 })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    proxy.heal();
    await expect(store.jobList({ limit: 1 })).resolves.toMatchObject({ items: [] });
    expect(outcomes.at(-1)).toEqual(['jobList', null]);
  });

  it('tries a call stuck on a silent connection again as soon as the control connection answers', async () => {
    // A bound far longer than the test may take: only the abandonment can end the stuck call.
    open({ ...TIMEOUTS, statementMs: 60_000, queryMs: 60_000, connectMs: 60_000 });
    await store.jobList({ limit: 1 });
    await store.ping();
    proxy.silence();
    const stuck = store.jobList({ limit: 1 });
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    proxy.heal();
    await store.ping();
    await expect(stuck).resolves.toMatchObject({ items: [] });
  }, 20_000);

  it('lets readiness probes of a silent database share one round trip on the control connection', async () => {
    const app: FastifyInstance = await buildServer({ store, config: { apiKeys: [], allowedTargets: [] }, api: false });
    try {
      await store.ping();
      await store.jobList({ limit: 1 });
      proxy.silence();
      const before = proxy.connections();
      const probes = await Promise.all(Array.from({ length: 20 }, () => app.inject({ method: 'GET', url: '/ready' })));
      expect(probes.map((probe) => probe.statusCode)).toEqual(probes.map(() => 503));
      expect(probes[0]!.json()).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      // The probes waited on the control connection they already had: none opened another.
      expect(proxy.connections()).toBe(before);
      expect(outcomes.filter(([operation]) => operation === 'ping').map(([, failure]) => failure)).toEqual([null, 'timeout']);
    } finally {
      await app.close();
    }
  });

  it('runs every session under the statement, idle-in-transaction and TCP time limits', async () => {
    const settings = await db.query<{ statement: string; idle: string; user: string }>(
      `SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle,
              current_setting('tcp_user_timeout') AS user`,
    );
    expect(settings.rows[0]).toEqual({ statement: '300ms', idle: '600ms', user: '600' });
    const control = await db.control.query<{ statement: string }>(`SELECT current_setting('statement_timeout') AS statement`);
    expect(control.rows[0]).toEqual({ statement: '300ms' });
  });

  it('has the server cancel a statement that runs past the statement timeout', async () => {
    open({ ...TIMEOUTS, statementMs: 200, queryMs: 5000 });
    const error = await db.query('SELECT pg_sleep(2)').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: '57014' });
  });

  it('has the server end a transaction left idle longer than the query timeout, freeing its locks', async () => {
    open({ ...TIMEOUTS, queryMs: 300 });
    // Unbounded on this side, as a node cut off mid-transaction is: only the server can end it.
    const held = db
      .transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(4242)');
        await sleep(2000);
      }, { unbounded: true })
      .catch((caught: unknown) => caught);
    await sleep(1000);
    const free = await db.query<{ free: boolean }>('SELECT pg_try_advisory_xact_lock(4242) AS free');
    expect(free.rows[0]!.free).toBe(true);
    expect(await held).toBeInstanceOf(Error);
  });

  it('gives migrations all the time they need', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jobscheduler-migrations-'));
    try {
      for (const migration of await readMigrations()) await writeFile(join(dir, `${String(migration.id).padStart(4, '0')}_${migration.name}.sql`), migration.sql);
      const next = (await readMigrations()).length + 1;
      await writeFile(join(dir, `${String(next).padStart(4, '0')}_slow.sql`), 'SELECT pg_sleep(1);');
      expect(await migrate(db, { schema, dir: pathToFileURL(`${dir}/`) })).toEqual([next]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
