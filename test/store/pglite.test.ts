import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteDb } from '../../src/store/pglite/pglite-db.js';
import { identityOf, LOCK_FILE_NAME } from '../../src/store/pglite/lock-file.js';
import { createStore } from '../../src/store/index.js';
import { deadPid, runChild } from './spawn.js';

describe('the embedded store on one connection', () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await PgliteDb.open({ dataDir: null, schema: null });
    await db.query('CREATE TABLE counter (n int NOT NULL)');
    await db.query('INSERT INTO counter VALUES (0)');
  });
  afterAll(() => db.close());

  it('rolls back a transaction whose statement fails, and the next caller finds a clean connection', async () => {
    let proceed!: () => void;
    const holding = new Promise<void>((resolve) => (proceed = resolve));
    const failing = db.transaction(async (tx) => {
      await tx.query('UPDATE counter SET n = 100');
      await holding;
      await tx.query('SELECT 1 / 0');
    });
    // Issued while the transaction is open: it must neither join it nor see its write.
    const outside = db.query<{ n: number }>('SELECT n FROM counter');
    proceed();
    await expect(failing).rejects.toMatchObject({ code: '22012' });
    expect((await outside).rows).toEqual([{ n: 0 }]);
    expect((await db.query<{ n: number }>('SELECT n FROM counter')).rows).toEqual([{ n: 0 }]);
    await db.transaction((tx) => tx.query('UPDATE counter SET n = n + 1'));
    expect((await db.query<{ n: number }>('SELECT n FROM counter')).rows).toEqual([{ n: 1 }]);
  });

  it('runs concurrent transactions one after another, so read-modify-write loses no update', async () => {
    const before = (await db.query<{ n: number }>('SELECT n FROM counter')).rows[0]!.n;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          const { rows } = await tx.query<{ n: number }>('SELECT n FROM counter');
          await new Promise((resolve) => setImmediate(resolve));
          await tx.query('UPDATE counter SET n = $1', [rows[0]!.n + 1]);
        }),
      ),
    );
    expect((await db.query<{ n: number }>('SELECT n FROM counter')).rows).toEqual([{ n: before + 20 }]);
  });

  it('refuses work once closed, with STORE_UNAVAILABLE', async () => {
    const other = await PgliteDb.open({ dataDir: null, schema: null });
    await other.close();
    await expect(other.query('SELECT 1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

describe('the embedded store in a data directory', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jobscheduler-store-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps what one process wrote for the next process that opens the directory', async () => {
    const written = await runChild('write-job', dir, 'survives restarts');
    expect(written.code, written.stderr).toBe(0);
    const read = await runChild('read-job', dir, String(written.output!.id));
    expect(read.output).toEqual({ name: 'survives restarts' });
  });

  it('makes a second process opening the same directory fail at once with DATA_DIR_LOCKED', async () => {
    const store = await createStore({ dataDir: dir });
    try {
      const second = await runChild('open', dir);
      expect(second.output).toMatchObject({ code: 'DATA_DIR_LOCKED' });
      expect(String(second.output!.message)).toContain(`in use by process ${process.pid}`);
      await expect(createStore({ dataDir: dir })).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    } finally {
      await store.close();
    }
    expect((await runChild('open', dir)).output).toEqual({ opened: true });
  });

  it('takes over a lock file left behind by a process that no longer runs', async () => {
    writeFileSync(join(dir, LOCK_FILE_NAME), `${await deadPid()}\n`);
    const store = await createStore({ dataDir: dir });
    await store.close();
  });

  it('takes over a lock file holding its own pid, as a container restarted as pid 1 finds after a crash', async () => {
    // Written by an earlier process that had this pid: same pid, another start.
    writeFileSync(join(dir, LOCK_FILE_NAME), `${process.pid}\nanother-boot/1\n`);
    const warnings: unknown[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    const store = await createStore({ dataDir: dir, logger });
    await store.close();
    expect(warnings).toEqual([expect.objectContaining({ previousPid: process.pid, reason: expect.stringContaining('this process') })]);
  });

  it('takes over a lock file whose pid now belongs to a process that started later than its owner', async () => {
    const unrelated = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => unrelated.once('spawn', resolve));
      writeFileSync(join(dir, LOCK_FILE_NAME), `${unrelated.pid}\n${identityOf(unrelated.pid!)}-before\n`);
      const store = await createStore({ dataDir: dir });
      await store.close();
    } finally {
      unrelated.kill();
    }
  });

  it('still refuses a second open of a held directory within one process', async () => {
    const store = await createStore({ dataDir: dir });
    try {
      await expect(createStore({ dataDir: dir })).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED', message: expect.stringContaining('(this process)') });
    } finally {
      await store.close();
    }
  });
});
