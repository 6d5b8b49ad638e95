import type {
  BackfillAnswer,
  BackfillInput,
  ClusterNode,
  TargetPolicy,
  ClusterStats,
  DeliveryGuarantee,
  Execution,
  ExecutionStatus,
  Job,
  JobInput,
  JobSchedule,
  JobStats,
  JobStatsPage,
  Page,
  Problem,
  RunAnswer,
  RunOverride,
  SchedulePreview,
} from './types.js';
import { askForApiKey, currentApiKey, forgetApiKey } from './auth.js';
import type { ClusterTimeline } from './timeline.js';

/** A failed call: the HTTP status and the problem document the server sent (if any). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `Request failed with status ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  get code(): string | undefined {
    return this.problem.code;
  }
}

interface RequestOptions {
  readonly method?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

interface ApiResponse<T> {
  readonly data: T;
  readonly etag: string | null;
}

async function readProblem(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Problem;
  } catch {
    // Not JSON (a proxy's error page, say): fall through and report the status line.
  }
  return { status: response.status, title: response.statusText || `HTTP ${response.status}`, detail: text.slice(0, 200) || undefined };
}

/**
 * One call to the public API. A 401 asks the person for the API key (once for all calls
 * waiting at that moment) and retries with it; cancelling the prompt fails the call.
 */
async function call<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  for (;;) {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    const key = currentApiKey();
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
    if (response.status === 401) {
      const problem = await readProblem(response);
      if (key !== null) forgetApiKey(key);
      const entered = await askForApiKey(key !== null);
      if (entered === null) throw new ApiError(401, problem);
      continue;
    }
    if (!response.ok) throw new ApiError(response.status, await readProblem(response));
    const etag = response.headers.get('etag');
    if (response.status === 204) return { data: undefined as T, etag };
    return { data: (await response.json()) as T, etag };
  }
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

const statsChunk = 100;

const jobPath = (id: string): string => `/api/v1/jobs/${encodeURIComponent(id)}`;

export interface JobListQuery {
  readonly limit?: number;
  readonly cursor?: string;
  readonly active?: boolean;
  readonly name?: string;
  readonly paused?: boolean;
  readonly type?: DeliveryGuarantee;
  readonly lastStatus?: ExecutionStatus | 'never';
  readonly order?: 'oldest' | 'newest';
}

export const api = {
  listJobs: async (params: JobListQuery, signal?: AbortSignal): Promise<Page<Job>> =>
    (await call<Page<Job>>(`/api/v1/jobs${query({ ...params })}`, { signal })).data,
  getJob: (id: string, signal?: AbortSignal): Promise<ApiResponse<Job>> => call<Job>(jobPath(id), { signal }),
  createJob: async (input: JobInput): Promise<Job> => (await call<Job>('/api/v1/jobs', { method: 'POST', body: input })).data,
  updateJob: async (id: string, patch: JobInput, etag: string | null): Promise<Job> =>
    (await call<Job>(jobPath(id), { method: 'PATCH', body: patch, headers: etag === null ? {} : { 'if-match': etag } })).data,
  deleteJob: async (id: string): Promise<void> => {
    await call<void>(jobPath(id), { method: 'DELETE' });
  },
  runJob: async (id: string, override: RunOverride = {}): Promise<RunAnswer> =>
    (await call<RunAnswer>(`${jobPath(id)}/run`, { method: 'POST', body: override })).data,
  backfillJob: async (id: string, input: BackfillInput): Promise<BackfillAnswer> =>
    (await call<BackfillAnswer>(`${jobPath(id)}/backfill`, { method: 'POST', body: input })).data,
  pauseJob: async (id: string): Promise<Job> => (await call<Job>(`${jobPath(id)}/pause`, { method: 'POST' })).data,
  resumeJob: async (id: string): Promise<Job> => (await call<Job>(`${jobPath(id)}/resume`, { method: 'POST' })).data,
  jobSchedule: async (id: string, count: number, signal?: AbortSignal): Promise<JobSchedule> =>
    (await call<JobSchedule>(`${jobPath(id)}/schedule${query({ count })}`, { signal })).data,
  jobHistory: async (id: string, params: { limit: number; cursor?: string }, signal?: AbortSignal): Promise<Page<Execution>> =>
    (await call<Page<Execution>>(`${jobPath(id)}/history${query(params)}`, { signal })).data,
  previewSchedule: async (
    params: { expression: string; timezone: string; count: number },
    signal?: AbortSignal,
  ): Promise<SchedulePreview> => (await call<SchedulePreview>(`/api/v1/schedules/preview${query(params)}`, { signal })).data,
  targetPolicies: async (signal?: AbortSignal): Promise<TargetPolicy[]> =>
    (await call<{ items: TargetPolicy[] }>('/api/v1/targets', { signal })).data.items,
  nodes: async (signal?: AbortSignal): Promise<ClusterNode[]> =>
    (await call<{ items: ClusterNode[] }>('/api/v1/nodes', { signal })).data.items,
  stats: async (signal?: AbortSignal): Promise<ClusterStats> => (await call<ClusterStats>('/api/v1/stats', { signal })).data,
  timeline: async (signal?: AbortSignal): Promise<ClusterTimeline> => (await call<ClusterTimeline>('/api/v1/stats/timeline', { signal })).data,
  /** Asks in chunks so that the query string stays well under the server's header limit. */
  jobStats: async (ids: readonly string[], signal?: AbortSignal): Promise<JobStats[]> => {
    const chunks: string[][] = [];
    for (let start = 0; start < ids.length; start += statsChunk) chunks.push(ids.slice(start, start + statsChunk));
    const pages = await Promise.all(
      chunks.map(async (chunk) => (await call<JobStatsPage>(`/api/v1/stats/jobs${query({ ids: chunk.join(',') })}`, { signal })).data),
    );
    return pages.flatMap((page) => page.items);
  },
};
