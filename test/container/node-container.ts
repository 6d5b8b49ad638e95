import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Podman } from './podman.js';
import type { Scope } from './scope.js';

/** What the container tests do with a running jobscheduler container, through podman and HTTP. */

/** Polls `probe` until it answers something other than undefined; names `what` when it gives up. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Gave up after ${timeoutMs / 1000} s waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await delay(500);
  }
}

/** http://127.0.0.1:<port> where podman published the container's port 8080. */
async function publishedUrl(podman: Podman, container: string): Promise<string> {
  const mapping = (await podman.run(['port', container, '8080/tcp'])).stdout.trim().split('\n')[0]!;
  const port = /^127\.0\.0\.1:(\d+)$/.exec(mapping)?.[1];
  if (port === undefined) throw new Error(`${container} publishes 8080 as "${mapping}", not on 127.0.0.1`);
  return `http://127.0.0.1:${port}`;
}

export interface ApiClient {
  readonly url: string;
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

export function apiClient(url: string, apiKey: string | null): ApiClient {
  return {
    url,
    async request(method, path, body) {
      const headers: Record<string, string> = apiKey === null ? {} : { authorization: `Bearer ${apiKey}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
    },
  };
}

/**
 * Waits until the node in `container` answers /health on its published port: it has opened
 * its store and listens. Fails at once, with the end of its log, if the container exits.
 */
export async function waitForNode(podman: Podman, container: string, apiKey: string | null): Promise<ApiClient> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const running = (await podman.run(['inspect', '--format', '{{.State.Running}}', container])).stdout.trim() === 'true';
    if (!running) {
      const { stdout, stderr } = await podman.run(['logs', '--tail', '20', container]);
      throw new Error(`${container} exited with code ${await exitCode(podman, container)} instead of starting:\n${stdout}${stderr}`);
    }
    // The port can be gone already when the node has just exited: the next round says so.
    const api = await publishedUrl(podman, container).then((url) => apiClient(url, apiKey), () => null);
    const health = await api?.request('GET', '/health').catch(() => null);
    if (api && health?.status === 200) return api;
    if (Date.now() > deadline) throw new Error(`${container} did not answer /health within 180 s`);
    await delay(500);
  }
}

/** The container's processes as the host sees them: pid in the container, host uid, command. */
export async function processesOf(podman: Podman, container: string): Promise<{ pid: number; uid: number; command: string }[]> {
  const { stdout } = await podman.run(['top', container, 'pid', 'huser', 'comm']);
  return stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, uid, command]) => ({ pid: Number(pid), uid: Number(uid), command: command! }));
}

export interface HistoryItem {
  readonly status: string;
  readonly httpStatus: number | null;
  readonly node: string | null;
  readonly scheduledAt: string;
}

export async function historyOf(api: ApiClient, jobId: string): Promise<HistoryItem[]> {
  const { status, body } = await api.request('GET', `/api/v1/jobs/${jobId}/history?limit=200`);
  if (status !== 200) throw new Error(`history of ${jobId} answered ${status}: ${JSON.stringify(body)}`);
  return (body as { items: HistoryItem[] }).items;
}

/** Waits for `count` more occurrences SUCCEEDED than `after` had, answered 200 by the receiver. */
export function waitForSuccesses(api: ApiClient, jobId: string, count: number, after: readonly HistoryItem[] = []): Promise<HistoryItem[]> {
  const seen = new Set(after.map((item) => item.scheduledAt));
  return waitFor(`${count} more successful firings of ${jobId}`, async () => {
    const fresh = (await historyOf(api, jobId)).filter((item) => item.status === 'SUCCEEDED' && item.httpStatus === 200 && !seen.has(item.scheduledAt));
    return fresh.length >= count ? fresh : undefined;
  });
}

/** An every-second job posting to the receiver. */
export async function createEverySecondJob(api: ApiClient, name: string): Promise<string> {
  const { status, body } = await api.request('POST', '/api/v1/jobs', {
    name,
    schedule: '* * * * * *',
    api: `http://${RECEIVER_HOST}:8080/hook`,
    type: 'AT_LEAST_ONCE',
    payload: { from: name },
  });
  if (status !== 201) throw new Error(`creating the job answered ${status}: ${JSON.stringify(body)}`);
  return (body as { id: string }).id;
}

const RECEIVER_HOST = 'receiver';
const RECEIVER_SCRIPT = fileURLToPath(new URL('./receiver.mjs', import.meta.url));

/** The job target: receiver.mjs in a container of the project's image, named `receiver` on the network. */
export function startReceiver(scope: Scope, network: string, image: string): Promise<string> {
  return scope.start('receiver', [
    '--network', network, '--network-alias', RECEIVER_HOST,
    '-v', `${RECEIVER_SCRIPT}:/receiver.mjs:ro`, '--entrypoint', 'node', image, '/receiver.mjs',
  ]);
}

/** The requests the receiver printed, one JSON object a line, with the job's id from X-Job-Id. */
export async function receivedJobIds(podman: Podman, receiver: string): Promise<string[]> {
  const { stdout } = await podman.run(['logs', receiver]);
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { jobId: string }).jobId);
}

/** The node's log: JSON lines on its standard output (it is no terminal), parsed. */
async function logOf(podman: Podman, container: string): Promise<{ msg: string; [field: string]: unknown }[]> {
  const { stdout, stderr } = await podman.run(['logs', container]);
  return `${stdout}\n${stderr}`
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string });
}

export async function exitCode(podman: Podman, container: string): Promise<number> {
  return Number((await podman.run(['inspect', '--format', '{{.State.ExitCode}}', container])).stdout.trim());
}

/**
 * Stops the container as `docker stop --time 35` does (SIGTERM, then SIGKILL after 35 s) and expects a
 * clean stop: exit code 0, and in the log the signal taken and then the node stopped. A failure
 * shows what the node logged after the signal, with milliseconds since it.
 */
export async function expectGracefulStop(podman: Podman, container: string): Promise<void> {
  await podman.run(['stop', '--time', '35', container]);
  const code = await exitCode(podman, container);
  const log = await logOf(podman, container);
  const signalled = log.findIndex((line) => line.signal === 'SIGTERM');
  const afterSignal = signalled < 0 ? [] : log.slice(signalled);
  const signalTime = Number(afterSignal[0]?.time);
  const story = afterSignal.map((line) => `+${Number(line.time) - signalTime} ms ${line.msg}`).join('\n');
  expect({ code, signal: afterSignal[0]?.signal, stopped: afterSignal.some((line) => line.msg === 'stopped') }, `log after the signal:\n${story}`).toEqual({
    code: 0,
    signal: 'SIGTERM',
    stopped: true,
  });
}
