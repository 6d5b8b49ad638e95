-- A job the engine cannot plan or store (a schedule that throws, a date outside what both
-- stores hold) is set aside instead of failing every claim round: next_run_at is cleared,
-- so no claimer reads it again, and the reason says what to change. Any change that gives
-- the job a new next_run_at (its schedule, runAt or timezone) clears the reason.
ALTER TABLE jobs ADD COLUMN set_aside_reason text;
ALTER TABLE jobs ADD COLUMN set_aside_at timestamptz;

-- Jobs stored before dates were limited to years 1970..9999, whose year-0 dates made every
-- claim round fail and which PGlite cannot read back, are set aside now. A runAt outside the
-- range is moved to its nearest end (it cannot be cleared: a one-time job needs one), and the
-- reason keeps what it was.
UPDATE jobs
SET next_run_at = NULL,
    set_aside_at = now(),
    set_aside_reason = 'runAt ' || coalesce(run_at::text, 'null') || ' or nextRunAt ' || coalesce(next_run_at::text, 'null')
      || ' lay outside 1970-01-01T00:00:00Z..9999-12-31T23:59:59.999Z; give the job a new runAt or schedule',
    run_at = CASE
      WHEN run_at < '1970-01-01T00:00:00Z' THEN '1970-01-01T00:00:00Z'
      WHEN run_at > '9999-12-31T23:59:59.999Z' THEN '9999-12-31T23:59:59.999Z'
      ELSE run_at
    END
WHERE next_run_at < '1970-01-01T00:00:00Z' OR next_run_at > '9999-12-31T23:59:59.999Z'
   OR run_at < '1970-01-01T00:00:00Z' OR run_at > '9999-12-31T23:59:59.999Z';
