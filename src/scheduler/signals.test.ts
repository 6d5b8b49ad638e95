import { describe, expect, it } from 'vitest';
import { Signals } from './signals.js';

interface Events {
  tick: { readonly n: number };
}

describe('Signals', () => {
  it('calls each listener on every emit until it is turned off, once however often it was added', () => {
    const signals = new Signals<Events>();
    const seen: number[] = [];
    const listener = ({ n }: Events['tick']): void => void seen.push(n);
    const off = signals.on('tick', listener);
    signals.on('tick', listener);
    signals.emit('tick', { n: 1 });
    off();
    signals.emit('tick', { n: 2 });
    expect(seen).toEqual([1]);
  });

  it('applies listeners added or removed by a listener from the next emit on', () => {
    const signals = new Signals<Events>();
    const seen: string[] = [];
    let offSecond = (): void => undefined;
    signals.on('tick', ({ n }) => {
      seen.push(`first ${n}`);
      offSecond();
      if (n === 1) signals.on('tick', ({ n: later }) => void seen.push(`added ${later}`));
    });
    offSecond = signals.on('tick', ({ n }) => void seen.push(`second ${n}`));
    signals.emit('tick', { n: 1 });
    signals.emit('tick', { n: 2 });
    expect(seen).toEqual(['first 1', 'second 1', 'first 2', 'added 2']);
  });

  it('resolves next with the first payload that matches, and stops listening', async () => {
    const signals = new Signals<Events>();
    const next = signals.next('tick', ({ n }) => n > 1);
    signals.emit('tick', { n: 1 });
    signals.emit('tick', { n: 2 });
    signals.emit('tick', { n: 3 });
    await expect(next).resolves.toEqual({ n: 2 });
  });
});
