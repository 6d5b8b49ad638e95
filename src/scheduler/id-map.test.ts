import { describe, expect, it } from 'vitest';
import { retainedAfterBurst } from '../../test/scheduler/young-garbage.js';
import { IdMap } from './id-map.js';

describe('IdMap', () => {
  it('sets, reads, replaces and deletes by id, and counts entries', () => {
    const map = new IdMap<number>();
    expect(map.size).toBe(0);
    expect(map.has('0193a1b2-0000-7000-8000-000000000001')).toBe(false);
    map.set('0193a1b2-0000-7000-8000-000000000001', 1);
    map.set('0193a1b2-0000-7000-8000-000000000002', 2);
    map.set('0193a1b2-0000-7000-8000-000000000001', 3);
    expect(map.size).toBe(2);
    expect(map.get('0193a1b2-0000-7000-8000-000000000001')).toBe(3);
    expect(map.delete('0193a1b2-0000-7000-8000-000000000001')).toBe(true);
    expect(map.delete('0193a1b2-0000-7000-8000-000000000001')).toBe(false);
    expect(map.get('0193a1b2-0000-7000-8000-000000000001')).toBeUndefined();
    expect(map.size).toBe(1);
  });

  it('holds a falsy or undefined value as an entry', () => {
    const map = new IdMap<number | undefined>();
    map.set('a', 0);
    map.set('b', undefined);
    expect(map.has('a')).toBe(true);
    expect(map.has('b')).toBe(true);
    expect(map.size).toBe(2);
  });

  it('knows no names it was not given: no prototype behind it', () => {
    const map = new IdMap<string>();
    for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      expect(map.has(name)).toBe(false);
      expect(map.get(name)).toBeUndefined();
      expect(map.delete(name)).toBe(false);
    }
    map.set('__proto__', 'kept as an entry');
    expect(map.get('__proto__')).toBe('kept as an entry');
    expect(map.size).toBe(1);
  });

  it('keeps nothing of a burst alive through young-generation collections once its entries are out', async () => {
    expect(await retainedAfterBurst('id-map')).toBeLessThan(1 << 20);
  });

  it('is there because a Map in its place keeps the whole burst alive', async () => {
    expect(await retainedAfterBurst('map')).toBeGreaterThan(2 << 20);
  });
});
