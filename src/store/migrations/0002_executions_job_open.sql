-- Unfinished attempts per job, for the overlap check of jobs that forbid overlapping runs:
-- it looks for another occurrence of the same job still in progress, and this index holds
-- only open rows, so the check does not read the job's history.
CREATE INDEX executions_job_open_idx ON executions (job_id) WHERE status IN ('SCHEDULED', 'RUNNING');
