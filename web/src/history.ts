import type { Execution, ExecutionStatus } from './types.js';

/** Statuses that end an attempt: its outcome is known and will not change. */
const finished: ReadonlySet<ExecutionStatus> = new Set(['SUCCEEDED', 'FAILED', 'LOST', 'MISSED', 'SKIPPED']);

export function isFinished(status: ExecutionStatus): boolean {
  return finished.has(status);
}

/**
 * How late an attempt's request left: start minus the instant it was due (the retry's due
 * time when the API gives it, the scheduled time otherwise). Null until it has started.
 */
export function latenessMs(execution: Execution): number | null {
  if (execution.startedAt === null) return null;
  const due = new Date(execution.dueAt ?? execution.scheduledAt).getTime();
  const started = new Date(execution.startedAt).getTime();
  if (Number.isNaN(due) || Number.isNaN(started)) return null;
  return started - due;
}

export interface ChartPoint {
  /** Milliseconds since the epoch: the attempt's scheduled time. */
  readonly at: number;
  readonly durationMs: number | null;
  readonly latenessMs: number | null;
}

/** The started attempts of a history page, oldest first, ready to plot. */
export function chartPoints(executions: readonly Execution[]): ChartPoint[] {
  return executions
    .filter((execution) => execution.startedAt !== null)
    .map((execution) => ({
      at: new Date(execution.scheduledAt).getTime(),
      durationMs: execution.durationMs,
      latenessMs: latenessMs(execution),
    }))
    .sort((a, b) => a.at - b.at);
}

/** A round upper bound for an axis (1, 2, 5 × 10^n) at or above `value`. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

export interface ChartGeometry {
  readonly width: number;
  readonly height: number;
  /** Plot area inside the margins. */
  readonly plot: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number };
  readonly yMax: number;
  readonly yTicks: readonly { readonly value: number; readonly y: number }[];
  readonly xTicks: readonly { readonly at: number; readonly x: number }[];
  readonly duration: string;
  readonly lateness: string;
  readonly durationDots: readonly { readonly x: number; readonly y: number }[];
  readonly latenessDots: readonly { readonly x: number; readonly y: number }[];
}

/**
 * Lays out duration and lateness over time on one millisecond axis from zero. Negative
 * lateness (a request sent a hair early) is drawn on the zero line.
 */
export function chartGeometry(points: readonly ChartPoint[], width: number, height: number): ChartGeometry {
  const plot = { left: 56, top: 12, right: width - 12, bottom: height - 28 };
  const values = points.flatMap((point) => [point.durationMs ?? 0, point.latenessMs ?? 0]);
  const yMax = niceCeiling(Math.max(1, ...values));
  const first = points[0]?.at ?? 0;
  const last = points[points.length - 1]?.at ?? first;
  const span = Math.max(1, last - first);
  const x = (at: number): number =>
    points.length === 1 ? (plot.left + plot.right) / 2 : plot.left + ((at - first) / span) * (plot.right - plot.left);
  const y = (value: number): number => plot.bottom - (Math.max(0, value) / yMax) * (plot.bottom - plot.top);
  const series = (pick: (point: ChartPoint) => number | null): { path: string; dots: { x: number; y: number }[] } => {
    const dots = points.flatMap((point) => {
      const value = pick(point);
      return value === null ? [] : [{ x: round(x(point.at)), y: round(y(value)) }];
    });
    const path = dots.map((dot, index) => `${index === 0 ? 'M' : 'L'}${dot.x},${dot.y}`).join(' ');
    return { path, dots };
  };
  const durations = series((point) => point.durationMs);
  const lateness = series((point) => point.latenessMs);
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((share) => ({ value: yMax * share, y: round(y(yMax * share)) }));
  const xTicks =
    points.length === 0
      ? []
      : (points.length === 1 ? [first] : [first, first + span / 2, last]).map((at) => ({ at, x: round(x(at)) }));
  return {
    width,
    height,
    plot,
    yMax,
    yTicks,
    xTicks,
    duration: durations.path,
    lateness: lateness.path,
    durationDots: durations.dots,
    latenessDots: lateness.dots,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
