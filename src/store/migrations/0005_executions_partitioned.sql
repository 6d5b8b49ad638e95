-- Execution history partitioned by range of scheduled_at, so retention drops whole
-- partitions (a catalogue change, no dead rows) instead of deleting rows one by one.
--
-- Invariants:
-- * The partition key, scheduled_at, is part of both unique keys: (job_id, scheduled_at,
--   trigger, attempt) still makes a second copy of any attempt impossible, because every copy
--   of an attempt has the same scheduled_at and so lands in the same partition, where that
--   partition's unique index refuses it. The primary key becomes (id, scheduled_at), and every
--   lookup by id carries the attempt's scheduled_at, which prunes it to one partition.
-- * Column names, types, defaults, constraint and index names are those of the table this
--   replaces (named here: the old table still holds the generated names when this one is
--   made), so later ALTER TABLE executions statements apply to it unchanged.
-- * executions_default takes any row no range partition covers (an occurrence older than every
--   partition, recorded as MISSED on catch-up; a gap left while every node was down). The
--   engine creates range partitions ahead of time (see src/store/sql/partitions.ts), so on a
--   healthy cluster it stays empty.
--
-- Existing rows are not copied: the old table becomes one partition, holding everything
-- scheduled before a bound past its newest row and past the present minute. Attaching it
-- reads the table once (to check the bound) and builds the new (id, scheduled_at) primary
-- key index; a table with no rows is dropped instead.

ALTER TABLE executions RENAME TO executions_before;
ALTER TABLE executions_before RENAME CONSTRAINT executions_job_id_scheduled_at_trigger_attempt_key TO executions_before_job_id_scheduled_at_trigger_attempt_key;
ALTER TABLE executions_before DROP CONSTRAINT executions_pkey;
ALTER INDEX executions_unowned_due_idx RENAME TO executions_before_unowned_due_idx;
ALTER INDEX executions_owner_open_idx RENAME TO executions_before_owner_open_idx;
ALTER INDEX executions_created_brin RENAME TO executions_before_created_brin;
ALTER INDEX executions_job_open_idx RENAME TO executions_before_job_open_idx;

CREATE TABLE executions (
  id              uuid NOT NULL,
  job_id          uuid NOT NULL CONSTRAINT executions_job_id_fkey REFERENCES jobs (id) ON DELETE CASCADE,
  scheduled_at    timestamptz NOT NULL,
  -- 'schedule' for cron/runAt occurrences, 'manual' for run-now, so an extra run never
  -- collides with a scheduled occurrence of the same instant.
  trigger         text NOT NULL DEFAULT 'schedule' CONSTRAINT executions_trigger_check CHECK (trigger IN ('schedule', 'manual')),
  attempt         integer NOT NULL DEFAULT 1 CONSTRAINT executions_attempt_check CHECK (attempt >= 1),
  -- When this attempt is to be sent (scheduled_at for a first attempt, later for retries
  -- and spread-out catch-up firings; never earlier than scheduled_at).
  due_at          timestamptz NOT NULL,
  status          text NOT NULL CONSTRAINT executions_status_check CHECK (status IN ('SCHEDULED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'MISSED', 'SKIPPED', 'LOST')),
  -- The node that owns this attempt. Null while it waits for any node to claim it.
  owner_node      text,
  started_at      timestamptz,
  finished_at     timestamptz,
  duration_ms     integer,
  http_status     integer,
  error           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT executions_pkey PRIMARY KEY (id, scheduled_at),
  UNIQUE (job_id, scheduled_at, trigger, attempt)
) PARTITION BY RANGE (scheduled_at);

-- The same indexes as before, now one per partition (see 0001 and 0002 for what each serves).
CREATE INDEX executions_unowned_due_idx ON executions (due_at) WHERE status = 'SCHEDULED' AND owner_node IS NULL;
CREATE INDEX executions_owner_open_idx ON executions (owner_node) WHERE status IN ('SCHEDULED', 'RUNNING');
CREATE INDEX executions_created_brin ON executions USING brin (created_at);
CREATE INDEX executions_job_open_idx ON executions (job_id) WHERE status IN ('SCHEDULED', 'RUNNING');

CREATE TABLE executions_default PARTITION OF executions DEFAULT;

DO $$
DECLARE
  bound timestamptz;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM executions_before) THEN
    DROP TABLE executions_before;
    RETURN;
  END IF;
  SELECT date_trunc('minute', greatest(max(scheduled_at), now())) + interval '1 minute' INTO bound FROM executions_before;
  EXECUTE format('ALTER TABLE executions ATTACH PARTITION executions_before FOR VALUES FROM (MINVALUE) TO (%L)', bound);
END
$$;
