import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../scheduler/receiver.js';
import { hasChromium, startStack, type Stack } from './harness.js';

/**
 * The dashboard as an operator uses it, in headless Chromium against a real node whose
 * engine fires jobs at a real target on 127.0.0.1. CI installs Debian's chromium; without
 * it these tests are skipped and say why.
 */
const title = hasChromium
  ? 'the dashboard in headless Chromium'
  : 'the dashboard in headless Chromium (skipped: /usr/bin/chromium is missing; apt-get install -y chromium)';

interface JobJson {
  id: string;
  name: string | null;
  paused: boolean;
  isActive: boolean;
}

describe.skipIf(!hasChromium)(title, { timeout: 90_000 }, () => {
  let stack: Stack;
  let page: Page;
  let jobId: string;

  beforeAll(async () => {
    stack = await startStack();
    page = await stack.newPage();
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('starts on an empty jobs table that offers to create the first job', async () => {
    await page.goto(stack.url);
    await page.getByText('No jobs yet.').waitFor();
    await page.getByRole('link', { name: 'New job' }).click();
    await page.waitForURL(`${stack.url}/jobs/new`);
  });

  it('checks the schedule as it is typed, naming what is wrong, then previews the firings', async () => {
    const schedule = page.locator('input[name="schedule"]');
    const preview = page.getByTestId('schedule-preview');
    await schedule.fill('61 * * * * *');
    await preview.locator('.field-error').filter({ hasText: '61' }).waitFor();
    await schedule.fill('* * * * * *');
    await preview.locator('.field-error').waitFor({ state: 'detached' });
    await preview.locator('li').nth(4).waitFor();
    expect(await preview.locator('li').count()).toBe(5);
    expect((await preview.locator('p.strong').innerText()).trim()).not.toBe('');
  });

  it('creates an every-second job aimed at the target and opens its page', async () => {
    await page.locator('input[name="name"]').fill('e2e ping');
    await page.locator('input[name="api"]').fill(`${stack.receiver.url}/hook`);
    await page.locator('textarea[name="payload"]').fill('{"hello": "dashboard"}');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    jobId = page.url().split('/').pop()!;
    await page.getByRole('heading', { name: /e2e ping/ }).waitFor();
    await expect(stack.api<JobJson>('GET', `/api/v1/jobs/${jobId}`)).resolves.toMatchObject({ name: 'e2e ping', paused: false });
  });

  it('shows the next ten runs', async () => {
    await page.locator('ol[aria-label="Next runs"] li').nth(9).waitFor();
    expect(await page.locator('ol[aria-label="Next runs"] li').count()).toBe(10);
  });

  it('watches the job fire: history fills with SUCCEEDED rows and the target receives the payload', async () => {
    const succeeded = page.locator('table[aria-label="History"] tr[data-status="SUCCEEDED"]');
    await succeeded.first().waitFor({ timeout: 30_000 });
    const hook = stack.receiver.requests.find((request) => request.path === '/hook');
    expect(hook).toMatchObject({ method: 'POST' });
    expect(JSON.parse(hook!.body)).toEqual({ hello: 'dashboard' });
  });

  it('reads the history: status, HTTP status, duration, lateness, attempt and node, with the chart drawn', async () => {
    const row = page.locator('table[aria-label="History"] tr[data-status="SUCCEEDED"]').first();
    const cells = (await row.locator('td').allInnerTexts()).map((text) => text.trim());
    const [, status, http, duration, lateness, attemptNo, node] = cells;
    expect(status).toBe('SUCCEEDED');
    expect(http).toBe('200');
    expect(duration).toMatch(/^\d+ ms$|^\d+\.\d+ s$/);
    expect(lateness).toMatch(/ms$|s$/);
    expect(attemptNo).toBe('1');
    expect(node).toBe('e2e-node-1');
    await page.locator('figure.chart svg path.line.duration').waitFor();
    expect(await page.locator('figure.chart svg path.line.duration').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+/);
  });

  it('pauses the job: the page says so and the API agrees', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('heading', { name: /e2e ping/ }).getByText('Paused').waitFor();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await page.getByText('Paused: resume the job to fire these.').waitFor();
    await expect(stack.api<JobJson>('GET', `/api/v1/jobs/${jobId}`)).resolves.toMatchObject({ paused: true, isActive: true });
  });

  it('runs the paused job once on demand: a manual run appears in the history and succeeds', async () => {
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByText('Run requested.').waitFor();
    const manual = page.locator('table[aria-label="History"] tr[data-status="SUCCEEDED"]', { has: page.locator('.tag', { hasText: 'manual' }) });
    await manual.first().waitFor({ timeout: 30_000 });
  });

  it('runs the job once with another payload and header: the target receives them and the history marks the run overridden', async () => {
    await page.locator('details', { hasText: 'Run with overrides' }).locator('summary').click();
    await page.locator('textarea[name="overridePayload"]').fill('{"hello": "override"}');
    await page.locator('textarea[name="overrideHeaders"]').fill('X-Reason: replay');
    await page.getByRole('button', { name: 'Run now with these' }).click();
    await page.getByText('Run requested with the overrides; the history marks it.').waitFor();
    const overridden = page.locator('table[aria-label="History"] tr[data-status="SUCCEEDED"]', { has: page.locator('.tag', { hasText: 'overridden' }) });
    await overridden.first().waitFor({ timeout: 30_000 });
    const hook = stack.receiver.requests.find((request) => request.path === '/hook' && request.body.includes('override'));
    expect(JSON.parse(hook!.body)).toEqual({ hello: 'override' });
    expect(hook!.headers['x-reason']).toBe('replay');
    await expect(stack.api<{ payload: unknown }>('GET', `/api/v1/jobs/${jobId}`)).resolves.toMatchObject({ payload: { hello: 'dashboard' } });
  });

  it('lists the job in the table with its schedule in words, zone, last status, 24 h success rate and state', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Jobs' }).click();
    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    await row.waitFor();
    await row.getByText('100 %').waitFor();
    const cells = (await row.locator('td').allInnerTexts()).map((text) => text.trim());
    expect(cells[0]).toContain('e2e ping');
    expect(cells[1]).toContain('* * * * * *');
    expect(cells[1]!.split('\n').length).toBeGreaterThan(1);
    expect(cells[2]).toBe('UTC');
    expect(cells[3]).toBe('At least once');
    expect(cells[5]).toBe('SUCCEEDED');
    expect(cells[6]).toBe('100 %');
    expect(cells[7]).toBe('Paused');
  });

  it('filters the table by name and by state', async () => {
    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    const state = page.locator('label.filter', { hasText: 'State' }).locator('select');
    await state.selectOption('active');
    await page.getByText('No job matches these filters.').waitFor();
    await state.selectOption('paused');
    await row.waitFor();
    await page.getByPlaceholder('Job name').fill('no such job');
    await row.waitFor({ state: 'detached' });
    await page.getByPlaceholder('Job name').fill('e2e');
    await row.waitFor();
  });

  it('edits the job through the form, which starts from the stored values', async () => {
    await page.goto(`${stack.url}/jobs/${jobId}/edit`);
    const name = page.locator('input[name="name"]');
    await expect.poll(() => name.inputValue()).toBe('e2e ping');
    expect(await page.locator('input[name="schedule"]').inputValue()).toBe('* * * * * *');
    await name.fill('e2e ping (renamed)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${stack.url}/jobs/${jobId}`);
    await page.getByRole('heading', { name: /e2e ping \(renamed\)/ }).waitFor();
    await expect(stack.api<JobJson>('GET', `/api/v1/jobs/${jobId}`)).resolves.toMatchObject({ name: 'e2e ping (renamed)', paused: true });
  });

  it('backfills the last three hours of an hourly job once: a second backfill of the range fires nothing', async () => {
    // AT_MOST_ONCE: the job list test below expects the every-second job to be the only AT_LEAST_ONCE one.
    const hourly = await stack.api<JobJson>('POST', '/api/v1/jobs', { name: 'hourly', schedule: '0 0 * * * *', api: `${stack.receiver.url}/backfill`, type: 'AT_MOST_ONCE' });
    const to = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const from = new Date(to.getTime() - 3 * 3_600_000);
    // datetime-local text in the browser's own zone.
    const local = (date: Date) =>
      page.evaluate(
        `(() => { const d = new Date(${date.getTime()}); const p = (n) => String(n).padStart(2, '0'); ` +
          `return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()); })()`,
      ) as Promise<string>;
    await page.goto(`${stack.url}/jobs/${hourly.id}`);
    await page.locator('details', { hasText: 'Backfill' }).locator('summary').click();
    await page.locator('input[name="backfillFrom"]').fill(await local(from));
    await page.locator('input[name="backfillTo"]').fill(await local(to));
    await page.locator('input[name="backfillIntervalMs"]').fill('100');
    await page.getByRole('button', { name: 'Backfill', exact: true }).click();
    await page.getByText(/Backfill: 3 of 3 occurrences fire .*; 3 newly queued, 0 already queued, 0 left alone\./).waitFor();
    const backfilled = page.locator('table[aria-label="History"] tr[data-status="SUCCEEDED"]', { has: page.locator('.tag', { hasText: 'backfill' }) });
    await expect.poll(() => backfilled.count(), { timeout: 30_000 }).toBe(3);
    await page.getByRole('button', { name: 'Backfill', exact: true }).click();
    await page.getByText(/Backfill: 3 of 3 occurrences fire .*; 0 newly queued, 3 already queued, 0 left alone\./).waitFor();
    expect(stack.receiver.requests.filter((request) => request.path === '/backfill')).toHaveLength(3);
  });

  it('deletes a job after asking, and keeps it readable as inactive', async () => {
    const other = await stack.api<JobJson>('POST', '/api/v1/jobs', {
      name: 'to delete',
      schedule: '0 0 3 * * *',
      api: `${stack.receiver.url}/never`,
      type: 'AT_MOST_ONCE',
    });
    await page.goto(`${stack.url}/jobs/${other.id}`);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(`${stack.url}/`);
    await expect(stack.api<JobJson>('GET', `/api/v1/jobs/${other.id}`)).resolves.toMatchObject({ isActive: false });
    await page.locator(`tr[data-job-id="${other.id}"]`).getByText('Inactive').waitFor();
  });

  it('lists newest first, sorts oldest first on demand, and has the server filter by type and last status past the first page', async () => {
    // 60 newer jobs: more than a page, so the older e2e job is not among the first rows.
    const bulk = Array.from({ length: 60 }, (_, i) => ({ name: `bulk ${i}`, schedule: '0 0 3 1 1 *', api: `${stack.receiver.url}/never`, type: 'AT_MOST_ONCE' }));
    await stack.api('POST', '/api/v1/jobs/batch', { jobs: bulk });
    await page.goto(stack.url);
    const rows = page.locator('table[aria-label="Jobs"] tbody tr');
    const e2eRow = page.locator(`tr[data-job-id="${jobId}"]`);
    await expect.poll(async () => (await rows.first().locator('td').first().innerText()).trim()).toMatch(/^bulk \d+$/);
    expect(await e2eRow.count()).toBe(0);

    const select = (label: string) => page.locator('label.filter', { hasText: label }).locator('select');
    await select('Type').selectOption('AT_LEAST_ONCE');
    await e2eRow.waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    await select('Type').selectOption('any');
    await select('Last status').selectOption('SUCCEEDED');
    await e2eRow.waitFor();
    await select('Last status').selectOption('never');
    await e2eRow.waitFor({ state: 'detached' });
    await select('Last status').selectOption('any');
    await select('Sort').selectOption('oldest');
    await expect.poll(async () => rows.first().getAttribute('data-job-id')).toBe(jobId);
  });

  it('counts the success rate in occurrences, as the server does, not in attempts', async () => {
    await page.goto(`${stack.url}/jobs/${jobId}`);
    const detail = page.locator('dd', { hasText: 'finished occurrences' });
    await expect.poll(async () => detail.innerText()).toMatch(/^\d+ % of \d+ finished occurrences, each by its last attempt$/);
  });

  it('shows the cluster: the node alive with its heartbeat and skew, and firings per second', async () => {
    // The rate covers the last 10 s and every job here is paused or far off by now: one run on
    // demand puts a firing in that window however long the tests before this one took.
    await stack.api('POST', `/api/v1/jobs/${jobId}/run`);
    await page.getByRole('navigation').getByRole('link', { name: 'Cluster' }).click();
    const node = page.locator('tr[data-node-id="e2e-node-1"]');
    await node.getByText('Alive').waitFor();
    const cells = (await node.locator('td').allInnerTexts()).map((text) => text.trim());
    expect(cells[2]).toBe('all');
    expect(cells[6]).toMatch(/ago$|^now$/);
    expect(cells[7]).toMatch(/ms$|s$/);
    const rate = page.locator('.stat', { hasText: 'Firings per second' }).locator('.stat-value');
    // The page refreshes its figures on a timer: on a loaded machine the first non-zero rate
    // can come later than the poll's default second (seen once, with other tests running).
    await expect.poll(async () => Number(await rate.innerText()), { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it('charts the last hour from the history: firings as bars, lateness as lines, and no failure bar when nothing failed', async () => {
    const chart = (title: string) => page.locator(`figure[data-chart="${title}"]`);
    // The every-second job fired in the last minutes, all of it succeeding.
    await expect.poll(() => chart('Firings per second').locator('rect.bar.rate').count()).toBeGreaterThan(0);
    expect(await chart('Lateness').locator('path.line.p50').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+/);
    expect(await chart('Lateness').locator('path.line.p99').getAttribute('d')).toMatch(/^M/);
    expect(await chart('Failures').locator('rect.bar').count()).toBe(0);
    expect(await chart('Firings per second').getByRole('img').getAttribute('aria-label')).toBe('Firings per second over the last hour, minute by minute');
  });

  it('answers a reload on a client-side route with the app, and unknown API paths with problem+json', async () => {
    await page.reload();
    await page.locator('tr[data-node-id="e2e-node-1"]').waitFor();
    const response = await fetch(`${stack.url}/api/v1/no-such-route`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('sets max runs and pause-after-failures in the form, and shows a job ended by its runs and one paused by its failures', async () => {
    const create = async (name: string, api: string, fill: () => Promise<void>): Promise<string> => {
      await page.goto(`${stack.url}/jobs/new`);
      await page.locator('input[name="name"]').fill(name);
      await page.locator('input[name="schedule"]').fill('* * * * * *');
      await page.locator('input[name="api"]').fill(api);
      await fill();
      await page.getByRole('button', { name: 'Create job' }).click();
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
      return page.url().split('/').pop()!;
    };
    const bounded = await create('e2e bounded', `${stack.receiver.url}/hook`, () => page.locator('input[name="maxRuns"]').fill('2'));
    await expect(stack.api('GET', `/api/v1/jobs/${bounded}`)).resolves.toMatchObject({ maxRuns: 2 });
    await page.getByRole('heading', { name: /e2e bounded/ }).getByText('Ended').waitFor({ timeout: 20_000 });
    await page.getByText('ended: maxRuns 2 reached').waitFor();
    await expect(stack.api('GET', `/api/v1/jobs/${bounded}`)).resolves.toMatchObject({ isActive: false, endedBy: 'maxRuns', runCount: 2 });

    const refused = `http://127.0.0.1:${await closedPort()}/down`;
    const failing = await create('e2e failing', refused, async () => {
      await page.getByText('Delivery and retries').click();
      await page.locator('select[name="type"]').selectOption('AT_MOST_ONCE');
      await page.locator('input[name="pauseAfterFailures"]').fill('2');
    });
    await page.getByRole('heading', { name: /e2e failing/ }).getByText('Paused').waitFor({ timeout: 20_000 });
    await page.getByText(/auto: 2 consecutive failures, last: /).waitFor();
    await expect(stack.api('GET', `/api/v1/jobs/${failing}`)).resolves.toMatchObject({ paused: true, consecutiveFailures: 2, pauseAfterFailures: 2 });
  });

  it('lists the target policies with their pattern and limits', async () => {
    const created = await fetch(`${stack.url}/api/v1/targets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'payments', pattern: 'https://payments.example.com', maxPerSecond: 50 }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await page.getByRole('navigation').getByRole('link', { name: 'Targets' }).click();
    const row = page.locator(`tr[data-policy-id="${id}"]`);
    await row.waitFor();
    const cells = (await row.locator('td').allInnerTexts()).map((text) => text.trim());
    expect(cells.slice(0, 4)).toEqual(['payments', 'https://payments.example.com', 'no limit', '50']);
  });
});

describe.skipIf(!hasChromium)(`${title}, when the server wants an API key`, { timeout: 60_000 }, () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ apiKeys: ['s3cret-key'], role: 'api' });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('asks for the key on 401, says when it is wrong, and keeps the right one for the tab', async () => {
    const page = await stack.newPage();
    await page.goto(stack.url);
    const dialog = page.getByRole('dialog');
    await dialog.getByText('This server asks for an API key.').waitFor();
    await dialog.locator('input[name="apiKey"]').fill('wrong');
    await dialog.getByRole('button', { name: 'Use key' }).click();
    await dialog.getByText('The server did not accept that key.').waitFor();
    await dialog.locator('input[name="apiKey"]').fill('s3cret-key');
    await dialog.getByRole('button', { name: 'Use key' }).click();
    await page.getByText('No jobs yet.').waitFor();
    // Runs in the page, where sessionStorage exists; Node's types do not know it.
    const stored = await page.evaluate("sessionStorage.getItem('jobscheduler.apiKey')");
    expect(stored).toBe('s3cret-key');

    await page.reload();
    await page.getByText('No jobs yet.').waitFor();
    expect(await dialog.count()).toBe(0);
  });
});
