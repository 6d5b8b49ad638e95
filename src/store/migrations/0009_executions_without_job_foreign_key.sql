-- Attempts no longer reference their job through a foreign key. The key's check ran for every
-- attempt a claim inserted: a lookup of the job and a lock on its row (FOR KEY SHARE), which
-- writes the row's header and a WAL record, so every firing dirtied a page of the wide jobs
-- table. Jobs are never removed by the scheduler (DELETE is a soft delete), every path that
-- inserts an attempt has just read or locked its job, and the unique constraint, not the key,
-- is what keeps attempts from being duplicated; so the key only cost.
ALTER TABLE executions DROP CONSTRAINT executions_job_id_fkey;

-- What the key's ON DELETE CASCADE did, kept for an operator who removes job rows by hand: the
-- history of removed jobs goes with them, once per statement rather than once per row.
CREATE FUNCTION executions_delete_of_removed_jobs() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM executions e USING removed_jobs r WHERE e.job_id = r.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER jobs_remove_executions AFTER DELETE ON jobs
  REFERENCING OLD TABLE AS removed_jobs
  FOR EACH STATEMENT EXECUTE FUNCTION executions_delete_of_removed_jobs();
