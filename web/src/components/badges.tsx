import type { JSX } from 'preact';
import type { ExecutionStatus, Job } from '../types.js';

const statusTone: Record<ExecutionStatus, string> = {
  SUCCEEDED: 'ok',
  FAILED: 'bad',
  LOST: 'bad',
  MISSED: 'warn',
  SKIPPED: 'neutral',
  RUNNING: 'info',
  SCHEDULED: 'neutral',
};

export function StatusBadge({ status }: { status: ExecutionStatus | null }): JSX.Element {
  if (status === null) return <span class="muted">never run</span>;
  return <span class={`badge ${statusTone[status]}`}>{status}</span>;
}

export type JobState = 'active' | 'paused' | 'ended' | 'deleted';

type StateFields = Pick<Job, 'isActive' | 'paused' | 'endedBy' | 'deletedAt'>;

export function jobState(job: StateFields): JobState {
  // Ended by its endAt or maxRuns (and not deleted since): a later bound brings it back.
  if (!job.isActive) return job.endedBy && !job.deletedAt ? 'ended' : 'deleted';
  return job.paused ? 'paused' : 'active';
}

const stateLabel: Record<JobState, { label: string; tone: string }> = {
  active: { label: 'Active', tone: 'ok' },
  paused: { label: 'Paused', tone: 'warn' },
  ended: { label: 'Ended', tone: 'neutral' },
  deleted: { label: 'Inactive', tone: 'neutral' },
};

export function StateBadge({ job }: { job: StateFields }): JSX.Element {
  const { label, tone } = stateLabel[jobState(job)];
  return <span class={`badge ${tone}`}>{label}</span>;
}

export function ErrorBanner({ error }: { error: Error | undefined }): JSX.Element | null {
  if (!error) return null;
  return (
    <div class="banner bad" role="alert">
      {error.message}
    </div>
  );
}
