import type { ClaimedAttempt, ExecutionCompletion } from '../store/types.js';
import type { HeldAttempt } from './attempt.js';

/**
 * Attempts a node owns in the database but does not hold in memory come from two places:
 *  - a previous life of the node under the same id (a restart with JOBSCHEDULER_NODE_ID set):
 *    its requests may have left before it died;
 *  - a claim whose commit the node never heard back from (the connection broke): those were
 *    never in memory, so never sent.
 * AT_LEAST_ONCE attempts are fired (again). An AT_MOST_ONCE attempt that may have been sent
 * (RUNNING, or due before this life began) is LOST, exactly as if another node had reaped it.
 */
export function sortOrphans(
  orphans: readonly ClaimedAttempt[],
  lifeStartedAt: number,
  now: number,
): { readonly adopt: HeldAttempt[]; readonly lost: ExecutionCompletion[] } {
  const adopt: HeldAttempt[] = [];
  const lost: ExecutionCompletion[] = [];
  for (const orphan of orphans) {
    const { execution, job } = orphan;
    const maybeSent = execution.status === 'RUNNING' || execution.dueAt.getTime() < lifeStartedAt;
    if (job.type === 'AT_MOST_ONCE' && maybeSent) {
      lost.push({
        id: execution.id,
        scheduledAt: execution.scheduledAt,
        status: 'LOST',
        startedAt: execution.startedAt,
        finishedAt: new Date(now),
        durationMs: null,
        httpStatus: null,
        error: `Node ${execution.ownerNode ?? ''} restarted before reporting the outcome; not retried (AT_MOST_ONCE)`,
      });
    } else {
      adopt.push(orphan);
    }
  }
  return { adopt, lost };
}
