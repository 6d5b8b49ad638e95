import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionPools, CONNECTIONS_PER_POOL } from './connection-pools.js';

describe('ConnectionPools', () => {
  let pools: ConnectionPools | undefined;
  afterEach(async () => {
    await pools?.close();
    pools = undefined;
  });

  it('sends requests one after another to an idle origin through the same pool, so they share its connection', () => {
    pools = new ConnectionPools(1000, {});
    for (let i = 0; i < 5; i++) {
      const index = pools.pick('http://a.test');
      expect(index).toBe(0);
      pools.done('http://a.test', index);
    }
  });

  it('spreads requests in flight to one origin over pools so that none holds more than its share', () => {
    const limit = 3 * CONNECTIONS_PER_POOL;
    pools = new ConnectionPools(limit, {});
    const picked = Array.from({ length: limit }, () => pools!.pick('http://slow.test'));
    const perPool = [0, 1, 2].map((index) => picked.filter((p) => p === index).length);
    expect(perPool).toEqual([CONNECTIONS_PER_POOL, CONNECTIONS_PER_POOL, CONNECTIONS_PER_POOL]);
    pools.done('http://slow.test', 1);
    expect(pools.pick('http://slow.test')).toBe(1);
    expect(pools.pick('http://other.test')).toBe(0);
  });

  it('uses a single pool when the limit per origin fits in one', () => {
    pools = new ConnectionPools(64, {});
    expect(Array.from({ length: 64 }, () => pools!.pick('http://a.test')).every((index) => index === 0)).toBe(true);
  });
});
