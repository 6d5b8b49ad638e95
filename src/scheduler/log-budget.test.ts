import { describe, expect, it } from 'vitest';
import { LogBudget } from './log-budget.js';

describe('a log budget', () => {
  it('allows the first lines of an interval, counts the rest, and reports them with the next line allowed', () => {
    const budget = new LogBudget(2, 10_000);
    expect(budget.take(0)).toBe(0);
    expect(budget.take(1)).toBe(0);
    expect([budget.take(2), budget.take(3), budget.take(9_999)]).toEqual([null, null, null]);
    expect(budget.take(10_000)).toBe(3);
    expect(budget.take(10_001)).toBe(0);
    expect(budget.take(10_002)).toBeNull();
    expect(budget.takeSuppressed()).toBe(1);
    expect(budget.takeSuppressed()).toBe(0);
  });
});
