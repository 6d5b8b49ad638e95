import { niceCeiling } from './history.js';

/** One minute of the cluster's history, as GET /api/v1/stats/timeline gives it. */
export interface TimelineBucket {
  readonly start: string;
  readonly started: number;
  readonly failed: number;
  readonly latenessP50Ms: number | null;
  readonly latenessP95Ms: number | null;
  readonly latenessP99Ms: number | null;
}

export interface ClusterTimeline {
  readonly bucketSeconds: number;
  readonly buckets: readonly TimelineBucket[];
}

export interface TimelineSeries {
  /** Bars (counts, rates) or a line (percentiles); a null value leaves a gap. */
  readonly kind: 'bars' | 'line';
  readonly className: string;
  readonly values: readonly (number | null)[];
}

export interface TimelineGeometry {
  readonly plot: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number };
  readonly yMax: number;
  readonly yTicks: readonly { readonly value: number; readonly y: number }[];
  readonly bars: readonly { readonly className: string; readonly x: number; readonly y: number; readonly width: number; readonly height: number }[];
  /** A line's path, and its points (drawn as dots, so a lone minute still shows). */
  readonly lines: readonly { readonly className: string; readonly d: string; readonly points: readonly { readonly x: number; readonly y: number }[] }[];
}

/**
 * Places series of one value per bucket on a shared axis from 0 to a round maximum: bars
 * fill their bucket's slot, lines join the slot centres and break where a value is missing.
 */
export function timelineGeometry(series: readonly TimelineSeries[], width: number, height: number): TimelineGeometry {
  const plot = { left: 56, top: 10, right: width - 8, bottom: height - 22 };
  const count = Math.max(1, ...series.map((one) => one.values.length));
  const slot = (plot.right - plot.left) / count;
  const highest = Math.max(0, ...series.flatMap((one) => one.values.filter((value): value is number => value !== null)));
  const yMax = niceCeiling(highest);
  const y = (value: number): number => plot.bottom - (value / yMax) * (plot.bottom - plot.top);
  const yTicks = [0, 0.5, 1].map((share) => ({ value: share * yMax, y: y(share * yMax) }));
  const bars = series
    .filter((one) => one.kind === 'bars')
    .flatMap((one) =>
      one.values.flatMap((value, index) =>
        value === null || value === 0
          ? []
          : [{ className: one.className, x: plot.left + index * slot + slot * 0.15, y: y(value), width: slot * 0.7, height: plot.bottom - y(value) }],
      ),
    );
  const lines = series
    .filter((one) => one.kind === 'line')
    .map((one) => {
      let d = '';
      let drawing = false;
      const points: { x: number; y: number }[] = [];
      one.values.forEach((value, index) => {
        if (value === null) {
          drawing = false;
          return;
        }
        const point = { x: plot.left + (index + 0.5) * slot, y: y(value) };
        points.push(point);
        d += `${drawing ? 'L' : 'M'}${point.x.toFixed(1)},${point.y.toFixed(1)}`;
        drawing = true;
      });
      return { className: one.className, d, points };
    });
  return { plot, yMax, yTicks, bars, lines };
}
