import { isJobSchedulerError } from '../errors.js';
import type { JobCreateParams, JobRecord, Store } from '../store/types.js';

interface Pending {
  readonly params: JobCreateParams;
  readonly resolve: (job: JobRecord) => void;
  readonly reject: (error: unknown) => void;
}

export interface CreateBatcherOptions {
  /** Most inserts in flight at once; creates arriving meanwhile wait and go together. */
  readonly maxInFlight?: number;
  /** Most jobs in one insert. */
  readonly maxBatch?: number;
}

/**
 * Group commit for jobs created one per request. While fewer than `maxInFlight` inserts are
 * running, a create goes to the database at once (no added latency when the server is
 * quiet); when they are all busy, creates queue and the next free slot stores the whole
 * queue in one statement. Under load this turns thousands of one-row transactions into a
 * few multi-row ones, which is where the database spends its time.
 *
 * Every caller still gets its own outcome: a batch refused for bad data (which validation
 * should have caught) is retried one job at a time, so only the offending job fails.
 * Errors that concern the database itself fail the whole batch, as they would each job.
 */
export class JobCreateBatcher {
  readonly #store: Pick<Store, 'jobCreateMany'>;
  readonly #maxInFlight: number;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #inFlight = 0;

  constructor(store: Pick<Store, 'jobCreateMany'>, options: CreateBatcherOptions = {}) {
    this.#store = store;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.#maxBatch = Math.max(1, options.maxBatch ?? 1000);
  }

  create(params: JobCreateParams): Promise<JobRecord> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ params, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.#maxInFlight) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#inFlight++;
      void this.#write(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  async #write(batch: readonly Pending[]): Promise<void> {
    try {
      const jobs = await this.#store.jobCreateMany(batch.map((pending) => pending.params));
      batch.forEach((pending, index) => pending.resolve(jobs[index]!));
    } catch (error) {
      if (batch.length > 1 && isJobSchedulerError(error, 'VALIDATION_FAILED')) {
        await Promise.all(batch.map((pending) => this.#write([pending])));
        return;
      }
      for (const pending of batch) pending.reject(error);
    }
  }
}
