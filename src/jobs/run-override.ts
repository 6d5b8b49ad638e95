import type { ExecutionOverride, HttpMethod, JsonValue } from '../store/types.js';
import { assertStorableText, checkHeaders, invalid } from './definition.js';

/** The optional body of a run-now request (shape already checked by the API's schema). */
export interface RunBody {
  readonly payload?: JsonValue;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The override one manual firing carries, or null when the body changes nothing (absent,
 * `{}`, or empty headers only). Override headers follow the rules of a job's headers (the
 * reserved names are refused, naming the header) and a payload those of a job's payload;
 * a GET job sends no body, so a payload for it is refused rather than silently dropped.
 */
export function overrideFromBody(body: RunBody | null | undefined, job: { readonly method: HttpMethod }): ExecutionOverride | null {
  if (body == null) return null;
  assertStorableText(body, '');
  const headers = body.headers === undefined || Object.keys(body.headers).length === 0 ? undefined : checkHeaders(body.headers, 'headers');
  if (body.payload !== undefined && job.method === 'GET') {
    throw invalid('payload', 'payload: the job\'s method is GET, which sends no body; leave payload out, or PATCH the job\'s method first');
  }
  if (headers === undefined && body.payload === undefined) return null;
  return { ...(body.payload !== undefined ? { payload: body.payload } : {}), ...(headers !== undefined ? { headers } : {}) };
}
