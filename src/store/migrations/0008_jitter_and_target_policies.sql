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

-- Target policies: limits on what all nodes together send to one target (an origin, a host,
-- or the subdomains of a domain; see src/jobs/target-policies.ts for the pattern syntax).
CREATE TABLE target_policies (
  id              uuid PRIMARY KEY,
  name            text NOT NULL UNIQUE,
  -- Normalised: an origin (https://api.example.com:8443), a host, or *.domain.
  pattern         text NOT NULL UNIQUE,
  max_concurrent  integer CHECK (max_concurrent >= 1),
  max_per_second  integer CHECK (max_per_second >= 1),
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (max_concurrent IS NOT NULL OR max_per_second IS NOT NULL)
);

-- Each node's use of each policy and the share it granted itself, rewritten by the node every
-- budget round (src/scheduler/target-budget.ts) under a lock on the policies, so every node
-- computes its share from what the others last reported and never takes what they hold.
CREATE TABLE target_usage (
  policy_id           uuid NOT NULL REFERENCES target_policies (id) ON DELETE CASCADE,
  node_id             text NOT NULL,
  -- Attempts for the target the node holds (queued, waiting or in flight) and those in flight.
  wanted              integer NOT NULL CHECK (wanted >= 0),
  in_flight           integer NOT NULL CHECK (in_flight >= 0),
  granted_concurrent  integer NOT NULL CHECK (granted_concurrent >= 0),
  granted_per_second  double precision NOT NULL CHECK (granted_per_second >= 0),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (policy_id, node_id)
);
