import type { KnownJobs, ScheduledJob } from '../store/types.js';

/** Jobs kept at most; past this the cache starts over rather than growing. */
const MAX_JOBS = 200_000;

/**
 * The whole jobs this node has claimed, by id, each valid for its version: a claim then reads
 * only the id, version and next run of each due job, and the whole job only when it changed
 * (every change of a job bumps its version) or is new to this node.
 */
export class JobCache implements KnownJobs {
  readonly #jobs = new Map<string, ScheduledJob>();
  readonly #maxJobs: number;

  constructor(maxJobs = MAX_JOBS) {
    this.#maxJobs = maxJobs;
  }

  get size(): number {
    return this.#jobs.size;
  }

  get(id: string, version: number): ScheduledJob | undefined {
    const job = this.#jobs.get(id);
    return job !== undefined && job.version === version ? job : undefined;
  }

  remember(job: ScheduledJob): void {
    if (this.#jobs.size >= this.#maxJobs && !this.#jobs.has(job.id)) this.#jobs.clear();
    this.#jobs.set(job.id, job);
  }
}
