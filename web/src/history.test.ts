import { describe, expect, it } from 'vitest';
import { chartGeometry, chartPoints, latenessMs, niceCeiling } from './history.js';
import type { Execution } from './types.js';

function execution(overrides: Partial<Execution>): Execution {
  return {
    id: 'e',
    scheduledAt: '2025-05-05T10:00:00.000Z',
    startedAt: '2025-05-05T10:00:00.040Z',
    finishedAt: '2025-05-05T10:00:00.140Z',
    durationMs: 100,
    attempt: 1,
    status: 'SUCCEEDED',
    httpStatus: 200,
    error: null,
    node: 'node-a',
    ...overrides,
  };
}

describe('lateness', () => {
  it('is the time from the scheduled instant to the request start', () => {
    expect(latenessMs(execution({}))).toBe(40);
  });

  it('counts a retry from its own due time when the API gives it', () => {
    expect(
      latenessMs(execution({ attempt: 2, dueAt: '2025-05-05T10:00:02.000Z', startedAt: '2025-05-05T10:00:02.010Z' })),
    ).toBe(10);
  });

  it('is unknown until the attempt starts', () => {
    expect(latenessMs(execution({ startedAt: null, status: 'SCHEDULED' }))).toBeNull();
  });
});

describe('the duration and lateness chart', () => {
  const history = [
    execution({ id: 'c', scheduledAt: '2025-05-05T10:00:02.000Z', startedAt: '2025-05-05T10:00:02.030Z', durationMs: 300 }),
    execution({ id: 'b', scheduledAt: '2025-05-05T10:00:01.000Z', startedAt: null, durationMs: null, status: 'SCHEDULED' }),
    execution({ id: 'a', scheduledAt: '2025-05-05T10:00:00.000Z', startedAt: '2025-05-05T10:00:00.010Z', durationMs: 120 }),
  ];

  it('plots started attempts oldest first, leaving out those not started', () => {
    expect(chartPoints(history)).toEqual([
      { at: Date.parse('2025-05-05T10:00:00.000Z'), durationMs: 120, latenessMs: 10 },
      { at: Date.parse('2025-05-05T10:00:02.000Z'), durationMs: 300, latenessMs: 30 },
    ]);
  });

  it('scales the axis to a round value above the largest point', () => {
    expect(niceCeiling(300)).toBe(500);
    expect(niceCeiling(120)).toBe(200);
    expect(niceCeiling(1000)).toBe(1000);
    expect(niceCeiling(0)).toBe(1);
    const chart = chartGeometry(chartPoints(history), 400, 200);
    expect(chart.yMax).toBe(500);
    expect(chart.yTicks.map((tick) => tick.value)).toEqual([0, 125, 250, 375, 500]);
  });

  it('spans the plot from the first attempt to the last, higher values drawn higher', () => {
    const chart = chartGeometry(chartPoints(history), 400, 200);
    const [first, last] = chart.durationDots;
    expect(first?.x).toBe(chart.plot.left);
    expect(last?.x).toBe(chart.plot.right);
    expect(last!.y).toBeLessThan(first!.y);
    expect(chart.duration.startsWith(`M${chart.plot.left},`)).toBe(true);
    expect(chart.lateness.split('L')).toHaveLength(2);
  });

  it('centres a single attempt and draws nothing for none', () => {
    const one = chartGeometry(chartPoints(history.slice(2)), 400, 200);
    expect(one.durationDots[0]?.x).toBe((one.plot.left + one.plot.right) / 2);
    const none = chartGeometry([], 400, 200);
    expect(none.duration).toBe('');
    expect(none.xTicks).toEqual([]);
  });
});
