import { expect, it } from 'vitest';
import { attempt, at, jobParams } from '../store/fixtures.js';
import { describeStore } from '../store/harness.js';

describeStore('engine ownership queries', (context) => {
  it('lists the open attempts a node owns that are due before an instant, with their jobs', async () => {
    const { store } = context();
    const job = await store.jobCreate(jobParams());
    const mine = attempt(job.id, at('2026-01-01T00:00:01Z'), { ownerNode: 'node-a' });
    const later = attempt(job.id, at('2026-01-01T00:00:09Z'), { ownerNode: 'node-a' });
    const others = attempt(job.id, at('2026-01-01T00:00:02Z'), { ownerNode: 'node-b' });
    const done = attempt(job.id, at('2026-01-01T00:00:03Z'), { ownerNode: 'node-a', status: 'SUCCEEDED' });
    await store.executionWrite({ inserts: [mine, later, others, done] });
    const owned = await store.executionListOwned({ nodeId: 'node-a', dueBefore: at('2026-01-01T00:00:05Z'), limit: 10 });
    expect(owned.map((o) => o.execution.id)).toEqual([mine.id]);
    expect(owned[0]!.job).toMatchObject({ id: job.id, api: job.api });
  });

  it('finds the attempts whose job has another occurrence still in progress', async () => {
    const { store } = context();
    const busy = await store.jobCreate(jobParams());
    const idle = await store.jobCreate(jobParams());
    const retrying = await store.jobCreate(jobParams());
    const now = at('2026-01-01T00:00:10Z');
    await store.executionWrite({
      inserts: [
        attempt(busy.id, at('2026-01-01T00:00:09Z'), { status: 'RUNNING', ownerNode: 'node-b' }),
        attempt(idle.id, at('2026-01-01T00:00:09Z'), { status: 'SUCCEEDED' }),
        // Claimed ahead of time and not due yet: not in progress.
        attempt(idle.id, at('2026-01-01T00:00:11Z'), { ownerNode: 'node-b' }),
        attempt(retrying.id, at('2026-01-01T00:00:08Z'), { attempt: 2, dueAt: at('2026-01-01T00:00:30Z') }),
      ],
    });
    const candidate = (jobId: string, id: string) => ({ id, jobId, scheduledAt: now, trigger: 'schedule' as const });
    const ids = ['01900000-0000-7000-8000-00000000000a', '01900000-0000-7000-8000-00000000000b', '01900000-0000-7000-8000-00000000000c'];
    const overlapping = await store.executionFindOverlaps({
      candidates: [candidate(busy.id, ids[0]!), candidate(idle.id, ids[1]!), candidate(retrying.id, ids[2]!)],
      now,
    });
    expect(overlapping.sort()).toEqual([ids[0], ids[2]]);
  });

  it('does not count the candidate\'s own occurrence as an overlap', async () => {
    const { store } = context();
    const job = await store.jobCreate(jobParams());
    const own = attempt(job.id, at('2026-01-01T00:00:10Z'), { ownerNode: 'node-a' });
    await store.executionWrite({ inserts: [own] });
    const overlapping = await store.executionFindOverlaps({
      candidates: [{ id: own.id, jobId: job.id, scheduledAt: own.scheduledAt, trigger: 'schedule' }],
      now: at('2026-01-01T00:00:10Z'),
    });
    expect(overlapping).toEqual([]);
  });
});
