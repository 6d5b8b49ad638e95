import { beforeEach, describe, expect, it } from 'vitest';
import type { ExecutionInsert } from '../../src/store/types.js';
import { attempt, at, jobParams } from './fixtures.js';
import { describeStore } from './harness.js';
import { spyOnStatements } from './statement-spy.js';

const MINUTE = 60_000;
const NOW = at('2026-03-01T12:00:30Z');
const PREPARE = { now: NOW, partitionMs: MINUTE, ahead: 3, lockTimeoutMs: 1000 };

describeStore('execution partitions', (context, backend) => {
  beforeEach(async () => {
    const { store, db } = context();
    for (const partition of await store.executionPartitionList()) {
      if (!partition.isDefault) await db.query(`DROP TABLE ${partition.name}`);
    }
  });

  async function newJob(): Promise<string> {
    return (await context().store.jobCreate(jobParams())).id;
  }

  async function partitionOf(id: string): Promise<string> {
    const { rows } = await context().db.query<{ name: string }>('SELECT tableoid::regclass::text AS name FROM executions WHERE id = $1', [id]);
    return rows[0]!.name;
  }

  async function rowCount(): Promise<number> {
    return (await context().db.query<{ n: number }>('SELECT count(*)::int AS n FROM executions')).rows[0]!.n;
  }

  describe('creation', () => {
    it('creates the partition of the present and the ones ahead, named by their lower bound, and none twice', async () => {
      const { store } = context();
      expect(await store.executionPartitionsPrepare(PREPARE)).toEqual({
        created: ['executions_p20260301_1200', 'executions_p20260301_1201', 'executions_p20260301_1202', 'executions_p20260301_1203'],
        busy: false,
      });
      expect(await store.executionPartitionsPrepare(PREPARE)).toEqual({ created: [], busy: false });
      const partitions = await store.executionPartitionList();
      expect(partitions[0]).toEqual({ name: 'executions_p20260301_1200', isDefault: false, from: at('2026-03-01T12:00:00Z'), to: at('2026-03-01T12:01:00Z') });
      expect(partitions.at(-1)).toEqual({ name: 'executions_default', isDefault: true, from: null, to: null });
    });

    it('goes on from the newest partition, and starts again at the present after a gap', async () => {
      const { store } = context();
      await store.executionPartitionsPrepare(PREPARE);
      expect((await store.executionPartitionsPrepare({ ...PREPARE, now: new Date(NOW.getTime() + MINUTE) })).created).toEqual(['executions_p20260301_1204']);
      const later = new Date(NOW.getTime() + 60 * MINUTE);
      expect((await store.executionPartitionsPrepare({ ...PREPARE, now: later, ahead: 1 })).created).toEqual(['executions_p20260301_1300', 'executions_p20260301_1301']);
    });

    it('creates each partition once when two nodes prepare at the same moment', async () => {
      const { store } = context();
      const results = await Promise.all([store.executionPartitionsPrepare(PREPARE), store.executionPartitionsPrepare(PREPARE)]);
      expect(results.flatMap((result) => result.created).sort()).toEqual([
        'executions_p20260301_1200',
        'executions_p20260301_1201',
        'executions_p20260301_1202',
        'executions_p20260301_1203',
      ]);
      expect((await store.executionPartitionList()).filter((p) => !p.isDefault)).toHaveLength(4);
    });

    it('routes each attempt to the partition of its scheduled time, and one that none covers to the default partition', async () => {
      const { store } = context();
      await store.executionPartitionsPrepare(PREPARE);
      const jobId = await newJob();
      const present = attempt(jobId, NOW);
      const ahead = attempt(jobId, at('2026-03-01T12:03:59.999Z'));
      const old = attempt(jobId, at('2026-02-01T00:00:00Z'), { status: 'MISSED' });
      await store.executionWrite({ inserts: [present, ahead, old] });
      expect(await partitionOf(present.id)).toBe('executions_p20260301_1200');
      expect(await partitionOf(ahead.id)).toBe('executions_p20260301_1203');
      expect(await partitionOf(old.id)).toBe('executions_default');
    });

    it('moves the rows of the default partition into a partition created later for their range', async () => {
      const { store } = context();
      const jobId = await newJob();
      const early = attempt(jobId, NOW, { ownerNode: 'node-a' });
      await store.executionWrite({ inserts: [early] });
      expect(await partitionOf(early.id)).toBe('executions_default');
      const { created } = await store.executionPartitionsPrepare(PREPARE);
      expect(created[0]).toBe('executions_p20260301_1200 (1 rows moved from executions_default)');
      expect(await partitionOf(early.id)).toBe('executions_p20260301_1200');
      await store.executionWrite({ completions: [{ id: early.id, scheduledAt: NOW, status: 'SUCCEEDED', startedAt: NOW, finishedAt: NOW, durationMs: 0, httpStatus: 200, error: null }] });
      expect((await store.executionList({ jobId, limit: 10 })).items).toMatchObject([{ id: early.id, status: 'SUCCEEDED' }]);
    });
  });

  describe('uniqueness', () => {
    it('still refuses a second copy of an attempt: skipped by the batch insert, a conflict for a bare insert', async () => {
      const { store, db } = context();
      await store.executionPartitionsPrepare(PREPARE);
      const jobId = await newJob();
      const original = attempt(jobId, NOW, { ownerNode: 'node-a' });
      await store.executionWrite({ inserts: [original] });
      await store.executionWrite({ inserts: [{ ...original, id: crypto.randomUUID(), ownerNode: 'node-b' }] });
      expect((await store.executionList({ jobId, limit: 10 })).items).toMatchObject([{ id: original.id, ownerNode: 'node-a' }]);
      await expect(
        db.query(`INSERT INTO executions (id, job_id, scheduled_at, due_at, status) VALUES ($1, $2, $3, $3, 'SCHEDULED')`, [crypto.randomUUID(), jobId, NOW.toISOString()]),
      ).rejects.toMatchObject({ code: '23505' });
    });
  });

  describe('pruning', () => {
    interface SentUpdate {
      readonly text: string;
      readonly values: readonly unknown[];
      /** Planner settings the store sent before it in its transaction. */
      readonly settings: readonly string[];
    }

    /** Runs `work` and returns each UPDATE on executions it sent. */
    async function updatesSent(work: () => Promise<void>): Promise<SentUpdate[]> {
      const sent: SentUpdate[] = [];
      const settings: string[] = [];
      await spyOnStatements(
        context().db,
        (text, values) => {
          if (/^\s*SELECT set_config\(/.test(text)) settings.push(text);
          if (/^\s*UPDATE executions/.test(text)) sent.push({ text, values, settings: [...settings] });
          return undefined;
        },
        work,
      );
      return sent;
    }

    /** The plan of a statement in a transaction under the given settings. */
    function planUnder(statement: SentUpdate, settings: readonly string[]): Promise<string> {
      return context().db.transaction(async (tx) => {
        for (const setting of settings) await tx.query(setting);
        const { rows } = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${statement.text}`, statement.values);
        return rows.map((row) => row['QUERY PLAN']).join('\n');
      });
    }

    /** Runs `work` and returns, for each UPDATE on executions it sent, the partitions its plan reads as the store sends it. */
    async function partitionsRead(work: () => Promise<void>): Promise<string[][]> {
      const partitions = new Set((await context().store.executionPartitionList()).map((p) => p.name));
      const read: string[][] = [];
      for (const statement of await updatesSent(work)) {
        const names = [...(await planUnder(statement, statement.settings)).matchAll(/\b(executions_\w+)/g)].map((match) => match[1]!);
        read.push([...new Set(names.filter((name) => partitions.has(name)))].sort());
      }
      return read;
    }

    it('reads one partition to mark or release attempts by id, the scheduled time carried with each id, and completes them by primary key', async () => {
      const { store } = context();
      await store.executionPartitionsPrepare(PREPARE);
      const jobId = await newJob();
      const rows: ExecutionInsert[] = Array.from({ length: 20 }, (_, i) => attempt(jobId, new Date(NOW.getTime() + 60_000 + i * 1000), { ownerNode: 'node-a' }));
      await store.executionWrite({ inserts: [...rows, attempt(jobId, NOW), attempt(jobId, new Date(NOW.getTime() + 2 * MINUTE))] });
      const [a, b, c] = rows;
      const plans = await partitionsRead(async () => {
        await store.executionMarkRunning({ ids: [a!.id, b!.id], scheduledAt: [a!.scheduledAt, b!.scheduledAt], startedAt: NOW });
        await store.executionWrite({ completions: [{ id: a!.id, scheduledAt: a!.scheduledAt, status: 'SUCCEEDED', startedAt: NOW, finishedAt: NOW, durationMs: 1, httpStatus: 200, error: null }] });
        await store.executionRelease({ nodeId: 'node-a', ids: [c!.id], scheduledAt: [c!.scheduledAt] });
      });
      // Marks and releases are pruned to one partition when planned. A completion is joined on the
      // primary key alone (see executionCompleteMany) and pruned per row as it runs, so its plan
      // names every partition.
      expect([plans[0], plans[2]]).toEqual([['executions_p20260301_1201'], ['executions_p20260301_1201']]);
      expect(plans[1]).toContain('executions_p20260301_1201');
      const byId = new Map((await store.executionList({ jobId, limit: 100 })).items.map((row) => [row.id, row]));
      expect(byId.get(a!.id)).toMatchObject({ status: 'SUCCEEDED' });
      expect(byId.get(b!.id)).toMatchObject({ status: 'RUNNING' });
      expect(byId.get(c!.id)).toMatchObject({ ownerNode: null, status: 'SCHEDULED' });
    });

    it('completes a batch one primary-key probe a row, even where the planner judges a hash join cheaper', async () => {
      const { store } = context();
      await store.executionPartitionsPrepare(PREPARE);
      const jobId = await newJob();
      const rows = Array.from({ length: 300 }, (_, i) => attempt(jobId, new Date(NOW.getTime() + i * 500), { ownerNode: 'node-a' }));
      await store.executionWrite({ inserts: rows });
      const [completion] = await updatesSent(async () => {
        await store.executionWrite({ completions: rows.map((row) => ({ id: row.id, scheduledAt: row.scheduledAt, status: 'SUCCEEDED' as const, startedAt: NOW, finishedAt: NOW, durationMs: 1, httpStatus: 200, error: null })) });
      });
      // Index probes made dear: how the planner sees a history of millions of rows over dozens of
      // partitions, where it costs each row a probe of every partition.
      const dearProbes = `SELECT set_config('random_page_cost', '100000', true)`;
      const asSent = await planUnder(completion!, [dearProbes, ...completion!.settings]);
      expect(asSent).toMatch(/Nested Loop/);
      expect(asSent).toMatch(/Index Scan using \w+ on executions_p20260301_1200/);
      expect(asSent).not.toMatch(/Hash Join|Merge Join|Materialize|Seq Scan on executions_/);
      // Without the settings the store sends before it, the same statement is hashed.
      expect(await planUnder(completion!, [dearProbes])).toMatch(/Hash Join|Merge Join|Materialize/);
      const statuses = (await store.executionList({ jobId, limit: 500 })).items.map((row) => row.status);
      expect(statuses.filter((status) => status === 'SUCCEEDED')).toHaveLength(300);
    });

    it('takes unowned due attempts from the partitions up to the present only, and each once', async () => {
      const { store } = context();
      await store.executionPartitionsPrepare(PREPARE);
      const jobId = await newJob();
      const due = attempt(jobId, NOW);
      const later = attempt(jobId, new Date(NOW.getTime() + 2 * MINUTE));
      await store.executionWrite({ inserts: [due, later] });
      const claimed = await store.executionClaimDue({ nodeId: 'node-b', until: new Date(NOW.getTime() + 1000), limit: 10 });
      expect(claimed.map((c) => c.execution.id)).toEqual([due.id]);
      expect(await store.executionClaimDue({ nodeId: 'node-c', until: new Date(NOW.getTime() + 1000), limit: 10 })).toEqual([]);
    });
  });

  describe('retention', () => {
    it('drops only partitions whose whole range is older than the cut-off, and none holding an open attempt', async () => {
      const { store } = context();
      await store.executionPartitionsPrepare(PREPARE);
      const jobId = await newJob();
      await store.executionWrite({
        inserts: [
          attempt(jobId, NOW, { status: 'SUCCEEDED' }),
          attempt(jobId, new Date(NOW.getTime() + MINUTE), { status: 'SCHEDULED', attempt: 2 }),
          attempt(jobId, new Date(NOW.getTime() + 2 * MINUTE), { status: 'SUCCEEDED' }),
        ],
      });
      const result = await store.executionPartitionsDrop({ before: at('2026-03-01T12:02:30Z'), lockTimeoutMs: 1000 });
      expect(result).toEqual({ dropped: ['executions_p20260301_1200'], busy: false });
      expect((await store.executionPartitionList()).map((p) => p.name)).toEqual([
        'executions_p20260301_1201',
        'executions_p20260301_1202',
        'executions_p20260301_1203',
        'executions_default',
      ]);
      expect(await rowCount()).toBe(2);
    });

    it('deletes rows one by one only from the default partition, never from a range partition', async () => {
      const { store } = context();
      await store.executionPartitionsPrepare(PREPARE);
      const jobId = await newJob();
      await store.executionWrite({
        inserts: [attempt(jobId, at('2026-01-01T00:00:00Z'), { status: 'SUCCEEDED' }), attempt(jobId, NOW, { status: 'SUCCEEDED' })],
      });
      expect(await store.executionDeleteOlderThan({ before: at('2026-03-02T00:00:00Z'), limit: 100 })).toBe(1);
      expect(await rowCount()).toBe(1);
    });
  });

  if (backend === 'postgres') {
    it('gives a partition drop up when the table lock is not granted in time, and leaves the partition in place', async () => {
      const { store, db } = context();
      await store.executionPartitionsPrepare(PREPARE);
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const reader = db.transaction(async (tx) => {
        await tx.query('SELECT count(*) FROM executions');
        await held;
      });
      const result = await store.executionPartitionsDrop({ before: at('2026-03-01T12:01:00Z'), lockTimeoutMs: 50 });
      release();
      await reader;
      expect(result).toEqual({ dropped: [], busy: true });
      expect((await store.executionPartitionList())[0]!.name).toBe('executions_p20260301_1200');
    });
  }
});
