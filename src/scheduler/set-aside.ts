import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/types.js';

/**
 * Jobs the engine cannot plan or store are set aside (next_run_at cleared, reason recorded)
 * instead of failing every claim round on every node: the reason shows in the API's job and
 * on the dashboard, each one is counted in jobscheduler_jobs_set_aside_total and logged once.
 * Nothing here runs on a healthy round.
 */

export interface SetAsideContext {
  readonly store: Store;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly nodeId: string;
}

export interface Unplannable {
  readonly jobId: string;
  readonly schedule: string | null;
  readonly timezone: string;
  readonly error: unknown;
}

/** Sets aside jobs whose plan threw (the claim already cleared their next_run_at). */
export async function setAsideUnplannable(context: SetAsideContext, jobs: readonly Unplannable[]): Promise<void> {
  if (jobs.length === 0) return;
  const { store, logger, metrics, nodeId } = context;
  const reasons = jobs.map((job) => ({ id: job.jobId, reason: `its schedule could not be planned: ${messageOf(job.error)}` }));
  try {
    const setAside = new Set(await store.jobSetAside(reasons));
    for (const job of jobs) {
      if (!setAside.has(job.jobId)) continue;
      metrics.jobsSetAside.inc({ reason: 'unplannable' });
      logger.error(
        { err: job.error, jobId: job.jobId, schedule: job.schedule, timezone: job.timezone, nodeId },
        'job set aside: its schedule could not be planned; it fires again once its schedule, runAt or timezone is changed',
      );
    }
  } catch (error) {
    // The jobs have no next_run_at already, so they are not claimed again: only the reason is lost.
    logger.error({ err: error, jobIds: jobs.map((job) => job.jobId), nodeId }, 'could not record why jobs were set aside');
  }
}

/**
 * After a failed claim round: sets aside active jobs whose dates lie outside what both stores
 * hold, the one kind of row known to fail a whole round. True when it set any aside, so the
 * round is worth running again at once; false when the failure lies elsewhere (or the
 * database does not answer this either).
 */
export async function setAsideOutOfRange(context: SetAsideContext): Promise<boolean> {
  const { store, logger, metrics, nodeId } = context;
  try {
    const ids = await store.jobSetAsideOutOfRange();
    for (const jobId of ids) {
      metrics.jobsSetAside.inc({ reason: 'out_of_range' });
      logger.error({ jobId, nodeId }, 'job set aside: its runAt or nextRunAt lay outside 1970..9999, which failed every claim round');
    }
    return ids.length > 0;
  } catch {
    return false;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
