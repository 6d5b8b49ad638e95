import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startTestNode, tableRows, type TestNode } from './harness.js';

const target = 'http://127.0.0.1:4444/hook';

describe('jobscheduler jobs against a running node', () => {
  let node: TestNode;
  let jobs: (...args: string[]) => ReturnType<typeof cli>;

  beforeAll(async () => {
    node = await startTestNode();
    jobs = (...args) => cli(['jobs', ...args, '--server', node.server]);
  });
  afterAll(async () => {
    await node?.stop();
  });

  async function createJob(...extra: string[]): Promise<string> {
    const { code, stdout } = await jobs('create', '--schedule', '0 30 9 * * MON-FRI', '--api', target, '--type', 'AT_LEAST_ONCE', '--json', ...extra);
    expect(code).toBe(0);
    return (JSON.parse(stdout) as { id: string }).id;
  }

  it('creates a job from flags and shows it field by field, with its next run', async () => {
    const created = await jobs(
      'create',
      '--name', 'report',
      '--schedule', '0 30 9 * * MON-FRI',
      '--timezone', 'Europe/Paris',
      '--api', target,
      '--type', 'ATLEAST_ONCE',
      '--header', 'X-Team: billing',
      '--payload', '{"kind":"daily"}',
      '--max-attempts', '5',
    );
    expect(created.code).toBe(0);
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/^name: +report$/m);
    expect(created.stdout).toMatch(/^type: +AT_LEAST_ONCE$/m);
    expect(created.stdout).toMatch(/^headers: +\{"X-Team":"billing"\}$/m);
    expect(created.stdout).toMatch(/^retry: +\{"maxAttempts":5,/m);
    expect(created.stdout).toMatch(/^nextRunAt: +\d{4}-\d\d-\d\dT0[78]:30:00/m);
    expect(created.stdout).toMatch(/^etag: +W\/"1"$/m);

    const id = /^id: +(\S+)$/m.exec(created.stdout)![1]!;
    const shown = await jobs('get', id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^etag: +W\/"1"$/m);
    expect(shown.stdout).toMatch(/^state: +active$/m);
  });

  it('lists jobs as a table, follows every page with --all, and prints the server answer with --json', async () => {
    const ids = [await createJob('--name', 'page-a'), await createJob('--name', 'page-b'), await createJob('--name', 'page-c')];

    const firstPage = await jobs('list', '--name', 'page-', '--limit', '2');
    expect(firstPage.code).toBe(0);
    expect(firstPage.stdout.split('\n')[0]).toMatch(/^ID +NAME +SCHEDULE +ZONE +TYPE +NEXT RUN +LAST STATUS +STATE$/);
    expect(tableRows(firstPage.stdout).map((row) => row[0])).toEqual(ids.slice(0, 2));
    expect(firstPage.stderr).toMatch(/^More on the next page: jobscheduler jobs list --cursor \S+ \(or --all\)$/m);

    const all = await jobs('list', '--name', 'page-', '--limit', '2', '--all');
    expect(tableRows(all.stdout).map((row) => [row[0], row[1], row[7]])).toEqual(ids.map((id, i) => [id, `page-${'abc'[i]}`, 'active']));
    expect(all.stderr).toBe('');

    const json = await jobs('list', '--name', 'page-', '--json', '--all');
    const page = JSON.parse(json.stdout) as { items: { id: string }[]; nextCursor: null };
    expect(page.items.map((job) => job.id)).toEqual(ids);
    expect(page.nextCursor).toBeNull();
  });

  it('updates only the fields given, and refuses a stale ETag with exit code 2', async () => {
    const id = await createJob('--name', 'before');
    const updated = await jobs('update', id, '--timezone', 'Asia/Tokyo', '--if-match', 'W/"1"');
    expect(updated.code).toBe(0);
    expect(updated.stdout).toMatch(/^timezone: +Asia\/Tokyo$/m);
    expect(updated.stdout).toMatch(/^name: +before$/m);
    // The new etag, ready for the next --if-match.
    expect(updated.stdout).toMatch(/^etag: +W\/"2"$/m);

    const stale = await jobs('update', id, '--name', 'after', '--if-match', 'W/"1"');
    expect(stale.code).toBe(2);
    expect(stale.stdout).toBe('');
    expect(stale.stderr).toMatch(/^PRECONDITION_FAILED: .+/);
    expect((await jobs('get', id)).stdout).toMatch(/^name: +before$/m);
  });

  it('sets a jitter with --jitter-ms, and refuses one longer than the gap between occurrences naming jitterMs', async () => {
    const id = await createJob('--jitter-ms', '60000');
    expect((await jobs('get', id)).stdout).toMatch(/^jitterMs: +60000$/m);
    const updated = await jobs('update', id, '--jitter-ms', '0');
    expect(updated.stdout).toMatch(/^jitterMs: +0$/m);
    const tooLong = await jobs('create', '--schedule', '*/10 * * * * *', '--api', target, '--type', 'AT_LEAST_ONCE', '--jitter-ms', '10001');
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/^VALIDATION_FAILED: jitterMs \(10001\) must not exceed the gap between two consecutive occurrences of schedule: 10000 ms/);
  });

  it('pauses, resumes and deletes a job, which stays readable after deletion', async () => {
    const id = await createJob();
    const state = async () => /^state: +(\S+)$/m.exec((await jobs('get', id)).stdout)![1];

    expect((await jobs('pause', id)).code).toBe(0);
    expect(await state()).toBe('paused');
    expect((await jobs('resume', id)).code).toBe(0);
    expect(await state()).toBe('active');

    const deleted = await jobs('delete', id);
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted job ${id} (inactive; its history is kept).\n` });
    expect(await state()).toBe('inactive');
    const inactive = await jobs('list', '--active', 'false', '--all');
    expect(tableRows(inactive.stdout).map((row) => row[0])).toContain(id);
  });

  it('runs a job now and shows the extra occurrence in its history', async () => {
    const id = await createJob();
    expect((await jobs('history', id)).stdout).toBe('No executions yet.\n');

    const run = await jobs('run', id);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^trigger: +manual$/m);
    const executionId = /^executionId: +(\S+)$/m.exec(run.stdout)![1];

    const history = await jobs('history', id);
    expect(history.stdout.split('\n')[0]).toMatch(/^SCHEDULED AT +DUE AT +TRIGGER +ATTEMPT +STATUS +HTTP +DURATION +LATENESS +NODE +ERROR$/);
    expect(tableRows(history.stdout)).toEqual([[expect.stringMatching(/^\d{4}-/), expect.stringMatching(/^\d{4}-/), 'manual', '1', 'SCHEDULED', '-', '-', '-', '-', '-']]);
    const json = JSON.parse((await jobs('history', id, '--json')).stdout) as { items: { id: string }[] };
    expect(json.items.map((item) => item.id)).toEqual([executionId]);
  });

  it('runs a job now with another payload and headers, and the history marks the run as overridden', async () => {
    const id = await createJob('--payload', '{"n":1}');
    const run = await jobs('run', id, '--payload', '{"n":2}', '--header', 'X-Reason: replay');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^overridden: +true$/m);
    expect(tableRows((await jobs('history', id)).stdout).map((row) => row[2])).toEqual(['manual+override']);
    const json = JSON.parse((await jobs('history', id, '--json')).stdout) as { items: { override: unknown }[] };
    expect(json.items[0]!.override).toEqual({ payload: { n: 2 }, headers: { 'X-Reason': 'replay' } });

    const refused = await jobs('run', id, '--header', 'Host: elsewhere');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^VALIDATION_FAILED: headers: the Host header/);
    expect((await jobs('run', id, '--payload', '{oops')).stderr).toMatch(/--payload is not valid JSON/);
  });

  it('backfills a past range, and a second identical backfill queues nothing', async () => {
    const id = await createJob('--schedule', '0 0 * * * *');
    const now = Date.now();
    const to = new Date(Math.floor(now / 3_600_000) * 3_600_000).toISOString();
    const from = new Date(Date.parse(to) - 3 * 3_600_000).toISOString();
    const first = await jobs('backfill', id, '--from', from, '--to', to, '--interval-ms', '5000');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^count: +3$/m);
    expect(first.stdout).toMatch(/^queued: +3$/m);
    const again = JSON.parse((await jobs('backfill', id, '--from', from, '--to', to, '--json')).stdout) as Record<string, unknown>;
    expect(again).toMatchObject({ count: 3, queued: 0, alreadyQueued: 3 });
    expect(tableRows((await jobs('history', id)).stdout).map((row) => row[2])).toEqual(['backfill', 'backfill', 'backfill']);

    const missing = await jobs('backfill', id, '--from', from);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^--from and --to are required/);
    expect((await jobs('backfill', id, '--from', from, '--to', to, '--interval-ms', '5')).stderr).toMatch(/--interval-ms must be a whole number from 10/);
    const ahead = await jobs('backfill', id, '--from', from, '--to', new Date(now + 3_600_000).toISOString());
    expect(ahead.stderr).toMatch(/^VALIDATION_FAILED: to .* must not be later than now/);
  });

  it('prints a refused request as "<code>: <detail>" on stderr with exit code 2', async () => {
    const badCron = await jobs('create', '--schedule', '61 * * * * *', '--api', target, '--type', 'AT_LEAST_ONCE');
    expect(badCron.code).toBe(2);
    expect(badCron.stdout).toBe('');
    expect(badCron.stderr).toMatch(/^CRON_INVALID: .*61/);

    const unknown = await jobs('get', '01890000-0000-7000-8000-000000000000');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^NOT_FOUND: /);

    const wrongType = await jobs('create', '--schedule', '* * * * *', '--api', target, '--type', 'SOMETIMES');
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toMatch(/^VALIDATION_FAILED: .*type/);
  });

  it('reports bad usage before sending anything, with exit code 2', async () => {
    const before = tableRows((await jobs('list', '--all')).stdout).length;
    const results = await Promise.all([
      jobs('get'),
      jobs('list', '--frobnicate'),
      jobs('create', '--payload', '{not json', '--schedule', '* * * * *', '--api', target, '--type', 'AT_LEAST_ONCE'),
      jobs('create', '--header', 'no colon here', '--schedule', '* * * * *', '--api', target, '--type', 'AT_LEAST_ONCE'),
      jobs('list', '--limit', 'lots'),
      cli(['jobs', 'list', '--server', 'ftp://example.com']),
      cli(['jobs', 'explode']),
    ]);
    for (const result of results) {
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
    }
    expect(results.map((result) => result.stderr.split('\n')[0])).toEqual([
      'expected <id>, got none',
      'unknown option --frobnicate',
      expect.stringMatching(/^--payload is not valid JSON/),
      '--header must look like "Name: value", got "no colon here"',
      '--limit must be a whole number from 1 to 1000, got "lots"',
      '--server must be an http(s) URL, got "ftp://example.com"',
      'Unknown subcommand "jobs explode".',
    ]);
    expect(tableRows((await jobs('list', '--all')).stdout)).toHaveLength(before);
  });

  it('sets and clears pauseAfterFailures and the bounds, and refuses an endAt with no occurrence left, naming it', async () => {
    const created = await jobs('create', '--schedule', '0 30 9 * * *', '--api', target, '--type', 'AT_LEAST_ONCE', '--json',
      '--pause-after-failures', '5', '--start-at', '2030-01-01T00:00:00Z', '--end-at', '2030-12-31T23:59:59Z', '--max-runs', '100');
    expect(created.code).toBe(0);
    const job = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(job).toMatchObject({ pauseAfterFailures: 5, startAt: '2030-01-01T00:00:00.000Z', endAt: '2030-12-31T23:59:59.000Z', maxRuns: 100, nextRunAt: '2030-01-01T09:30:00.000Z' });

    const cleared = await jobs('update', job.id as string, '--start-at', 'none', '--max-runs', 'none', '--pause-after-failures', 'none');
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/^startAt: +-$/m);
    expect(cleared.stdout).toMatch(/^maxRuns: +-$/m);
    expect(cleared.stdout).toMatch(/^pauseAfterFailures: +-$/m);
    expect(cleared.stdout).toMatch(/^endAt: +2030-12-31T23:59:59.000Z$/m);

    const refused = await jobs('update', job.id as string, '--end-at', '2020-01-01T00:00:00Z');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/endAt 2020-01-01T00:00:00.000Z leaves no occurrence/);
    const badFlag = await jobs('update', job.id as string, '--max-runs', '0');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--max-runs must be a whole number from 1/);

    const paused = await jobs('pause', job.id as string);
    expect(paused.stdout).toMatch(/^pausedReason: +manual$/m);
    expect(paused.stdout).toMatch(/^state: +paused$/m);
  });

  it('uses JOBSCHEDULER_SERVER when --server is not given', async () => {
    const result = await cli(['jobs', 'list', '--limit', '1'], { JOBSCHEDULER_SERVER: node.server });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ID +NAME/);
  });
});

describe('jobscheduler jobs when the server fails', () => {
  it('exits with 1 when nothing listens at --server', async () => {
    const port = await freePort();
    const result = await cli(['jobs', 'list', '--server', `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });

  it('shows a short excerpt of an error page that is not problem+json, such as a proxy\'s', async () => {
    const proxy = createHttpServer((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' }).end(`<html>\n<body>Bad gateway${' padding'.repeat(100)}</body></html>`);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as { port: number };
      const result = await cli(['jobs', 'list', '--server', `http://127.0.0.1:${port}`]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^HTTP_502: <html> <body>Bad gateway padding/);
      expect(result.stderr.length).toBeLessThan(220);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('exits with 1 when the server answers with a 5xx problem', async () => {
    const node = await startTestNode();
    try {
      await node.node.store.close();
      const result = await cli(['jobs', 'list', '--server', node.server]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^[A-Z_]+: \S/);
    } finally {
      await node.stop();
    }
  });
});

describe('jobscheduler jobs against a node with API keys', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ JOBSCHEDULER_API_KEYS: 'key-one,key-two' });
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('is refused without a key, and accepted with --api-key or JOBSCHEDULER_API_KEY', async () => {
    const refused = await cli(['jobs', 'list', '--server', node.server]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^UNAUTHORIZED: /);

    const wrong = await cli(['jobs', 'list', '--server', node.server, '--api-key', 'key-three']);
    expect(wrong.code).toBe(2);

    expect((await cli(['jobs', 'list', '--server', node.server, '--api-key', 'key-two'])).code).toBe(0);
    expect((await cli(['jobs', 'list'], { JOBSCHEDULER_SERVER: node.server, JOBSCHEDULER_API_KEY: 'key-one' })).code).toBe(0);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
