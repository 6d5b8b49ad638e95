import { Agent, request } from 'undici';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** An error answer of the server, read from its RFC 9457 problem+json body. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly body: unknown,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ApiProblem';
  }
}

/** The server could not be reached or did not answer with HTTP. */
export class ServerUnreachable extends Error {
  constructor(server: string, cause: unknown) {
    super(`cannot reach ${server}: ${describeCause(cause)}`, { cause });
    this.name = 'ServerUnreachable';
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body, or null for an empty one (204). */
  readonly body: unknown;
}

export interface SendOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ApiClientOptions {
  readonly server: string;
  readonly apiKey: string | null;
}

/**
 * A small client for the scheduler's HTTP API. It owns its connection pool, so a command
 * closes it when done and the process exits at once instead of waiting for idle sockets.
 */
export class ApiClient {
  private readonly agent = new Agent({ keepAliveTimeout: 5_000 });
  private readonly base: URL;

  constructor(private readonly options: ApiClientOptions) {
    this.base = new URL(options.server.endsWith('/') ? options.server : `${options.server}/`);
  }

  /** Sends one request; answers 2xx, throws ApiProblem for an error answer, ServerUnreachable otherwise. */
  async send(method: HttpMethod, path: string, options: SendOptions = {}): Promise<ApiResponse> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let payload: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(options.body);
    }

    let response;
    let text: string;
    try {
      response = await request(url, { method, headers, body: payload, dispatcher: this.agent });
      text = await response.body.text();
    } catch (error) {
      throw new ServerUnreachable(this.base.origin, error);
    }
    const responseHeaders = flattenHeaders(response.headers);
    const body = parseBody(text);
    if (response.statusCode >= 400) throw toProblem(response.statusCode, body, text);
    return { status: response.statusCode, headers: responseHeaders, body };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toProblem(status: number, body: unknown, text: string): ApiProblem {
  if (body !== null && typeof body === 'object') {
    const problem = body as Record<string, unknown>;
    const code = typeof problem.code === 'string' ? problem.code : `HTTP_${status}`;
    const detail =
      typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : text;
    return new ApiProblem(status, code, detail, body);
  }
  // Not a problem body: perhaps a proxy's HTML page. A short excerpt is enough to recognise it.
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new ApiProblem(status, `HTTP_${status}`, excerpt === '' ? 'the server answered with no details' : excerpt, body);
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const code = (error as { code?: unknown }).code ?? (cause as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code} (${message})` : message;
}
