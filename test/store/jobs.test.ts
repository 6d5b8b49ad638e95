import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/ids.js';
import { attempt, at, jobParams } from './fixtures.js';
import { codeOf, describeStore } from './harness.js';

describeStore('jobs', (context) => {
  describe('create and get', () => {
    it('stores every field of a job and reads it back unchanged', async () => {
      const { store } = context();
      const params = jobParams({ description: 'sends the report', onFailure: 'https://example.com/alert', payload: [1, 'two', { three: null }] });
      const created = await store.jobCreate(params);
      const read = await store.jobGet(params.id);
      const { id, nextRunAt, ...definition } = params;
      expect(read).toEqual(created);
      expect(read).toMatchObject({ id, nextRunAt, ...definition, version: 1, deletedAt: null, lastRunAt: null, lastStatus: null });
      expect(read.createdAt).toBeInstanceOf(Date);
    });

    it('stores text with quotes, backslashes, braces, commas, blanks and the word NULL exactly as given', async () => {
      const { store } = context();
      const awkward = ['NULL', 'null', '', ' ', 'a,b', '{x}', 'say "hi"', 'back\\slash\\', 'tab\tnew\nline', 'é 🚀'];
      const batch = awkward.map((name) =>
        jobParams({ name, description: `${name} again`, headers: { 'x-v': name }, payload: { [name]: [name, null] } }),
      );
      await store.jobCreateMany([...batch, jobParams({ name: null, description: null, payload: null })]);
      for (const params of batch) {
        expect(await store.jobGet(params.id)).toMatchObject({
          name: params.name,
          description: params.description,
          headers: params.headers,
          payload: params.payload,
        });
      }
      const page = await store.jobList({ limit: 100 });
      expect(page.items.at(-1)).toMatchObject({ name: null, description: null, payload: null });
    });

    it('keeps a one-time job with runAt and no schedule', async () => {
      const { store } = context();
      const params = jobParams({ schedule: null, runAt: at('2026-03-01T12:00:00.123Z'), payload: null });
      await store.jobCreate(params);
      expect(await store.jobGet(params.id)).toMatchObject({ schedule: null, runAt: at('2026-03-01T12:00:00.123Z'), payload: null });
    });

    it('refuses a second job with the same id as a conflict', async () => {
      const { store } = context();
      const params = jobParams();
      await store.jobCreate(params);
      expect(await codeOf(store.jobCreate({ ...params, name: 'other' }))).toBe('CONFLICT');
    });

    it('answers NOT_FOUND for an unknown id, well-formed or not', async () => {
      const { store } = context();
      expect(await codeOf(store.jobGet(jobParams().id))).toBe('NOT_FOUND');
      expect(await codeOf(store.jobGet('not-a-uuid'))).toBe('NOT_FOUND');
    });

    it('creates many jobs all or nothing', async () => {
      const { store } = context();
      const existing = jobParams();
      await store.jobCreate(existing);
      const batch = [jobParams({ name: 'a' }), jobParams({ name: 'b' }), existing];
      expect(await codeOf(store.jobCreateMany(batch))).toBe('CONFLICT');
      expect(await codeOf(store.jobGet(batch[0]!.id))).toBe('NOT_FOUND');

      const created = await store.jobCreateMany(batch.slice(0, 2));
      expect(created.map((job) => job.name)).toEqual(['a', 'b']);
    });

    it('answers a batch with the jobs as stored, and lists them in the order given', async () => {
      const { store } = context();
      const sameMillisecond = Date.now();
      const ids = Array.from({ length: 300 }, () => uuidv7(sameMillisecond));
      const batch = ids.map((id, index) => jobParams({ id, name: `job ${index}`, headers: { 'x-b': '2', 'x-a': String(index) } }));
      const created = await store.jobCreateMany(batch);
      expect(created.map((job) => job.id)).toEqual(batch.map((job) => job.id));
      expect(await store.jobGet(batch[123]!.id)).toEqual(created[123]);
      const listed = await store.jobList({ limit: 1000 });
      expect(listed.items).toEqual(created);
    });

    it('rejects a job the schema forbids (both schedule and runAt) as invalid', async () => {
      const { store } = context();
      expect(await codeOf(store.jobCreate(jobParams({ runAt: at('2026-01-02T00:00:00Z') })))).toBe('VALIDATION_FAILED');
    });
  });

  describe('list', () => {
    it('pages through every job once, in creation order, with an opaque cursor', async () => {
      const { store } = context();
      const jobs = await store.jobCreateMany(Array.from({ length: 7 }, (_, i) => jobParams({ name: `job ${i}` })));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.jobList({ limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((job) => job.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      // Created in one statement, the jobs share created_at: the id breaks the tie.
      expect(seen).toEqual(jobs.map((job) => job.id).sort());
    });

    it('filters by active state and by a case-insensitive piece of the name', async () => {
      const { store } = context();
      await store.jobCreateMany([
        jobParams({ name: 'Nightly Backup' }),
        jobParams({ name: 'hourly backup', isActive: false }),
        jobParams({ name: 'cleanup' }),
      ]);
      const names = async (params: { active?: boolean; name?: string }): Promise<(string | null)[]> =>
        (await store.jobList({ limit: 10, ...params })).items.map((job) => job.name);
      expect(await names({ name: 'BACKUP' })).toEqual(['Nightly Backup', 'hourly backup']);
      expect(await names({ name: 'backup', active: true })).toEqual(['Nightly Backup']);
      expect(await names({ active: false })).toEqual(['hourly backup']);
    });

    it('matches % and _ in a name filter literally', async () => {
      const { store } = context();
      await store.jobCreateMany([jobParams({ name: '100% done' }), jobParams({ name: '100 done' }), jobParams({ name: 'a_b' }), jobParams({ name: 'axb' })]);
      const names = async (name: string): Promise<(string | null)[]> => (await store.jobList({ limit: 10, name })).items.map((job) => job.name);
      expect(await names('0%')).toEqual(['100% done']);
      expect(await names('a_b')).toEqual(['a_b']);
    });

    it('rejects a cursor it did not hand out', async () => {
      const { store } = context();
      expect(await codeOf(store.jobList({ limit: 10, cursor: 'bm90LWEtY3Vyc29y' }))).toBe('VALIDATION_FAILED');
    });
  });

  describe('update', () => {
    it('changes only the given fields and bumps the version', async () => {
      const { store } = context();
      const job = await store.jobCreate(jobParams());
      const updated = await store.jobUpdate({
        id: job.id,
        patch: { name: 'renamed', retry: { maxAttempts: 5, minBackoffMs: 10, maxBackoffMs: 20 }, payload: null, nextRunAt: null },
      });
      expect(updated).toMatchObject({ name: 'renamed', retry: { maxAttempts: 5, minBackoffMs: 10, maxBackoffMs: 20 }, payload: null, nextRunAt: null, version: 2 });
      expect(updated.api).toBe(job.api);
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(job.updatedAt.getTime());
      expect(await store.jobGet(job.id)).toEqual(updated);
    });

    it('stores a jitter and the due time of the next occurrence with it, and moves both when they change', async () => {
      const { store, db } = context();
      const job = await store.jobCreate(jobParams({ jitterMs: 30_000, nextRunAt: at('2026-01-01T01:00:00Z'), nextDueAt: at('2026-01-01T01:00:12.345Z') }));
      expect((await store.jobGet(job.id)).jitterMs).toBe(30_000);
      const dueAt = async (): Promise<Date> =>
        (await db.query<{ next_due_at: Date }>('SELECT next_due_at FROM job_next_runs WHERE job_id = $1', [job.id])).rows[0]!.next_due_at;
      expect(await dueAt()).toEqual(at('2026-01-01T01:00:12.345Z'));

      const updated = await store.jobUpdate({ id: job.id, patch: { jitterMs: 0, nextRunAt: at('2026-01-01T02:00:00Z') } });
      expect(updated).toMatchObject({ jitterMs: 0, nextRunAt: at('2026-01-01T02:00:00Z') });
      expect(await dueAt()).toEqual(at('2026-01-01T02:00:00Z'));
      await store.jobUpdate({ id: job.id, patch: { name: 'renamed' } });
      expect(await dueAt()).toEqual(at('2026-01-01T02:00:00Z'));
    });

    it('succeeds at the expected version and fails with PRECONDITION_FAILED at a stale one', async () => {
      const { store } = context();
      const job = await store.jobCreate(jobParams());
      await store.jobUpdate({ id: job.id, patch: { paused: true }, expectedVersion: 1 });
      expect(await codeOf(store.jobUpdate({ id: job.id, patch: { paused: false }, expectedVersion: 1 }))).toBe('PRECONDITION_FAILED');
      expect((await store.jobGet(job.id)).paused).toBe(true);
    });

    it('answers NOT_FOUND for an unknown job, with or without an expected version', async () => {
      const { store } = context();
      const { id } = jobParams();
      expect(await codeOf(store.jobUpdate({ id, patch: { name: 'x' } }))).toBe('NOT_FOUND');
      expect(await codeOf(store.jobUpdate({ id, patch: { name: 'x' }, expectedVersion: 1 }))).toBe('NOT_FOUND');
    });
  });

  describe('soft delete', () => {
    it('deactivates the job, keeps it readable with its history, and can be undone by reactivating', async () => {
      const { store } = context();
      const job = await store.jobCreate(jobParams());
      await store.executionWrite({ inserts: [attempt(job.id, at('2026-01-01T00:00:00Z'), { status: 'SUCCEEDED', finishedAt: at('2026-01-01T00:00:01Z') })] });

      const deleted = await store.jobSoftDelete(job.id);
      expect(deleted).toMatchObject({ isActive: false, version: 2 });
      expect(deleted.deletedAt).toBeInstanceOf(Date);
      expect((await store.executionList({ jobId: job.id, limit: 10 })).items).toHaveLength(1);

      const again = await store.jobSoftDelete(job.id);
      expect(again).toMatchObject({ version: 2, deletedAt: deleted.deletedAt });

      const revived = await store.jobUpdate({ id: job.id, patch: { isActive: true } });
      expect(revived).toMatchObject({ isActive: true, deletedAt: null, version: 3 });
    });

    it('answers NOT_FOUND for an unknown job', async () => {
      expect(await codeOf(context().store.jobSoftDelete(jobParams().id))).toBe('NOT_FOUND');
    });
  });

  describe('last run', () => {
    it('shows the latest finished attempt, ignoring attempts still scheduled or running', async () => {
      const { store } = context();
      const job = await store.jobCreate(jobParams());
      await store.executionWrite({
        inserts: [
          attempt(job.id, at('2026-01-01T00:00:00Z'), { status: 'SUCCEEDED' }),
          attempt(job.id, at('2026-01-01T01:00:00Z'), { status: 'FAILED' }),
          attempt(job.id, at('2026-01-01T01:00:00Z'), { status: 'RUNNING', attempt: 2 }),
          attempt(job.id, at('2026-01-01T02:00:00Z'), { status: 'SCHEDULED' }),
        ],
      });
      const read = await store.jobGet(job.id);
      expect(read).toMatchObject({ lastRunAt: at('2026-01-01T01:00:00Z'), lastStatus: 'FAILED' });
      const [listed] = (await store.jobList({ limit: 1 })).items;
      expect(listed).toMatchObject({ lastRunAt: at('2026-01-01T01:00:00Z'), lastStatus: 'FAILED' });
    });
  });
});
