import { describe, expect, it } from 'vitest';
import { JobSchedulerError } from '../errors.js';
import { createMetrics } from '../metrics.js';
import { FakeClock } from '../time/fake-clock.js';
import { capturingLogger } from '../../test/scheduler/engine-harness.js';
import type { NodeRecord } from '../store/types.js';
import { Membership, shareOf, type MembershipOptions } from './membership.js';

type MembershipStore = MembershipOptions['store'];

/** A database that answers each heartbeat as `answer` says, after `tripMs` on the fake clock. */
function fakeStore(clock: FakeClock, answer: () => { skewMs: number; tripMs: number } | 'silent'): MembershipStore & { reaps: () => number } {
  let reaps = 0;
  const heartbeat = async (): Promise<Date> => {
    const next = answer();
    if (next === 'silent') throw new JobSchedulerError('STORE_UNAVAILABLE', 'The database did not answer in time (nodeHeartbeat)');
    const readAt = clock.now() + next.tripMs / 2 - next.skewMs;
    await clock.advance(next.tripMs);
    return new Date(readAt);
  };
  return {
    databaseNow: heartbeat,
    nodeHeartbeat: heartbeat,
    nodeRegister: async () => undefined,
    nodeStop: async () => undefined,
    nodeReapDead: async () => {
      reaps++;
      return { deadNodes: [], requeued: 0, lost: 0 };
    },
    nodeList: async () => [],
    reaps: () => reaps,
  };
}

function membership(store: MembershipStore, clock: FakeClock) {
  const { logger, lines } = capturingLogger();
  const metrics = createMetrics({ defaultMetrics: false });
  const node = { id: 'node-a', hostname: 'host', pid: 1, role: 'scheduler', version: 'test' };
  return { lines, metrics, member: new Membership({ store, clock, logger, metrics, node, heartbeatIntervalMs: 500, nodeTimeoutMs: 3000 }) };
}

describe('membership of a node that loses the database', () => {
  it('says once that it cannot reach the database, then once that it is back and for how long it was out', async () => {
    const clock = new FakeClock(1_000_000);
    let silent = false;
    const store = fakeStore(clock, () => (silent ? 'silent' : { skewMs: 0, tripMs: 2 }));
    const { member, lines } = membership(store, clock);
    await member.beat();
    silent = true;
    for (let i = 0; i < 5; i++) {
      await member.beat();
      await clock.advance(500);
    }
    silent = false;
    await member.beat();
    const said = lines().filter((line) => line.nodeId === 'node-a').map((line) => [line.level, line.msg]);
    expect(said).toEqual([
      [40, 'heartbeat failed: cannot reach the database; trying again every interval'],
      [30, 'database reachable again; heartbeat resumed'],
    ]);
    expect(lines().find((line) => line.level === 30)).toMatchObject({ failures: 5, unreachableMs: 2500 });
  });

  it('checks for dead nodes only while its heartbeats answer', async () => {
    const clock = new FakeClock(1_000_000);
    let silent = false;
    const store = fakeStore(clock, () => (silent ? 'silent' : { skewMs: 0, tripMs: 2 }));
    const { member } = membership(store, clock);
    await member.beat();
    silent = true;
    await member.beat();
    await member.beat();
    expect(store.reaps()).toBe(1);
  });
});

describe('clock skew as a node reports it', () => {
  it('claims no skew from a long round trip, and warns only about one its measurement supports, naming the bound', async () => {
    const clock = new FakeClock(1_000_000);
    const answers = [
      { skewMs: 0, tripMs: 1662 },
      { skewMs: 0, tripMs: 13_000 },
      { skewMs: 900, tripMs: 10 },
    ];
    const store = fakeStore(clock, () => answers.shift()!);
    const { member, lines, metrics } = membership(store, clock);
    // Registration measures once and the heartbeat loop once more before it stops: both long.
    await member.start();
    await member.stop();
    expect(answers).toHaveLength(1);
    expect(member.skew).toBeNull();
    expect((await metrics.clockSkew.get()).values[0]!.value).toBeNaN();
    expect(lines().filter((line) => line.level === 40)).toEqual([]);
    await member.beat();
    expect(member.skew).toEqual({ skewMs: 900, uncertaintyMs: 5 });
    const warnings = lines().filter((line) => line.level === 40);
    expect(warnings.map((line) => line.msg)).toEqual([
      "this node's clock differs from the database's by 900 ms (± 5 ms), more than 500 ms; occurrences fire by the node's clock",
    ]);
    expect((await metrics.clockSkewUncertainty.get()).values[0]!.value).toBe(0.005);
  });

  it('does not warn about a skew that may be under the threshold', async () => {
    const clock = new FakeClock(1_000_000);
    const store = fakeStore(clock, () => ({ skewMs: 560, tripMs: 150 }));
    const { member, lines } = membership(store, clock);
    await member.beat();
    expect(member.skew).toEqual({ skewMs: 560, uncertaintyMs: 75 });
    expect(lines().filter((line) => line.level === 40)).toEqual([]);
  });
});

describe('a node\'s share of the jobs', () => {
  const node = (id: string, heartbeatAt: number, extra: Partial<NodeRecord> = {}): NodeRecord => ({
    id,
    hostname: 'h',
    pid: 1,
    role: 'scheduler',
    version: '0',
    startedAt: new Date(0),
    heartbeatAt: new Date(heartbeatAt),
    clockSkewMs: 0,
    stoppedAt: null,
    ...extra,
  });

  it('is its place among the live claiming nodes ordered by id, the same list on every node', () => {
    const nodes = [node('c', 9_000), node('a', 9_500), node('b', 10_000)];
    expect(['a', 'b', 'c'].map((id) => shareOf(id, nodes, 10_000, 5_000))).toEqual([
      { index: 0, count: 3 },
      { index: 1, count: 3 },
      { index: 2, count: 3 },
    ]);
  });

  it('leaves out stopped nodes, API-only nodes and nodes whose heartbeat expired; a node not listed has none', () => {
    const nodes = [node('a', 10_000), node('b', 10_000, { stoppedAt: new Date(9_000) }), node('c', 10_000, { role: 'api' }), node('d', 4_000), node('e', 6_000)];
    expect(shareOf('a', nodes, 10_000, 5_000)).toEqual({ index: 0, count: 2 });
    expect(shareOf('e', nodes, 10_000, 5_000)).toEqual({ index: 1, count: 2 });
    expect(shareOf('d', nodes, 10_000, 5_000)).toBeNull();
    expect(shareOf('z', nodes, 10_000, 5_000)).toBeNull();
  });
});
