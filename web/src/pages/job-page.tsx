import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { ErrorBanner, StateBadge, StatusBadge } from '../components/badges.js';
import { BackfillForm, RunWithOverrides } from '../components/job-action-forms.js';
import { TimingChart } from '../components/timing-chart.js';
import { formatDuration, formatInOwnOffset, formatLocal, formatPercent, formatRelative } from '../format.js';
import { chartPoints, latenessMs } from '../history.js';
import { useNow, useResource } from '../hooks.js';
import { Link, navigate } from '../router.js';
import { paths } from '../routes.js';
import type { Execution, Job } from '../types.js';

const historyPage = 50;

function Detail({ label, children }: { label: string; children: JSX.Element | string | null }): JSX.Element {
  return (
    <div class="detail">
      <dt>{label}</dt>
      <dd>{children ?? <span class="muted">—</span>}</dd>
    </div>
  );
}

function Actions({ job, onChanged }: { job: Job; onChanged: (message: string) => void }): JSX.Element {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const act = async (action: () => Promise<unknown>, message: string): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      onChanged(message);
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      setBusy(false);
    }
  };
  const remove = (): void => {
    if (!confirm(`Delete ${job.name ?? 'this job'}? It stops firing; its history is kept.`)) return;
    void act(() => api.deleteJob(job.id), 'Job deleted: it will not fire again.');
  };
  return (
    <div class="actions-block">
      <div class="actions">
        <button class="button" disabled={busy || !job.isActive} onClick={() => void act(() => api.runJob(job.id), 'Run requested.')}>
          Run now
        </button>
        {job.paused ? (
          <button class="button" disabled={busy || !job.isActive} onClick={() => void act(() => api.resumeJob(job.id), 'Job resumed.')}>
            Resume
          </button>
        ) : (
          <button class="button" disabled={busy || !job.isActive} onClick={() => void act(() => api.pauseJob(job.id), 'Job paused.')}>
            Pause
          </button>
        )}
        <Link href={paths.editJob(job.id)} class="button">
          Edit
        </Link>
        <button class="button danger" disabled={busy || !job.isActive} onClick={remove}>
          Delete
        </button>
      </div>
      <ErrorBanner error={error} />
    </div>
  );
}

function HistoryRow({ execution }: { execution: Execution }): JSX.Element {
  return (
    <tr data-status={execution.status}>
      <td title={execution.dueAt && execution.dueAt !== execution.scheduledAt ? `scheduled ${execution.scheduledAt}, due ${execution.dueAt}` : execution.scheduledAt}>
        {formatLocal(execution.scheduledAt)}
        {execution.trigger === 'manual' && <span class="tag">manual</span>}
        {execution.trigger === 'backfill' && <span class="tag">backfill</span>}
        {execution.override != null && (
          <span class="tag" title={JSON.stringify(execution.override, null, 2)}>
            overridden
          </span>
        )}
        {execution.dueAt && execution.attempt === 1 && execution.dueAt !== execution.scheduledAt && (
          <div class="muted small">due {formatLocal(execution.dueAt)}</div>
        )}
      </td>
      <td>
        <StatusBadge status={execution.status} />
      </td>
      <td class="num">{execution.httpStatus ?? '—'}</td>
      <td class="num">{formatDuration(execution.durationMs)}</td>
      <td class="num">{formatDuration(latenessMs(execution))}</td>
      <td class="num">{execution.attempt}</td>
      <td class="mono small">{execution.node ?? '—'}</td>
      <td class="error-cell" title={execution.error ?? undefined}>
        {execution.error ?? ''}
      </td>
    </tr>
  );
}

export function JobPage({ id }: { id: string }): JSX.Element {
  const now = useNow();
  const [flash, setFlash] = useState<string | null>(null);
  const [limit, setLimit] = useState(historyPage);
  const job = useResource((signal) => api.getJob(id, signal), [id], 5000);
  const data = job.data?.data;
  const nextRunKey = `${data?.nextRunAt ?? ''} ${data?.schedule ?? ''} ${data?.timezone ?? ''} ${data?.paused ?? ''}`;
  // One more than shown: between refreshes the first one may fire and drop off the list.
  const schedule = useResource((signal) => api.jobSchedule(id, 11, signal), [id, nextRunKey], 10_000);
  const upcoming = (schedule.data?.nextRuns ?? [])
    .map((scheduledAt, i) => ({ scheduledAt, firesAt: schedule.data?.firesAt[i] ?? scheduledAt }))
    .filter((run) => Date.parse(run.firesAt) > now)
    .slice(0, 10);
  const history = useResource((signal) => api.jobHistory(id, { limit }, signal), [id, limit], 2000);
  const stats = useResource(async (signal) => (await api.jobStats([id], signal))[0], [id], 15_000);
  const preview = useResource(
    (signal) =>
      data?.schedule
        ? api.previewSchedule({ expression: data.schedule, timezone: data.timezone, count: 1 }, signal)
        : Promise.resolve(null),
    [data?.schedule, data?.timezone],
  );

  if (job.error instanceof ApiError && job.error.status === 404) {
    return (
      <section class="card empty">
        <h1>Job not found</h1>
        <p>
          No job has the id <code>{id}</code>. <Link href={paths.jobs()}>Back to the jobs</Link>
        </p>
      </section>
    );
  }
  if (!data) {
    return <section>{job.error ? <ErrorBanner error={job.error} /> : <p class="muted">Loading…</p>}</section>;
  }
  const onChanged = (message: string): void => {
    setFlash(message);
    job.reload();
    history.reload();
    if (message.startsWith('Job deleted')) navigate(paths.jobs());
  };
  const executions = history.data?.items ?? [];

  return (
    <section>
      <div class="page-head">
        <div>
          <p class="crumbs">
            <Link href={paths.jobs()}>Jobs</Link> /
          </p>
          <h1>
            {data.name ?? 'Unnamed job'} <StateBadge job={data} />
          </h1>
          {data.description && <p class="muted">{data.description}</p>}
          <p class="muted mono small">{data.id}</p>
        </div>
        <Actions job={data} onChanged={onChanged} />
      </div>
      {flash && (
        <div class="banner ok" role="status">
          {flash}
        </div>
      )}
      <ErrorBanner error={job.error} />
      {data.setAsideReason ? (
        <div class="banner bad" role="alert">
          Set aside {data.setAsideAt ? formatRelative(data.setAsideAt, now) : ''}: {data.setAsideReason}. It will not fire until
          its schedule, run time or time zone is changed.
        </div>
      ) : null}
      {data.pausedReason && (data.paused || data.endedBy) ? (
        <div class={`banner ${data.paused && data.pausedReason !== 'manual' ? 'bad' : 'warn'}`} role="status" aria-label="Why the job stopped">
          {data.endedBy ? 'Ended' : 'Paused'} {data.pausedAt ? formatRelative(data.pausedAt, now) : ''}: {data.pausedReason}.{' '}
          {data.endedBy
            ? `Change its ${data.endedBy === 'endAt' ? 'end' : 'max runs'} to bring it back.`
            : 'Resume it to fire again.'}
        </div>
      ) : null}

      <div class="grid two">
        <div class="card">
          <h2>Definition</h2>
          <dl class="details">
            <Detail label="Schedule">
              {data.schedule !== null ? (
                <span>
                  <code>{data.schedule}</code>
                  <span class="muted"> {preview.data?.description ?? ''}</span>
                </span>
              ) : (
                `Once at ${formatLocal(data.runAt)}`
              )}
            </Detail>
            <Detail label="Time zone">{data.timezone}</Detail>
            <Detail label="Target">
              <span class="mono break">
                {data.method} {data.api}
              </span>
            </Detail>
            <Detail label="Delivery">{data.type === 'AT_LEAST_ONCE' ? 'At least once' : 'At most once'}</Detail>
            <Detail label="Retries">
              {`${data.retry.maxAttempts} attempt${data.retry.maxAttempts === 1 ? '' : 's'}, backoff ${formatDuration(data.retry.minBackoffMs)} to ${formatDuration(data.retry.maxBackoffMs)}`}
            </Detail>
            <Detail label="Timeout">{formatDuration(data.timeoutMs)}</Detail>
            <Detail label="Missed runs">{data.misfirePolicy}</Detail>
            <Detail label="Overlap">{data.overlapPolicy}</Detail>
            {data.schedule !== null && (data.startAt || data.endAt || data.maxRuns != null) ? (
              <Detail label="Bounds">
                {[
                  data.startAt ? `from ${formatLocal(data.startAt)}` : null,
                  data.endAt ? `until ${formatLocal(data.endAt)}` : null,
                  data.maxRuns != null ? `${data.runCount ?? 0} of ${data.maxRuns} runs` : null,
                ]
                  .filter((part) => part !== null)
                  .join(', ')}
              </Detail>
            ) : null}
            {data.pauseAfterFailures != null ? (
              <Detail label="Auto-pause">
                {`after ${data.pauseAfterFailures} failed run${data.pauseAfterFailures === 1 ? '' : 's'} in a row (${data.consecutiveFailures ?? 0} so far)`}
              </Detail>
            ) : null}
            <Detail label="Jitter">{data.jitterMs > 0 ? `up to ${formatDuration(data.jitterMs)} after each scheduled time` : 'none'}</Detail>
            <Detail label="Last run">
              {data.lastRunAt ? (
                <span>
                  {formatRelative(data.lastRunAt, now)} <StatusBadge status={data.lastStatus} />
                </span>
              ) : null}
            </Detail>
            <Detail label="Success (24 h)">
              {stats.data && stats.data.successRate !== null
                ? // The server counts occurrences, each by its latest attempt (a retry that succeeded is a success).
                  `${formatPercent(stats.data.successRate)} of ${stats.data.succeeded + stats.data.failed} finished occurrences, each by its last attempt`
                : null}
            </Detail>
          </dl>
        </div>
        <div class="card">
          <h2>Next runs</h2>
          {!data.isActive || data.paused ? (
            <p class="muted">{data.paused ? 'Paused: resume the job to fire these.' : 'Inactive: nothing will fire.'}</p>
          ) : null}
          <ol class="runs" aria-label="Next runs">
            {upcoming.map((run) => (
              <li key={run.scheduledAt}>
                <span class="mono">{formatInOwnOffset(run.firesAt)}</span>
                <span class="muted small">
                  {formatRelative(run.firesAt, now)}
                  {run.firesAt !== run.scheduledAt ? ` (scheduled ${formatInOwnOffset(run.scheduledAt)})` : ''}
                </span>
              </li>
            ))}
          </ol>
          {schedule.data && upcoming.length === 0 && <p class="muted">No future run.</p>}
          <ErrorBanner error={schedule.error} />
        </div>
      </div>

      <div class="grid two">
        <details class="card">
          <summary>
            <h2>Run with overrides</h2>
          </summary>
          <RunWithOverrides job={data} onDone={onChanged} />
        </details>
        <details class="card">
          <summary>
            <h2>Backfill</h2>
          </summary>
          <BackfillForm job={data} onDone={onChanged} />
        </details>
      </div>

      <div class="card">
        <h2>Duration and lateness</h2>
        <TimingChart points={chartPoints(executions)} />
      </div>

      <div class="card table-wrap">
        <h2>History</h2>
        <ErrorBanner error={history.error} />
        <table class="table" aria-label="History">
          <thead>
            <tr>
              <th>Scheduled</th>
              <th>Status</th>
              <th class="num">HTTP</th>
              <th class="num">Duration</th>
              <th class="num">Lateness</th>
              <th class="num">Attempt</th>
              <th>Node</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {executions.map((execution) => (
              <HistoryRow key={execution.id} execution={execution} />
            ))}
          </tbody>
        </table>
        {history.data && executions.length === 0 && <p class="empty muted">No run yet.</p>}
        {history.data?.nextCursor && limit < 1000 && (
          <div class="more">
            <button class="button" onClick={() => setLimit(Math.min(1000, limit + historyPage * 2))}>
              Show older runs
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
