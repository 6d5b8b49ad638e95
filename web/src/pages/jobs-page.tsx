import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, type JobListQuery } from '../api.js';
import { ErrorBanner, StateBadge, StatusBadge, type JobState } from '../components/badges.js';
import { formatLocal, formatPercent, formatRelative, shortId } from '../format.js';
import { useDebounced, useNow, useResource } from '../hooks.js';
import { Link } from '../router.js';
import { paths } from '../routes.js';
import { scheduleKey, useScheduleDescriptions } from '../schedule-descriptions.js';
import type { DeliveryGuarantee, ExecutionStatus, JobStats } from '../types.js';

const pageSize = 50;
const maxRows = 1000;

type StateFilter = 'all' | JobState;
type LastStatusFilter = 'any' | 'never' | ExecutionStatus;

interface Filters {
  readonly state: StateFilter;
  readonly type: 'any' | DeliveryGuarantee;
  readonly lastStatus: LastStatusFilter;
  readonly order: 'newest' | 'oldest';
}

/**
 * Every filter is the server's to apply, so each page holds only matching jobs and a match
 * never hides behind "Show more" among rows that do not.
 */
function listQuery(filters: Filters): JobListQuery {
  const state: Pick<JobListQuery, 'active' | 'paused'> =
    filters.state === 'all' ? {} : filters.state === 'deleted' || filters.state === 'ended' ? { active: false } : { active: true, paused: filters.state === 'paused' };
  return {
    ...state,
    type: filters.type === 'any' ? undefined : filters.type,
    lastStatus: filters.lastStatus === 'any' ? undefined : filters.lastStatus,
    order: filters.order,
  };
}

function Select<T extends string>(props: {
  label: string;
  value: T;
  options: readonly (readonly [T, string])[];
  onChange: (value: T) => void;
}): JSX.Element {
  return (
    <label class="filter">
      <span>{props.label}</span>
      <select value={props.value} onChange={(event) => props.onChange(event.currentTarget.value as T)}>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}

function SuccessRate({ stats }: { stats: JobStats | undefined }): JSX.Element {
  if (!stats || stats.successRate === null) return <span class="muted">—</span>;
  const tone = stats.successRate >= 0.99 ? 'ok' : stats.successRate >= 0.9 ? 'warn' : 'bad';
  return (
    <span class="rate" title={`${stats.succeeded} occurrences succeeded, ${stats.failed} failed in the last 24 h`}>
      <span class={`meter ${tone}`}>
        <span style={{ width: `${Math.round(stats.successRate * 100)}%` }} />
      </span>
      {formatPercent(stats.successRate)}
    </span>
  );
}

export function JobsPage(): JSX.Element {
  const [search, setSearch] = useState('');
  // Newest first: jobs just created or imported come first, not after every older one.
  const [filters, setFilters] = useState<Filters>({ state: 'all', type: 'any', lastStatus: 'any', order: 'newest' });
  const [limit, setLimit] = useState(pageSize);
  const name = useDebounced(search.trim(), 250);
  const now = useNow();
  const query = listQuery(filters);

  const jobs = useResource((signal) => api.listJobs({ limit, name, ...query }, signal), [limit, name, JSON.stringify(query)], 5000);
  const items = jobs.data?.items;
  const ids = (items ?? []).map((job) => job.id);
  const stats = useResource(
    (signal) => api.jobStats(ids, signal),
    [ids.join(',')],
    15_000,
  );
  const statsById = new Map((stats.data ?? []).map((entry) => [entry.jobId, entry]));
  const descriptions = useScheduleDescriptions(items);
  const rows = items ?? [];
  const setFilter = <K extends keyof Filters>(key: K, value: Filters[K]): void => setFilters({ ...filters, [key]: value });

  return (
    <section>
      <div class="page-head">
        <h1>Jobs</h1>
        <Link href={paths.newJob()} class="button primary">
          New job
        </Link>
      </div>
      <div class="toolbar">
        <label class="filter search">
          <span>Search</span>
          <input
            type="search"
            placeholder="Job name"
            value={search}
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </label>
        <Select
          label="State"
          value={filters.state}
          onChange={(value) => setFilter('state', value)}
          options={[
            ['all', 'All'],
            ['active', 'Active'],
            ['paused', 'Paused'],
            ['deleted', 'Inactive'],
          ]}
        />
        <Select
          label="Type"
          value={filters.type}
          onChange={(value) => setFilter('type', value)}
          options={[
            ['any', 'Any'],
            ['AT_LEAST_ONCE', 'At least once'],
            ['AT_MOST_ONCE', 'At most once'],
          ]}
        />
        <Select
          label="Last status"
          value={filters.lastStatus}
          onChange={(value) => setFilter('lastStatus', value)}
          options={[
            ['any', 'Any'],
            ['SUCCEEDED', 'Succeeded'],
            ['FAILED', 'Failed'],
            ['LOST', 'Lost'],
            ['MISSED', 'Missed'],
            ['never', 'Never run'],
          ]}
        />
        <Select
          label="Sort"
          value={filters.order}
          onChange={(value) => setFilter('order', value)}
          options={[
            ['newest', 'Newest first'],
            ['oldest', 'Oldest first'],
          ]}
        />
      </div>
      <ErrorBanner error={jobs.error} />
      <div class="card table-wrap">
        <table class="table" aria-label="Jobs">
          <thead>
            <tr>
              <th>Name</th>
              <th>Schedule</th>
              <th>Zone</th>
              <th>Type</th>
              <th>Next run</th>
              <th>Last status</th>
              <th>Success (24 h)</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((job) => (
              <tr key={job.id} data-job-id={job.id}>
                <td>
                  <Link href={paths.job(job.id)} class="strong">
                    {job.name ?? `Unnamed ${shortId(job.id)}`}
                  </Link>
                </td>
                <td>
                  {job.schedule !== null ? (
                    <>
                      <code>{job.schedule}</code>
                      <div class="muted small">{descriptions.get(scheduleKey(job)) ?? ' '}</div>
                    </>
                  ) : (
                    <>
                      <span>Once</span>
                      <div class="muted small">{formatLocal(job.runAt)}</div>
                    </>
                  )}
                </td>
                <td>{job.timezone}</td>
                <td class="small">{job.type === 'AT_LEAST_ONCE' ? 'At least once' : 'At most once'}</td>
                <td title={formatLocal(job.nextRunAt)}>
                  {job.isActive && !job.paused && job.nextRunAt !== null ? formatRelative(job.nextRunAt, now) : '—'}
                </td>
                <td>
                  <StatusBadge status={job.lastStatus} />
                </td>
                <td>
                  <SuccessRate stats={statsById.get(job.id)} />
                </td>
                <td>
                  <StateBadge job={job} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {items !== undefined && rows.length === 0 && (
          <p class="empty muted">
            {name === '' && filters.state === 'all' && filters.type === 'any' && filters.lastStatus === 'any' ? (
              <>
                No jobs yet. <Link href={paths.newJob()}>Create the first one</Link>.
              </>
            ) : (
              'No job matches these filters.'
            )}
          </p>
        )}
        {jobs.loading && items === undefined && <p class="empty muted">Loading…</p>}
      </div>
      {jobs.data?.nextCursor && (
        <div class="more">
          {limit < maxRows ? (
            <button class="button" onClick={() => setLimit(Math.min(maxRows, limit + pageSize * 2))}>
              Show more
            </button>
          ) : (
            <span class="muted">Showing the first {maxRows} jobs: narrow the search to find others.</span>
          )}
        </div>
      )}
    </section>
  );
}
