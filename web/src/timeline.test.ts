import { describe, expect, it } from 'vitest';
import { timelineGeometry } from './timeline.js';

describe('timelineGeometry', () => {
  it('scales bars to a round maximum, one slot per bucket, leaving empty buckets without a bar', () => {
    const chart = timelineGeometry([{ kind: 'bars', className: 'rate', values: [0, 4, 8, null] }], 456, 122);
    expect(chart.plot).toEqual({ left: 56, top: 10, right: 448, bottom: 100 });
    expect(chart.yMax).toBe(10);
    expect(chart.yTicks.map((tick) => tick.value)).toEqual([0, 5, 10]);
    expect(chart.bars).toEqual([
      { className: 'rate', x: 56 + 98 + 98 * 0.15, y: 64, width: 98 * 0.7, height: 36 },
      { className: 'rate', x: 56 + 196 + 98 * 0.15, y: 28, width: 98 * 0.7, height: 72 },
    ]);
  });

  it('joins a line through slot centres and breaks it where a bucket has no value', () => {
    const chart = timelineGeometry([{ kind: 'line', className: 'p99', values: [10, 20, null, 20] }], 456, 122);
    expect(chart.yMax).toBe(20);
    expect(chart.lines).toEqual([
      {
        className: 'p99',
        d: 'M105.0,55.0L203.0,10.0M399.0,10.0',
        points: [
          { x: 105, y: 55 },
          { x: 203, y: 10 },
          { x: 399, y: 10 },
        ],
      },
    ]);
  });

  it('keeps an axis from 0 to 1 when every bucket is empty', () => {
    expect(timelineGeometry([{ kind: 'bars', className: 'failed', values: [0, 0] }], 456, 122)).toMatchObject({ yMax: 1, bars: [] });
  });
});
