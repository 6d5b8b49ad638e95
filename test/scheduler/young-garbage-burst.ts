/**
 * Puts a burst through one structure and prints the bytes of heap it leaves behind after two
 * young-generation collections (see young-garbage.ts, which runs this with --expose-gc).
 */
import { IdMap } from '../../src/scheduler/id-map.js';
import { LinkedList, type Linked } from '../../src/scheduler/linked-list.js';
import type { BurstHolderName } from './young-garbage.js';

type Collect = (options?: { type: 'major' | 'minor' }) => void;
const collect = (globalThis as { gc?: Collect }).gc!;

/** About 2 KB each: 2,000 of them make the burst's 4 MB. */
class Item implements Linked<Item> {
  listPrevious: Item | null = null;
  listNext: Item | null = null;
  readonly payload: number[];
  constructor(readonly id: string) {
    this.payload = new Array<number>(250).fill(id.length);
  }
}

interface Holder {
  add(item: Item): void;
  remove(item: Item): void;
}

function holderOf(name: BurstHolderName): Holder {
  switch (name) {
    case 'linked-list': {
      const list = new LinkedList<Item>();
      return { add: (item) => list.push(item), remove: (item) => list.delete(item) };
    }
    case 'set': {
      const set = new Set<Item>();
      return { add: (item) => set.add(item), remove: (item) => set.delete(item) };
    }
    case 'id-map': {
      const map = new IdMap<Item>();
      return { add: (item) => map.set(item.id, item), remove: (item) => map.delete(item.id) };
    }
    case 'map': {
      const map = new Map<string, Item>();
      return { add: (item) => map.set(item.id, item), remove: (item) => map.delete(item.id) };
    }
  }
}

function burst(holder: Holder): void {
  const items: Item[] = [];
  for (let i = 0; i < 2000; i++) {
    const item = new Item(`0193a1b2-0000-7000-8000-${String(i).padStart(12, '0')}`);
    items.push(item);
    holder.add(item);
  }
  for (const item of items) holder.remove(item);
}

const holder = holderOf(process.argv[2] as BurstHolderName);
// The holder, and what it keeps between bursts, into the old generation: a node that has run a while.
collect();
collect({ type: 'minor' });
const before = process.memoryUsage().heapUsed;
burst(holder);
collect({ type: 'minor' });
collect({ type: 'minor' });
process.stdout.write(`${process.memoryUsage().heapUsed - before}\n`);
