import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startNode, type RunningNode } from '../../src/node.js';
import { cli, tableRows } from '../cli/harness.js';
import { startReceiver, type Receiver } from '../scheduler/receiver.js';

type LogLine = Record<string, unknown> & { msg: string };

/** Collects a node's JSON log lines and lets a test wait for one (an event, not a sleep). */
function logSink() {
  const lines: LogLine[] = [];
  const waiters: { test: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text === '') continue;
        const line = JSON.parse(text) as LogLine;
        lines.push(line);
        for (const waiter of [...waiters]) {
          if (waiter.test(line)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      }
      done();
    },
  });
  const waitFor = (test: (line: LogLine) => boolean) =>
    new Promise<LogLine>((resolve) => {
      const seen = lines.find(test);
      if (seen) resolve(seen);
      else waiters.push({ test, resolve });
    });
  return { stream, lines, waitFor };
}

describe('a firing, seen by an operator', () => {
  const logs = logSink();
  let node: RunningNode;
  let receiver: Receiver;
  let dataDir: string;

  beforeAll(async () => {
    receiver = await startReceiver((_request, response) => void response.writeHead(500).end('target broke'));
    dataDir = mkdtempSync(join(tmpdir(), 'jobscheduler-logs-'));
    const config = loadConfig({ env: { PORT: '0', JOBSCHEDULER_DATA_DIR: dataDir }, file: null });
    node = await startNode({ config, logger: pino({ level: 'info' }, logs.stream) });
  });
  afterAll(async () => {
    await node?.close();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is logged with its job and execution ids, counted in /metrics and shown in the history', async () => {
    const server = node.address!;
    const created = await cli(['jobs', 'create', '--server', server, '--json', '--schedule', '0 0 0 1 1 *', '--api', `${receiver.url}/hook`, '--type', 'AT_LEAST_ONCE', '--max-attempts', '1']);
    expect(created.code).toBe(0);
    const jobId = (JSON.parse(created.stdout) as { id: string }).id;
    const run = await cli(['jobs', 'run', jobId, '--server', server, '--json']);
    const executionId = (JSON.parse(run.stdout) as { executionId: string }).executionId;

    const failure = await logs.waitFor((line) => line.jobId === jobId && line.msg === 'occurrence failed after its last attempt');
    expect(failure).toMatchObject({ jobId, executionId, attempt: 1, httpStatus: 500, nodeId: node.nodeId });

    const metrics = await fetch(`${server}/metrics`).then((response) => response.text());
    expect(metrics).toContain('jobscheduler_firings_total{type="AT_LEAST_ONCE",outcome="FAILED"} 1');
    expect(metrics).toMatch(/^jobscheduler_firing_lateness_seconds_count 1$/m);
    expect(metrics).toMatch(/^jobscheduler_attempt_duration_seconds_count 1$/m);

    // The history is written in batches shortly after the attempt: wait for the row to settle.
    let rows: string[][] = [];
    for (let tries = 0; tries < 100; tries++) {
      rows = tableRows((await cli(['jobs', 'history', jobId, '--server', server])).stdout);
      if (rows[0]?.[4] === 'FAILED') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(rows).toHaveLength(1);
    // Scheduled at, due at, trigger, attempt, status, HTTP status, duration, lateness, node.
    expect(rows[0]!.slice(2, 6)).toEqual(['manual', '1', 'FAILED', '500']);
    expect(rows[0]![8]).toBe(node.nodeId);
    expect(rows[0]![9]).toMatch(/^HTTP 500/);
  });
});

describe('the first start on the embedded store, seen by an operator', () => {
  it('says it is initialising the database before the slow part, and opening it on the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'jobscheduler-first-start-'));
    const config = loadConfig({ env: { PORT: '0', JOBSCHEDULER_DATA_DIR: dataDir, JOBSCHEDULER_ROLE: 'api' }, file: null });
    try {
      const first = logSink();
      await (await startNode({ config, logger: pino({ level: 'info' }, first.stream) })).close();
      expect(first.lines[0]).toMatchObject({ level: 30, dataDir, msg: `initialising the embedded database in ${dataDir}, first start takes ~10 s` });

      const second = logSink();
      await (await startNode({ config, logger: pino({ level: 'info' }, second.stream) })).close();
      expect(second.lines[0]).toMatchObject({ dataDir, msg: `opening the embedded database in ${dataDir}` });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
