-- Jitter: each occurrence of a job is sent up to jitter_ms after its scheduled time (a delay
-- that is a pure function of the job id and the occurrence; see src/jobs/jitter.ts).
ALTER TABLE jobs ADD COLUMN jitter_ms integer NOT NULL DEFAULT 0 CHECK (jitter_ms >= 0);

-- When the next occurrence is due to be sent: next_run_at plus its jitter (equal to it for a
-- job without). Claims select and order by it, so a delayed occurrence is claimed a look-ahead
-- before it leaves rather than before its nominal time. Written with next_run_at by every
-- statement that writes it; a claim that finds it stale plans nothing and writes it afresh.
ALTER TABLE job_next_runs ADD COLUMN next_due_at timestamptz;
UPDATE job_next_runs SET next_due_at = next_run_at;

CREATE INDEX job_next_runs_next_due_idx ON job_next_runs (next_due_at) WHERE runnable AND next_due_at IS NOT NULL;
DROP INDEX job_next_runs_due_idx;
