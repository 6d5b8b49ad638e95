-- Auto-pause after consecutive failures, and time bounds of recurring jobs.
--
-- pause_after_failures: null (off) or N >= 1. consecutive_failures counts occurrences of the
-- job whose last attempt ended FAILED, in the order their outcomes were recorded; a recorded
-- success sets it back to 0. The statement that records the outcome moves it (only for jobs
-- that have pause_after_failures), so nodes completing occurrences of one job at once queue on
-- the job's row and each adds to what the other left. Reaching N pauses the job in that same
-- statement.
ALTER TABLE jobs ADD COLUMN pause_after_failures integer CHECK (pause_after_failures >= 1);
ALTER TABLE jobs ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0);

-- Why the job stopped firing, and when: 'manual' for a pause through the API, 'auto: ...' for
-- a pause after consecutive failures, 'ended: ...' for a recurring job made inactive by its
-- endAt or maxRuns. Cleared by resume and by reactivation.
ALTER TABLE jobs ADD COLUMN paused_reason text;
ALTER TABLE jobs ADD COLUMN paused_at timestamptz;
-- Which bound made the job inactive, so a later change of that bound can bring it back
-- (decisions read this, never the text of paused_reason). Null for every other inactive job.
ALTER TABLE jobs ADD COLUMN ended_by text CHECK (ended_by IN ('endAt', 'maxRuns'));

-- Bounds of a recurring job: no occurrence before start_at or after end_at (both inclusive),
-- at most max_runs scheduled occurrences fired. Null: unbounded.
ALTER TABLE jobs ADD COLUMN start_at timestamptz;
ALTER TABLE jobs ADD COLUMN end_at timestamptz;
ALTER TABLE jobs ADD COLUMN max_runs integer CHECK (max_runs >= 1);
ALTER TABLE jobs ADD CONSTRAINT jobs_bounds_order CHECK (start_at IS NULL OR end_at IS NULL OR start_at <= end_at);
ALTER TABLE jobs ADD CONSTRAINT jobs_bounds_recurring CHECK (schedule IS NOT NULL OR (start_at IS NULL AND end_at IS NULL AND max_runs IS NULL));

-- Scheduled occurrences handed to a node to fire (what max_runs counts). Beside next_run_at,
-- because the claim that moves one moves the other in the same narrow-row update.
ALTER TABLE job_next_runs ADD COLUMN run_count integer NOT NULL DEFAULT 0;
