import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { isJobSchedulerError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { startNode } from '../../src/node.js';
import { createStore } from '../../src/store/index.js';

const CHILD = fileURLToPath(new URL('./serve-child.ts', import.meta.url));
/** tsx's loader by absolute URL: the child runs in a scratch directory, away from node_modules. */
const TSX = import.meta.resolve('tsx');

// Each test opens an embedded database on disk, which takes seconds on a busy machine.
describe('a node', { timeout: 90_000 }, () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'jobscheduler-node-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const config = (env: Record<string, string>) => loadConfig({ env: { PORT: '0', JOBSCHEDULER_DATA_DIR: join(dataDir, 'db'), ...env }, file: null });

  it('serves the API over HTTP on the embedded store and stops once however often close() is called', async () => {
    const node = await startNode({ config: config({ JOBSCHEDULER_ROLE: 'api' }), logger: silentLogger() });
    expect(node.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${node.address!}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', store: 'pglite' });
    const created = await fetch(`${node.address!}/api/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ schedule: '0 0 * * * *', api: 'http://localhost:4444/foo', type: 'AT_LEAST_ONCE' }),
    });
    expect(created.status).toBe(201);
    await Promise.all([node.close(), node.close()]);
    await node.close();
    await expect(fetch(`${node.address!}/health`)).rejects.toThrow();
  });

  it('answers probes and scrapes in the scheduler role, and nothing else', async () => {
    const node = await startNode({ config: config({ JOBSCHEDULER_ROLE: 'scheduler' }), logger: silentLogger() });
    try {
      expect(node.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${node.address}/health`)).json()).toMatchObject({ status: 'ok', store: 'pglite' });
      expect(await (await fetch(`${node.address}/ready`)).json()).toEqual({ status: 'ready' });
      const metrics = await fetch(`${node.address}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('jobscheduler_due_backlog');
      for (const path of ['/api/v1/jobs', '/docs', '/openapi.json', '/']) {
        const response = await fetch(`${node.address}${path}`);
        expect(response.status, path).toBe(404);
        expect((await response.json()) as { detail: string }).toMatchObject({ code: 'NOT_FOUND', detail: expect.stringContaining('only /health, /ready and /metrics') });
      }
    } finally {
      await node.close();
    }
    await expect(fetch(`${node.address}/health`)).rejects.toThrow();
  });

  it('fails to start on a port already taken before its engine joins the cluster, claims or sends', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      const error = await startNode({ config: config({ PORT: String(port) }), logger: silentLogger() }).catch((caught: unknown) => caught);
      expect((error as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    } finally {
      taken.close();
    }
    // The engine starts after the server listens, so this node never registered itself.
    const store = await createStore({ dataDir: join(dataDir, 'db') });
    try {
      expect(await store.nodeList()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('refuses a non-loopback host without API keys before touching the data directory', async () => {
    const error = await startNode({ config: config({ HOST: '0.0.0.0' }), logger: silentLogger() }).catch((caught: unknown) => caught);
    expect(isJobSchedulerError(error, 'CONFIG_INVALID')).toBe(true);
    expect(existsSync(join(dataDir, 'db'))).toBe(false);
  });
});

/** The test runner's environment without any setting that would change what serve does. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'HOST', 'PORT', 'JOBSCHEDULER_API_KEYS', 'JOBSCHEDULER_ROLE', 'JOBSCHEDULER_INSECURE', 'LOG_LEVEL']) delete env[name];
  return env;
}

describe('jobscheduler serve', { timeout: 90_000 }, () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'jobscheduler-serve-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  /** `jobscheduler serve` on the embedded store in its own process, once it says where it listens. */
  async function startServe(env: Record<string, string> = {}) {
    const child = spawn(process.execPath, ['--import', TSX, CHILD, 'serve', '--port', '0', '--data-dir', join(dataDir, 'db')], {
      env: { ...cleanEnv(), ...env },
      cwd: dataDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n').find((text) => text.includes('listening on'));
        if (line) resolve(JSON.parse(line) as Record<string, unknown>);
      });
      void exited.then(() => reject(new Error(`serve exited early: ${stderr}`)));
    });
    const logs = () => stdout.trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    return { child, exited, listening, address: String(listening.address), logs };
  }

  it('logs one line saying where it listens and which store it uses, and stops cleanly on SIGTERM', async () => {
    const { child, exited, listening, address, logs } = await startServe();
    expect(listening).toMatchObject({ store: 'pglite', role: 'all' });
    expect(String(listening.msg)).toContain(join(dataDir, 'db'));
    expect(String(listening.msg)).toContain('embedded PGlite');
    expect((await fetch(`${address}/ready`)).status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs().filter((line) => /listening/i.test(line.msg))).toHaveLength(1);
    expect(logs().at(-1)!.msg).toBe('stopped');
  });

  it('stops the engine first, then exits within the grace period however a client holds its connections open', async () => {
    const { child, exited, address, logs } = await startServe({ JOBSCHEDULER_SHUTDOWN_GRACE_MS: '1000' });
    const { hostname, port } = new URL(address);
    const open = async (request: string) => {
      const socket = connect(Number(port), hostname);
      await once(socket, 'connect');
      // Flowing, so the server closing the connection is seen whether or not it answered; a
      // reset instead of a goodbye closes it too.
      const answered = new Promise((resolve) => socket.once('data', resolve));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.on('error', () => undefined);
      socket.resume();
      socket.write(request);
      return { answered, closed };
    };
    // A keep-alive connection left idle after its answer, and one whose request is still arriving.
    const idle = await open('GET /health HTTP/1.1\r\nHost: node\r\nConnection: keep-alive\r\n\r\n');
    await idle.answered;
    const inFlight = await open('POST /api/v1/jobs HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await Promise.all([idle.closed, inFlight.closed]);
    const order = logs().map((line) => line.msg).filter((msg) => ['SIGTERM: stopping', 'scheduler stopped', 'stopped'].includes(msg));
    expect(order).toEqual(['SIGTERM: stopping', 'scheduler stopped', 'stopped']);
  });

  it('exits with 2 and says why when asked to listen on the network without keys', async () => {
    const child = spawn(process.execPath, ['--import', TSX, CHILD, 'serve', '--host', '0.0.0.0', '--data-dir', join(dataDir, 'db')], {
      env: cleanEnv(),
      cwd: dataDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('--insecure');
  });
});
