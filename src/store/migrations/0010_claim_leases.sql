-- One history write per firing. A claim inserted a SCHEDULED row for every attempt it planned
-- and the outcome updated it: two writes of the widest table per firing, and the update moved
-- the row out of the partial indexes on status, so PostgreSQL wrote every index entry again.
-- Now a claim lists the attempts of jobs that allow overlap in one row here (arrays, one
-- element per attempt), and each attempt's row is inserted by its first write: its outcome,
-- in nearly every case. The lease stands for the rows not yet written: whatever needs an
-- attempt's row before its outcome (a RUNNING mark, a hand-back, a reaper, an adoption, a
-- backfill of its instant) inserts it from here first, as the claim would have (SCHEDULED,
-- owned by the lease's node). See docs/architecture.md, "Leased attempts".
--
-- Invariant: an attempt listed in a lease has no row, or has the row of that very attempt
-- (same id); a lease is removed only once every attempt it lists has a row.
CREATE TABLE claim_leases (
  id             uuid PRIMARY KEY,
  owner_node     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  -- The latest due time it lists: adoption turns a lease into rows only once all are overdue.
  due_until      timestamptz NOT NULL,
  execution_ids  uuid[] NOT NULL,
  job_ids        uuid[] NOT NULL,
  -- Milliseconds since the epoch, as the claim's other arrays carry them.
  scheduled_ms   bigint[] NOT NULL,
  due_ms         bigint[] NOT NULL,
  CONSTRAINT claim_leases_arrays_check CHECK (
    cardinality(execution_ids) = cardinality(job_ids)
    AND cardinality(execution_ids) = cardinality(scheduled_ms)
    AND cardinality(execution_ids) = cardinality(due_ms)
  )
);

-- Random UUIDs and timestamps do not compress: skip the attempt to.
ALTER TABLE claim_leases
  ALTER COLUMN execution_ids SET STORAGE EXTERNAL,
  ALTER COLUMN job_ids SET STORAGE EXTERNAL,
  ALTER COLUMN scheduled_ms SET STORAGE EXTERNAL,
  ALTER COLUMN due_ms SET STORAGE EXTERNAL;

CREATE INDEX claim_leases_owner_idx ON claim_leases (owner_node);

-- The latest scheduled occurrence any claim planned for the job. A claim plans only later
-- ones: an update may move next_run_at back into occurrences already handed out (a schedule
-- edited within the look-ahead), and a leased attempt has no row whose unique key would
-- refuse the second copy. Null until a claim plans one. Every occurrence before a job's next
-- run was planned already (that is what next_run_at means), which is where existing jobs start.
ALTER TABLE job_next_runs ADD COLUMN planned_through timestamptz;
UPDATE job_next_runs SET planned_through = next_run_at - interval '1 microsecond' WHERE next_run_at IS NOT NULL;
