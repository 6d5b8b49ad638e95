import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { AutoPausedJob } from '../store/types.js';
import type { Dispatcher, OutgoingRequest } from './dispatcher.js';

/**
 * What follows a job's auto-pause (pauseAfterFailures): the store paused it in the write that
 * recorded the failure completing the run, and told exactly one node, the one whose write it
 * was. That node counts it in jobscheduler_jobs_auto_paused_total, logs it, and tells the
 * job's onFailure URL with a "job.paused" event (once; a failed notification is logged, not
 * retried, like the "occurrence.failed" one).
 */

export interface AutoPauseOptions {
  readonly dispatcher: Pick<Dispatcher, 'send'>;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'jobsAutoPaused'>;
  readonly nodeId: string;
}

/** Timeout of the job.paused notification (it is not retried). */
const NOTIFICATION_TIMEOUT_MS = 10_000;

export class AutoPauseReports {
  readonly #options: AutoPauseOptions;
  readonly #sending = new Set<Promise<void>>();

  constructor(options: AutoPauseOptions) {
    this.#options = options;
  }

  report(jobs: readonly AutoPausedJob[]): void {
    const { dispatcher, logger, metrics, nodeId } = this.#options;
    for (const job of jobs) {
      metrics.jobsAutoPaused.inc();
      logger.warn(
        { jobId: job.jobId, reason: job.pausedReason, consecutiveFailures: job.consecutiveFailures, executionId: job.executionId, nodeId },
        'job paused after consecutive failures; POST /jobs/{id}/resume to fire it again',
      );
      if (job.onFailure === null) continue;
      const sent: Promise<void> = dispatcher.send(pausedNotification(job, job.onFailure, nodeId)).then(
        (result) => {
          if (!result.ok) logger.warn({ jobId: job.jobId, error: result.error }, 'onFailure notification of the pause failed');
        },
        (error: unknown) => logger.warn({ jobId: job.jobId, err: error }, 'onFailure notification of the pause failed'),
      );
      const tracked = sent.finally(() => this.#sending.delete(tracked));
      this.#sending.add(tracked);
    }
  }

  /** Resolves when every notification in progress has settled. */
  async settled(): Promise<void> {
    while (this.#sending.size > 0) await Promise.all([...this.#sending]);
  }
}

/** The JSON POST a job's onFailure URL receives when the job paused itself. */
export function pausedNotification(job: AutoPausedJob, onFailureUrl: string, nodeId: string): OutgoingRequest {
  const key = `${job.jobId}:paused:${job.pausedAt.toISOString()}`;
  const body = {
    type: 'job.paused',
    jobId: job.jobId,
    jobName: job.jobName,
    pausedReason: job.pausedReason,
    pausedAt: job.pausedAt.toISOString(),
    consecutiveFailures: job.consecutiveFailures,
    pauseAfterFailures: job.pauseAfterFailures,
    lastFailure: {
      executionId: job.executionId,
      scheduledAt: job.scheduledAt.toISOString(),
      httpStatus: job.httpStatus,
      error: job.error,
    },
    nodeId,
  };
  return {
    url: onFailureUrl,
    method: 'POST',
    headers: { 'X-Job-Id': job.jobId, 'Idempotency-Key': key },
    body: JSON.stringify(body),
    timeoutMs: NOTIFICATION_TIMEOUT_MS,
    messageId: key,
  };
}
