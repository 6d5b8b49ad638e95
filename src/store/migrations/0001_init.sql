-- Jobs, their occurrences/attempts (history) and the scheduler nodes.
-- Invariant: an occurrence is (job_id, scheduled_at, trigger); each attempt of it is one
-- executions row, and the unique constraint makes a second copy of any attempt impossible.

CREATE TABLE jobs (
  id              uuid PRIMARY KEY,
  name            text,
  description     text,
  schedule        text,
  run_at          timestamptz,
  timezone        text NOT NULL DEFAULT 'UTC',
  api             text NOT NULL,
  method          text NOT NULL DEFAULT 'POST',
  headers         jsonb NOT NULL DEFAULT '{}'::jsonb,
  payload         jsonb,
  timeout_ms      integer NOT NULL DEFAULT 10000,
  type            text NOT NULL CHECK (type IN ('AT_LEAST_ONCE', 'AT_MOST_ONCE')),
  max_attempts    integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
  min_backoff_ms  integer NOT NULL DEFAULT 1000 CHECK (min_backoff_ms >= 0),
  max_backoff_ms  integer NOT NULL DEFAULT 60000 CHECK (max_backoff_ms >= min_backoff_ms),
  misfire_policy  text NOT NULL DEFAULT 'skip' CHECK (misfire_policy IN ('skip', 'fire_once', 'fire_all')),
  overlap_policy  text NOT NULL DEFAULT 'allow' CHECK (overlap_policy IN ('allow', 'forbid')),
  on_failure      text,
  is_active       boolean NOT NULL DEFAULT true,
  paused          boolean NOT NULL DEFAULT false,
  -- The earliest occurrence not yet materialised as an executions row. Claimers move it
  -- forward past their look-ahead window; null when the job will never fire again.
  next_run_at     timestamptz,
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz,
  CHECK ((schedule IS NULL) <> (run_at IS NULL))
);

-- Claimers scan only jobs that can fire, in due order.
CREATE INDEX jobs_due_idx ON jobs (next_run_at) WHERE is_active AND NOT paused AND next_run_at IS NOT NULL;
-- Keyset pagination of the job list. The name filter is a substring match (ILIKE '%...%'),
-- which no btree can serve: it filters rows along this index instead.
CREATE INDEX jobs_created_idx ON jobs (created_at, id);

CREATE TABLE scheduler_nodes (
  id              text PRIMARY KEY,
  hostname        text NOT NULL,
  pid             integer NOT NULL,
  role            text NOT NULL,
  version         text NOT NULL,
  started_at      timestamptz NOT NULL DEFAULT now(),
  heartbeat_at    timestamptz NOT NULL DEFAULT now(),
  clock_skew_ms   integer NOT NULL DEFAULT 0,
  stopped_at      timestamptz
);

CREATE TABLE executions (
  id              uuid PRIMARY KEY,
  job_id          uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  scheduled_at    timestamptz NOT NULL,
  -- 'schedule' for cron/runAt occurrences, 'manual' for run-now, so an extra run never
  -- collides with a scheduled occurrence of the same instant.
  trigger         text NOT NULL DEFAULT 'schedule' CHECK (trigger IN ('schedule', 'manual')),
  attempt         integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  -- When this attempt is to be sent (scheduled_at for a first attempt, later for retries
  -- and spread-out catch-up firings).
  due_at          timestamptz NOT NULL,
  status          text NOT NULL CHECK (status IN ('SCHEDULED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'MISSED', 'SKIPPED', 'LOST')),
  -- The node that owns this attempt. Null while it waits for any node to claim it.
  owner_node      text,
  started_at      timestamptz,
  finished_at     timestamptz,
  duration_ms     integer,
  http_status     integer,
  error           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (job_id, scheduled_at, trigger, attempt)
);

-- The unique constraint's index also serves "latest N executions of job X" (scanned backwards,
-- so history is listed in (scheduled_at, trigger, attempt) order, newest first).
-- Attempts waiting for an owner (retries, released and orphaned work), in due order.
CREATE INDEX executions_unowned_due_idx ON executions (due_at) WHERE status = 'SCHEDULED' AND owner_node IS NULL;
-- Unfinished attempts per owner, for take-over when a node dies.
CREATE INDEX executions_owner_open_idx ON executions (owner_node) WHERE status IN ('SCHEDULED', 'RUNNING');
-- Retention deletes oldest first; rows arrive in time order, so a BRIN index is enough and costs
-- next to nothing on the insert path.
CREATE INDEX executions_created_brin ON executions USING brin (created_at);
