-- Run-now overrides and backfill.
--
-- override: the payload and/or headers one manual firing sends instead of the job's, kept
-- with the attempt (and copied to its retries) so a retry on another node, or an attempt
-- adopted after a crash, sends the same request. Null for every other attempt, so a
-- scheduled firing's row grows by nothing but its null bit.
ALTER TABLE executions ADD COLUMN override jsonb;

-- 'backfill': a past scheduled occurrence fired again through the backfill endpoint. It is
-- its own trigger so it never collides with the scheduled row of the same instant (which
-- may exist as MISSED, FAILED or LOST), while both stay findable by (job_id, scheduled_at).
-- The CHECK on trigger is found by what it checks rather than by name, so this works
-- whatever the table was built as (a partitioned parent included: dropping and adding a
-- CHECK on the parent reaches every partition).
DO $$
DECLARE
  check_name text;
BEGIN
  FOR check_name IN
    SELECT conname FROM pg_constraint
    WHERE conrelid = 'executions'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%trigger%'
  LOOP
    EXECUTE format('ALTER TABLE executions DROP CONSTRAINT %I', check_name);
  END LOOP;
END
$$;
ALTER TABLE executions ADD CONSTRAINT executions_trigger_check CHECK (trigger IN ('schedule', 'manual', 'backfill'));
