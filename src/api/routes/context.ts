import type { FastifyReply } from 'fastify';
import { JobSchedulerError, isJobSchedulerError } from '../../errors.js';
import { isUuid } from '../../ids.js';
import type { JobCreateBatcher } from '../../jobs/create-batcher.js';
import type { TargetPolicy } from '../../jobs/targets.js';
import type { ExecutionRecord, JobRecord, Store } from '../../store/types.js';
import type { Clock } from '../../time/clock.js';

/** What every route needs: the store, "now", and the operator's target rules. */
export interface ApiContext {
  readonly store: Store;
  /** Single creates go through here, so concurrent ones share a database round trip. */
  readonly creates: JobCreateBatcher;
  readonly clock: Clock;
  readonly targets: TargetPolicy;
}

export interface IdParams {
  readonly id: string;
}

/** A malformed id names no job, so it answers 404 like an unknown one. */
export function jobId(params: IdParams): string {
  if (!isUuid(params.id)) throw new JobSchedulerError('NOT_FOUND', `No job with id "${params.id}"`, { id: params.id });
  return params.id.toLowerCase();
}

export function etag(job: Pick<JobRecord, 'version'>): string {
  return `W/"${job.version}"`;
}

/**
 * The version an If-Match header asks for: undefined when absent or "*" (any version).
 * A value that names no version of this job can never match, so it is a failed precondition.
 */
export function expectedVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(ifMatch);
  if (!match) {
    throw new JobSchedulerError('PRECONDITION_FAILED', `If-Match ${ifMatch} is not an ETag this server handed out (W/"<version>")`);
  }
  return Number(match[1]);
}

export function sendJob(reply: FastifyReply, job: JobRecord, status = 200): FastifyReply {
  return reply.status(status).header('etag', etag(job)).send(jobResponse(job));
}

export function jobResponse(job: JobRecord): JobRecord & { jobId: string } {
  return { ...job, jobId: job.id };
}

export function executionResponse(execution: ExecutionRecord): Omit<ExecutionRecord, 'ownerNode' | 'createdAt'> & { node: string | null } {
  return { ...execution, node: execution.ownerNode };
}

/** Store cursor errors name the query parameter, so the client knows what to drop. */
export async function withCursor<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isJobSchedulerError(error, 'VALIDATION_FAILED') && 'cursor' in error.details) {
      throw new JobSchedulerError('VALIDATION_FAILED', `cursor: ${error.message}; start again without it`, { property: 'cursor' });
    }
    throw error;
  }
}
