import { describe, expect, it } from 'vitest';
import { RunningMark, RunningMarks } from './running-marks.js';

const SCHEDULED = new Date('2026-12-05T10:00:00.000Z');
const mark = (id: string, startedAt: number): RunningMark => new RunningMark(id, SCHEDULED, startedAt, undefined);
const ids = (marks: readonly RunningMark[]): string[] => marks.map((m) => m.id);

describe('RunningMarks', () => {
  it('keeps marks in start order, the oldest first, and drops one whose outcome came', () => {
    const marks = new RunningMarks();
    expect(marks.oldest).toBeNull();
    marks.add(mark('a', 100));
    marks.add(mark('b', 150));
    marks.add(mark('c', 200));
    expect(marks.size).toBe(3);
    expect(marks.oldest?.id).toBe('a');
    expect(marks.delete('a')).toBe(true);
    expect(marks.delete('a')).toBe(false);
    expect(marks.oldest?.id).toBe('b');
    expect(marks.size).toBe(2);
  });

  it('takes out those started by an instant, and leaves the younger ones', () => {
    const marks = new RunningMarks();
    for (const [id, at] of [['a', 100], ['b', 150], ['c', 200], ['d', 250]] as const) marks.add(mark(id, at));
    marks.delete('b');
    expect(ids(marks.takeStartedBy(200))).toEqual(['a', 'c']);
    expect(marks.size).toBe(1);
    expect(marks.delete('c')).toBe(false);
    expect(ids(marks.takeAll())).toEqual(['d']);
    expect(marks.size).toBe(0);
    expect(marks.takeAll()).toEqual([]);
  });

  it('puts back the marks of a failed write in front, in their order, except those ended or marked again', () => {
    const marks = new RunningMarks();
    for (const [id, at] of [['a', 100], ['b', 150], ['c', 200]] as const) marks.add(mark(id, at));
    const failed = marks.takeStartedBy(200);
    marks.add(mark('d', 300));
    marks.add(mark('c', 310));
    marks.restore(failed, (id) => id === 'b');
    expect(marks.oldest?.id).toBe('a');
    expect(ids(marks.takeAll())).toEqual(['a', 'd', 'c']);
  });
});
