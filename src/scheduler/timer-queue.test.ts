import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fake-clock.js';
import { TimerQueue } from './timer-queue.js';

interface Item {
  readonly name: string;
  readonly dueAt: number;
}

function queue(clock: FakeClock): { queue: TimerQueue<Item>; batches: [number, string[]][] } {
  const batches: [number, string[]][] = [];
  const q = new TimerQueue<Item>({
    clock,
    dueAtOf: (item) => item.dueAt,
    onDue: (items) => batches.push([clock.now(), items.map((i) => i.name)]),
  });
  return { queue: q, batches };
}

describe('the in-memory timer queue', () => {
  it('hands each item over at its due instant, items due together in one batch', async () => {
    const clock = new FakeClock(0);
    const { queue: q, batches } = queue(clock);
    q.push({ name: 'c', dueAt: 2000 });
    q.push({ name: 'a', dueAt: 1000 });
    q.push({ name: 'b', dueAt: 1000 });
    q.push({ name: 'd', dueAt: 3000 });
    await clock.advance(2500);
    expect(batches).toEqual([
      [1000, ['a', 'b']],
      [2000, ['c']],
    ]);
    expect(q.size).toBe(1);
  });

  it('keeps a single clock timer armed however many items wait', () => {
    const clock = new FakeClock(0);
    const { queue: q } = queue(clock);
    for (let i = 0; i < 10_000; i++) q.push({ name: `n${i}`, dueAt: 1 + ((i * 7919) % 5000) });
    expect(clock.pendingTimers).toBe(1);
    expect(q.peekDueAt()).toBe(1);
  });

  it('hands over items in due order, whatever order they arrived in', async () => {
    const clock = new FakeClock(0);
    const { queue: q, batches } = queue(clock);
    const dues = Array.from({ length: 500 }, (_, i) => 1 + ((i * 7919) % 997));
    dues.forEach((dueAt, i) => q.push({ name: String(i), dueAt }));
    await clock.advance(1000);
    const order = batches.map(([at]) => at);
    expect(order).toEqual([...new Set(dues)].sort((a, b) => a - b));
  });

  it('re-arms for an item that is due earlier than the one it waits for', async () => {
    const clock = new FakeClock(0);
    const { queue: q, batches } = queue(clock);
    q.push({ name: 'late', dueAt: 5000 });
    q.push({ name: 'early', dueAt: 100 });
    await clock.advance(100);
    expect(batches).toEqual([[100, ['early']]]);
    expect(clock.pendingTimers).toBe(1);
  });

  it('hands over at once an item that is already due', async () => {
    const clock = new FakeClock(10_000);
    const { queue: q, batches } = queue(clock);
    q.push({ name: 'overdue', dueAt: 9_000 });
    await clock.advance(0);
    expect(batches).toEqual([[10_000, ['overdue']]]);
  });

  it('accepts items pushed while a batch is handed over', async () => {
    const clock = new FakeClock(0);
    const seen: string[] = [];
    const q: TimerQueue<Item> = new TimerQueue<Item>({
      clock,
      dueAtOf: (item) => item.dueAt,
      onDue: (items) => {
        for (const item of items) {
          seen.push(`${item.name}@${clock.now()}`);
          if (item.name === 'first') q.push({ name: 'retry', dueAt: clock.now() + 300 });
        }
      },
    });
    q.push({ name: 'first', dueAt: 100 });
    await clock.advance(1000);
    expect(seen).toEqual(['first@100', 'retry@400']);
  });

  it('gives back every waiting item when drained and then fires nothing', async () => {
    const clock = new FakeClock(0);
    const { queue: q, batches } = queue(clock);
    q.push({ name: 'b', dueAt: 200 });
    q.push({ name: 'a', dueAt: 100 });
    expect(q.drain().map((i) => i.name)).toEqual(['a', 'b']);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(1000);
    expect(batches).toEqual([]);
  });
});
