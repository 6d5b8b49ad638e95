import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isJobSchedulerError } from '../../src/errors.js';
import { JobCreateBatcher } from '../../src/jobs/create-batcher.js';
import { createStore } from '../../src/store/index.js';
import type { JobCreateParams, Store } from '../../src/store/types.js';
import { jobParams } from '../store/fixtures.js';

describe('creating jobs one per request, in shared round trips', () => {
  let store: Store;
  let inserts: number[];
  /** The real store, with a note of how many jobs each insert carried. */
  let counted: Pick<Store, 'jobCreateMany'>;

  beforeAll(async () => {
    store = await createStore({ dataDir: null });
    await store.migrate();
    counted = {
      jobCreateMany: (params: readonly JobCreateParams[]) => {
        inserts.push(params.length);
        return store.jobCreateMany(params);
      },
    };
  });
  beforeEach(() => {
    inserts = [];
  });
  afterAll(async () => {
    await store.close();
  });

  it('stores a lone create at once, on its own', async () => {
    const batcher = new JobCreateBatcher(counted);
    const params = jobParams({ name: 'alone' });
    const job = await batcher.create(params);
    expect(job).toMatchObject({ id: params.id, name: 'alone', version: 1 });
    expect(inserts).toEqual([1]);
  });

  it('stores creates that arrive while inserts are busy together, each caller getting its own job', async () => {
    const batcher = new JobCreateBatcher(counted, { maxInFlight: 2 });
    const all = Array.from({ length: 50 }, (_, i) => jobParams({ name: `job ${i}` }));
    const jobs = await Promise.all(all.map((params) => batcher.create(params)));
    expect(jobs.map((job) => job.id)).toEqual(all.map((params) => params.id));
    expect(jobs.map((job) => job.name)).toEqual(all.map((params) => params.name));
    expect(inserts.reduce((sum, size) => sum + size, 0)).toBe(50);
    expect(inserts.slice(0, 2)).toEqual([1, 1]);
    expect(inserts.length).toBeLessThanOrEqual(4);
    for (const params of all) expect((await store.jobGet(params.id)).name).toBe(params.name);
  });

  it('fails only the job the database refuses, storing the others of its batch', async () => {
    const batcher = new JobCreateBatcher(counted, { maxInFlight: 1 });
    const first = batcher.create(jobParams({ name: 'first' }));
    const good = jobParams({ name: 'good' });
    const bad = jobParams({ name: 'bad\u0000name' });
    const results = await Promise.allSettled([first, batcher.create(good), batcher.create(bad)]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(isJobSchedulerError((results[2] as PromiseRejectedResult).reason, 'VALIDATION_FAILED')).toBe(true);
    expect((await store.jobGet(good.id)).name).toBe('good');
  });

  it('fails every waiting create when the database is unavailable', async () => {
    const down = await createStore({ databaseUrl: 'postgresql://nobody@127.0.0.1:9/none', poolSize: 1 });
    try {
      const batcher = new JobCreateBatcher(down, { maxInFlight: 1 });
      const results = await Promise.allSettled([batcher.create(jobParams()), batcher.create(jobParams()), batcher.create(jobParams())]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect(isJobSchedulerError((result as PromiseRejectedResult).reason, 'STORE_UNAVAILABLE')).toBe(true);
      }
    } finally {
      await down.close();
    }
  });
});
