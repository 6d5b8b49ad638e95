import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeliveryGuarantee, ExecutionStatus } from './store/types.js';

/**
 * The Prometheus metrics of one node. Each node (and each test) gets its own registry, so
 * several nodes in one process never share counters.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Attempts finished, by delivery type and outcome (SUCCEEDED, FAILED, MISSED, SKIPPED, LOST). */
  readonly firings: Counter<'type' | 'outcome'>;
  /**
   * One label pair of `firings` as a plain count, added to the counter when it is read: the
   * engine counts every attempt, and prom-client checks and hashes the labels of each inc().
   */
  firingTally(type: DeliveryGuarantee, outcome: ExecutionStatus): Tally;
  /** Seconds from an attempt's due time to the moment its request left. */
  readonly lateness: Histogram;
  /** Seconds from request start to answer (or failure). */
  readonly attemptDuration: Histogram;
  /** Attempts claimed by this node and not yet sent. */
  readonly dueBacklog: Gauge;
  /** Attempts per claim round trip. */
  readonly claimBatchSize: Histogram;
  /** Retries scheduled after a failed attempt. */
  readonly retries: Counter;
  /** Nodes whose heartbeat is fresh, as this node last saw them. */
  readonly nodesAlive: Gauge;
  /** This node's clock minus the database's, in seconds. */
  readonly clockSkew: Gauge;
  /** How far clockSkew may be off: half the round trip it was measured from, in seconds. */
  readonly clockSkewUncertainty: Gauge;
  /** 1 while the database answers this node's calls, 0 from the first one that got no answer. */
  readonly databaseUp: Gauge;
  /** Database operations that failed, by operation and reason (timeout, connection, unavailable). */
  readonly databaseFailures: Counter<'operation' | 'reason'>;
  /** HTTP requests served, by method, route template and status: rate, errors and latency. */
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  /** Jobs this node set aside because they could not be planned or stored, by reason (unplannable, out_of_range). */
  readonly jobsSetAside: Counter<'reason'>;
  /** Jobs this node paused because they reached their pauseAfterFailures. */
  readonly jobsAutoPaused: Counter;
}

/**
 * prom-client's gauges that end in _total, which Prometheus reserves for counters (promtool
 * flags them). Each is the sum over the type label of its unsuffixed gauge, which stays.
 */
const MISNAMED_DEFAULT_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** A count to add to a counter; see Metrics.firingTally. */
export interface Tally {
  inc(): void;
}

class PendingCount implements Tally {
  pending = 0;

  constructor(readonly labels: Readonly<Record<string, string>>) {}

  inc(): void {
    this.pending++;
  }
}

export function createMetrics(options: { readonly defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    // Unprefixed, as every Node.js dashboard and alert expects process_* and nodejs_*.
    collectDefaultMetrics({ register: registry });
    for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  }
  const registers = [registry];
  /** By type, then outcome: looked up at every attempt, with no key string made for it. */
  const tallies = new Map<DeliveryGuarantee, Map<ExecutionStatus, PendingCount>>();
  return {
    registry,
    firings: new Counter({
      name: 'jobscheduler_firings_total',
      help: 'Attempts finished, by delivery type and outcome.',
      labelNames: ['type', 'outcome'] as const,
      registers,
      collect() {
        for (const byOutcome of tallies.values()) {
          for (const tally of byOutcome.values()) {
            if (tally.pending === 0) continue;
            this.inc(tally.labels, tally.pending);
            tally.pending = 0;
          }
        }
      },
    }),
    firingTally(type, outcome) {
      let byOutcome = tallies.get(type);
      if (!byOutcome) tallies.set(type, (byOutcome = new Map()));
      let tally = byOutcome.get(outcome);
      if (!tally) byOutcome.set(outcome, (tally = new PendingCount({ type, outcome })));
      return tally;
    },
    lateness: new Histogram({
      name: 'jobscheduler_firing_lateness_seconds',
      help: 'Time from an attempt\'s due instant to the moment its request was sent.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    attemptDuration: new Histogram({
      name: 'jobscheduler_attempt_duration_seconds',
      help: 'Time from request start to its answer or failure.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    dueBacklog: new Gauge({
      name: 'jobscheduler_due_backlog',
      help: 'Attempts claimed by this node and not yet sent.',
      registers,
    }),
    claimBatchSize: new Histogram({
      name: 'jobscheduler_claim_batch_size',
      help: 'Attempts claimed per database round trip.',
      buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000],
      registers,
    }),
    retries: new Counter({ name: 'jobscheduler_retries_total', help: 'Retries scheduled after a failed attempt.', registers }),
    nodesAlive: new Gauge({ name: 'jobscheduler_nodes_alive', help: 'Nodes with a fresh heartbeat.', registers }),
    clockSkew: new Gauge({
      name: 'jobscheduler_clock_skew_seconds',
      help: 'This node\'s clock minus the database\'s clock.',
      registers,
    }),
    clockSkewUncertainty: new Gauge({
      name: 'jobscheduler_clock_skew_uncertainty_seconds',
      help: 'How far the clock skew may be off: half the round trip it was measured from.',
      registers,
    }),
    databaseUp: new Gauge({
      name: 'jobscheduler_database_up',
      help: '1 while the database answers this node, 0 from the first call that got no answer.',
      registers,
    }),
    databaseFailures: new Counter({
      name: 'jobscheduler_database_failures_total',
      help: 'Database operations that failed, by operation and reason (timeout, connection, unavailable).',
      labelNames: ['operation', 'reason'] as const,
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'jobscheduler_http_request_duration_seconds',
      help: 'HTTP requests served, by method, route template (unmatched for no route) and status, from arrival to answer.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    jobsSetAside: new Counter({
      name: 'jobscheduler_jobs_set_aside_total',
      help: 'Jobs set aside because they could not be planned or stored, by reason (unplannable, out_of_range).',
      labelNames: ['reason'] as const,
      registers,
    }),
    jobsAutoPaused: new Counter({
      name: 'jobscheduler_jobs_auto_paused_total',
      help: 'Jobs paused because they reached their pauseAfterFailures consecutive failed occurrences.',
      registers,
    }),
  };
}
