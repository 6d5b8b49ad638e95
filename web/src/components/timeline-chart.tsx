import type { JSX } from 'preact';
import { timelineGeometry, type TimelineSeries } from '../timeline.js';

const width = 456;
const height = 150;

function clock(at: number): string {
  return new Date(at).toLocaleTimeString('en-GB', { hour12: false, hour: '2-digit', minute: '2-digit' });
}

/** One small chart of the last hour: series drawn as bars or lines, the first and last minute labelled. */
export function TimelineChart(props: {
  title: string;
  starts: readonly number[];
  series: readonly (TimelineSeries & { label: string })[];
  format: (value: number) => string;
}): JSX.Element {
  const chart = timelineGeometry(props.series, width, height);
  const first = props.starts[0];
  const last = props.starts.at(-1);
  return (
    <figure class="card chart timeline" data-chart={props.title}>
      <div class="stat-label">{props.title}</div>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${props.title} over the last hour, minute by minute`}>
        {chart.yTicks.map((tick) => (
          <g key={tick.value}>
            <line x1={chart.plot.left} x2={chart.plot.right} y1={tick.y} y2={tick.y} class="grid" />
            <text x={chart.plot.left - 6} y={tick.y + 4} class="tick" text-anchor="end">
              {props.format(tick.value)}
            </text>
          </g>
        ))}
        {chart.bars.map((bar, index) => (
          <rect key={index} x={bar.x} y={bar.y} width={bar.width} height={bar.height} class={`bar ${bar.className}`} />
        ))}
        {chart.lines.map((line) => (
          <g key={line.className}>
            <path d={line.d} class={`line ${line.className}`} />
            {line.points.map((point, index) => (
              <circle key={index} cx={point.x} cy={point.y} r="2.5" class={`dot ${line.className}`} />
            ))}
          </g>
        ))}
        {first !== undefined && last !== undefined && (
          <>
            <text x={chart.plot.left} y={height - 6} class="tick" text-anchor="start">
              {clock(first)}
            </text>
            <text x={chart.plot.right} y={height - 6} class="tick" text-anchor="end">
              {clock(last)}
            </text>
          </>
        )}
      </svg>
      <figcaption class="legend">
        {props.series.map((one) => (
          <span key={one.className} class="legend-item">
            <span class={`key ${one.className}`} /> {one.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
