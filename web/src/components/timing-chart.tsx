import type { JSX } from 'preact';
import { formatDuration } from '../format.js';
import { chartGeometry, type ChartPoint } from '../history.js';

const width = 1120;
const height = 260;

function clock(at: number): string {
  const date = new Date(at);
  return date.toLocaleTimeString('en-GB', { hour12: false });
}

/** Duration and lateness of recent attempts over time, drawn as inline SVG. */
export function TimingChart({ points }: { points: readonly ChartPoint[] }): JSX.Element {
  if (points.length === 0) {
    return <p class="empty muted">No attempt has started yet: the chart fills in as the job fires.</p>;
  }
  const chart = chartGeometry(points, width, height);
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Duration and lateness of the last ${points.length} attempts`}
      >
        {chart.yTicks.map((tick) => (
          <g key={tick.value}>
            <line x1={chart.plot.left} x2={chart.plot.right} y1={tick.y} y2={tick.y} class="grid" />
            <text x={chart.plot.left - 6} y={tick.y + 4} class="tick" text-anchor="end">
              {formatDuration(tick.value)}
            </text>
          </g>
        ))}
        {chart.xTicks.map((tick, index) => (
          <text
            key={tick.at}
            x={tick.x}
            y={height - 8}
            class="tick"
            text-anchor={index === 0 && chart.xTicks.length > 1 ? 'start' : index === chart.xTicks.length - 1 && index > 0 ? 'end' : 'middle'}
          >
            {clock(tick.at)}
          </text>
        ))}
        <path d={chart.duration} class="line duration" />
        <path d={chart.lateness} class="line lateness" />
        {chart.durationDots.map((dot, index) => (
          <circle key={`d${index}`} cx={dot.x} cy={dot.y} r="2.5" class="dot duration" />
        ))}
        {chart.latenessDots.map((dot, index) => (
          <circle key={`l${index}`} cx={dot.x} cy={dot.y} r="2.5" class="dot lateness" />
        ))}
      </svg>
      <figcaption class="legend">
        <span class="key duration" /> Duration (request start to answer)
        <span class="key lateness" /> Lateness (start minus due time)
      </figcaption>
    </figure>
  );
}
