import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo } from './fifo.js';

describe('Fifo', () => {
  it('hands items out in the order they came, across any mix of pushes, shifts and put-backs', () => {
    const operation = fc.oneof(
      fc.record({ push: fc.integer() }),
      fc.record({ shift: fc.nat(3000) }),
      fc.record({ putBack: fc.array(fc.integer(), { maxLength: 5 }) }),
      fc.record({ pushMany: fc.nat(3000) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        for (const op of operations) {
          if ('push' in op) {
            fifo.push(op.push);
            model.push(op.push);
          } else if ('pushMany' in op) {
            for (let i = 0; i < op.pushMany; i++) {
              fifo.push(i);
              model.push(i);
            }
          } else if ('shift' in op) {
            for (let i = 0; i < op.shift; i++) expect(fifo.shift()).toBe(model.shift());
          } else {
            fifo.unshiftAll(op.putBack);
            model.unshift(...op.putBack);
          }
          expect(fifo.length).toBe(model.length);
          expect(fifo.peek()).toBe(model[0]);
        }
        expect([...fifo]).toEqual(model);
      }),
      { numRuns: 200 },
    );
  });

  it('is empty once everything was taken, and says so with undefined', () => {
    const fifo = new Fifo<string>();
    fifo.push('a');
    expect(fifo.shift()).toBe('a');
    expect(fifo.shift()).toBeUndefined();
    expect(fifo.length).toBe(0);
  });
});
