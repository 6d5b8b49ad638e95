import { describe, expect, it } from 'vitest';
import { retainedAfterBurst } from '../../test/scheduler/young-garbage.js';
import { LinkedList, type Linked } from './linked-list.js';

class Item implements Linked<Item> {
  listPrevious: Item | null = null;
  listNext: Item | null = null;
  constructor(readonly name: string) {}
}

const names = (list: LinkedList<Item>): string[] => [...list].map((item) => item.name);

describe('LinkedList', () => {
  it('keeps items in the order they were put in, at either end, and counts them', () => {
    const list = new LinkedList<Item>();
    const [a, b, c, z] = [new Item('a'), new Item('b'), new Item('c'), new Item('z')];
    expect(list.first).toBeNull();
    list.push(a);
    list.push(b);
    list.push(c);
    list.unshift(z);
    expect(list.size).toBe(4);
    expect(list.first).toBe(z);
    expect(names(list)).toEqual(['z', 'a', 'b', 'c']);
  });

  it('takes out an item from anywhere, and the ends follow', () => {
    const list = new LinkedList<Item>();
    const [a, b, c] = [new Item('a'), new Item('b'), new Item('c')];
    for (const item of [a, b, c]) list.push(item);
    expect(list.delete(b)).toBe(true);
    expect(names(list)).toEqual(['a', 'c']);
    expect(list.delete(a)).toBe(true);
    expect(list.first).toBe(c);
    expect(list.delete(c)).toBe(true);
    expect(list.first).toBeNull();
    expect(list.size).toBe(0);
    // Empty again, both ends are usable as before.
    list.push(b);
    list.unshift(a);
    expect(names(list)).toEqual(['a', 'b']);
  });

  it('tells an item it does not hold, and leaves the list as it was', () => {
    const list = new LinkedList<Item>();
    const [a, stranger] = [new Item('a'), new Item('stranger')];
    list.push(a);
    expect(list.has(stranger)).toBe(false);
    expect(list.delete(stranger)).toBe(false);
    expect(list.has(a)).toBe(true);
    expect(list.delete(a)).toBe(true);
    expect(list.delete(a)).toBe(false);
    expect(list.has(a)).toBe(false);
    expect(list.size).toBe(0);
  });

  it('clears the links of an item taken out, so a dead item holds no other', () => {
    const list = new LinkedList<Item>();
    const [a, b, c] = [new Item('a'), new Item('b'), new Item('c')];
    for (const item of [a, b, c]) list.push(item);
    list.delete(b);
    expect(b.listPrevious).toBeNull();
    expect(b.listNext).toBeNull();
    expect(a.listNext).toBe(c);
    expect(c.listPrevious).toBe(a);
  });

  it('walks the items as they were when the walk began, skipping those taken out meanwhile', () => {
    const list = new LinkedList<Item>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => new Item(name));
    for (const item of [a, b, c, d]) list.push(item!);
    const visited: string[] = [];
    for (const item of list) {
      visited.push(item.name);
      // Interrupting one request may settle it and another.
      list.delete(item);
      if (item === a) list.delete(c!);
      if (item === b) list.push(new Item('late'));
    }
    expect(visited).toEqual(['a', 'b', 'd']);
    expect(names(list)).toEqual(['late']);
  });

  it('keeps nothing of a burst alive through young-generation collections once its items are out', async () => {
    expect(await retainedAfterBurst('linked-list')).toBeLessThan(1 << 20);
  });

  it('is there because a Set in its place keeps the whole burst alive: V8 links a replaced table to its replacement', async () => {
    expect(await retainedAfterBurst('set')).toBeGreaterThan(2 << 20);
  });
});
