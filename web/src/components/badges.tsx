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

export type JobState = 'active' | 'paused' | 'deleted';

export function jobState(job: Pick<Job, 'isActive' | 'paused'>): JobState {
  if (!job.isActive) return 'deleted';
  return job.paused ? 'paused' : 'active';
}

const stateLabel: Record<JobState, { label: string; tone: string }> = {
  active: { label: 'Active', tone: 'ok' },
  paused: { label: 'Paused', tone: 'warn' },
  deleted: { label: 'Inactive', tone: 'neutral' },
};

export function StateBadge({ job }: { job: Pick<Job, 'isActive' | 'paused'> }): JSX.Element {
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
