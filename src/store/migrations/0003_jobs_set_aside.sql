-- A job the engine cannot plan or store (a schedule that throws, a date outside what both
-- stores hold) is set aside instead of failing every claim round: next_run_at is cleared,
-- so no claimer reads it again, and the reason says what to change. Any change that gives
-- the job a new next_run_at (its schedule, runAt or timezone) clears the reason.
ALTER TABLE jobs ADD COLUMN set_aside_reason text;
ALTER TABLE jobs ADD COLUMN set_aside_at timestamptz;

-- Jobs stored before dates were limited to years 1970..9999, whose year-0 and year-99 dates
-- made every claim round fail, are set aside now rather than at the first failed round.
UPDATE jobs
SET next_run_at = NULL,
    set_aside_at = now(),
    set_aside_reason = 'runAt or nextRunAt lies outside 1970-01-01T00:00:00Z..9999-12-31T23:59:59.999Z; give the job a new runAt or schedule'
WHERE next_run_at < '1970-01-01T00:00:00Z' OR next_run_at > '9999-12-31T23:59:59.999Z'
   OR run_at < '1970-01-01T00:00:00Z' OR run_at > '9999-12-31T23:59:59.999Z';
