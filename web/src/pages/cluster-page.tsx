import type { JSX } from 'preact';
import { api } from '../api.js';
import { ErrorBanner } from '../components/badges.js';
import { TimelineChart } from '../components/timeline-chart.js';
import { formatDuration, formatLocal, formatRate, formatRelative } from '../format.js';
import { useNow, useResource } from '../hooks.js';
import type { ClusterTimeline } from '../timeline.js';
import type { ClusterNode } from '../types.js';

/** Skew past this is worth a look: firing stays correct (the database decides), lateness may not. */
const skewWarnMs = 500;

function nodeState(node: ClusterNode): { label: string; tone: string } {
  if (node.stoppedAt !== null) return { label: 'Stopped', tone: 'neutral' };
  return node.alive ? { label: 'Alive', tone: 'ok' } : { label: 'Not responding', tone: 'bad' };
}

function Stat({ label, value, note }: { label: string; value: string; note?: string }): JSX.Element {
  return (
    <div class="card stat">
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {note && <div class="muted small">{note}</div>}
    </div>
  );
}

/** Firing rate, lateness and failures of the last hour, from the history of every node. */
function HourCharts({ timeline }: { timeline: ClusterTimeline }): JSX.Element {
  const { buckets, bucketSeconds } = timeline;
  const starts = buckets.map((bucket) => Date.parse(bucket.start));
  return (
    <div class="grid three">
      <TimelineChart
        title="Firings per second"
        starts={starts}
        format={formatRate}
        series={[{ kind: 'bars', className: 'rate', label: 'Attempts started, per second', values: buckets.map((bucket) => bucket.started / bucketSeconds) }]}
      />
      <TimelineChart
        title="Lateness"
        starts={starts}
        format={formatDuration}
        series={[
          { kind: 'line', className: 'p50', label: 'p50', values: buckets.map((bucket) => bucket.latenessP50Ms) },
          { kind: 'line', className: 'p99', label: 'p99', values: buckets.map((bucket) => bucket.latenessP99Ms) },
        ]}
      />
      <TimelineChart
        title="Failures"
        starts={starts}
        format={(value) => (Number.isInteger(value) ? String(value) : value.toFixed(1))}
        series={[{ kind: 'bars', className: 'failed', label: 'Attempts failed or lost, per minute', values: buckets.map((bucket) => bucket.failed) }]}
      />
    </div>
  );
}

export function ClusterPage(): JSX.Element {
  const now = useNow();
  const nodes = useResource((signal) => api.nodes(signal), [], 2000);
  const stats = useResource((signal) => api.stats(signal), [], 2000);
  const timeline = useResource((signal) => api.timeline(signal), [], 15_000);
  const list = nodes.data ?? [];
  const alive = list.filter((node) => node.alive && node.stoppedAt === null);
  const worstSkew = alive.reduce((worst, node) => (Math.abs(node.clockSkewMs) > Math.abs(worst) ? node.clockSkewMs : worst), 0);
  const sorted = [...list].sort((a, b) => Number(b.alive) - Number(a.alive) || a.id.localeCompare(b.id));

  return (
    <section>
      <div class="page-head">
        <h1>Cluster</h1>
      </div>
      <div class="grid three">
        <Stat label="Nodes alive" value={nodes.data ? `${alive.length} / ${list.length}` : '—'} note="Nodes with a fresh heartbeat." />
        <Stat
          label="Firings per second"
          value={stats.data ? formatRate(stats.data.firingsPerSecond) : '—'}
          note={stats.data ? `Attempts taken on by all nodes, averaged over the last ${stats.data.windowSeconds} s.` : undefined}
        />
        <Stat
          label="Largest clock skew"
          value={nodes.data ? formatDuration(worstSkew) : '—'}
          note="Node clock minus database clock, among live nodes."
        />
      </div>
      {timeline.data && <HourCharts timeline={timeline.data} />}
      <ErrorBanner error={nodes.error ?? stats.error ?? timeline.error} />
      <div class="card table-wrap">
        <table class="table" aria-label="Nodes">
          <thead>
            <tr>
              <th>Node</th>
              <th>State</th>
              <th>Role</th>
              <th>Host / pid</th>
              <th>Version</th>
              <th>Started</th>
              <th>Last heartbeat</th>
              <th class="num">Clock skew</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((node) => {
              const state = nodeState(node);
              return (
                <tr key={node.id} data-node-id={node.id}>
                  <td class="mono strong">{node.id}</td>
                  <td>
                    <span class={`badge ${state.tone}`}>{state.label}</span>
                  </td>
                  <td>{node.role}</td>
                  <td>
                    {node.hostname} / {node.pid}
                  </td>
                  <td>{node.version}</td>
                  <td title={formatLocal(node.startedAt)}>
                    {formatRelative(node.startedAt, now)}
                  </td>
                  <td title={formatLocal(node.heartbeatAt)}>{formatRelative(node.heartbeatAt, now)}</td>
                  <td class={`num${Math.abs(node.clockSkewMs) > skewWarnMs ? ' warn-text' : ''}`}>{formatDuration(node.clockSkewMs)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {nodes.data && list.length === 0 && <p class="empty muted">No node has registered yet.</p>}
      </div>
    </section>
  );
}
