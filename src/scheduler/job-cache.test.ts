import { describe, expect, it } from 'vitest';
import type { ScheduledJob } from '../store/types.js';
import { JobCache } from './job-cache.js';

const job = (id: string, version: number): ScheduledJob => ({ id, version }) as ScheduledJob;

describe('the jobs a node keeps between claims', () => {
  it('gives a job back only at the version it was kept at', () => {
    const cache = new JobCache();
    cache.remember(job('a', 1));
    expect(cache.get('a', 1)).toEqual(job('a', 1));
    expect(cache.get('a', 2)).toBeUndefined();
    cache.remember(job('a', 2));
    expect(cache.get('a', 2)).toEqual(job('a', 2));
    expect(cache.get('b', 1)).toBeUndefined();
  });

  it('starts over instead of growing past its bound', () => {
    const cache = new JobCache(2);
    cache.remember(job('a', 1));
    cache.remember(job('b', 1));
    cache.remember(job('b', 2));
    expect(cache.size).toBe(2);
    cache.remember(job('c', 1));
    expect(cache.size).toBe(1);
    expect(cache.get('c', 1)).toBeDefined();
  });
});
