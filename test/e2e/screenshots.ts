/**
 * Writes docs/screenshots/*.png: the dashboard's main pages with a few jobs that really
 * fire at a local target. Run with `npm run docs:screenshots`. With TEST_DATABASE_URL set
 * it runs two nodes on a scratch PostgreSQL database (dropped at the end), so the cluster
 * page shows a cluster; otherwise one node on the embedded store.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { hasChromium, startStack, startTestNode } from './harness.js';

const out = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

interface Job {
  readonly id: string;
}

interface History {
  readonly items: readonly { status: string }[];
}

async function scratchDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `jobscheduler_screenshots_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the jobs did not fire in time');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function shoot(page: Page, name: string): Promise<void> {
  // Let polls settle and relative times tick once, so the picture is steady.
  await page.waitForTimeout(1200);
  await page.screenshot({ path: `${out}${name}.png`, fullPage: true });
  console.log(`wrote docs/screenshots/${name}.png`);
}

async function main(): Promise<void> {
  if (!hasChromium) throw new Error('/usr/bin/chromium is missing: apt-get install -y chromium');
  mkdirSync(out, { recursive: true });
  const baseUrl = process.env.TEST_DATABASE_URL;
  const database = baseUrl ? await scratchDatabase(baseUrl) : null;
  let calls = 0;
  const stack = await startStack({
    databaseUrl: database?.url,
    target: (request, response) => {
      calls += 1;
      // /flaky fails one call in four, so the table and history show both outcomes.
      const fail = request.path.startsWith('/flaky') && calls % 4 === 0;
      const delay = 8 + ((calls * 37) % 60);
      setTimeout(() => response.writeHead(fail ? 503 : 200, { 'content-type': 'application/json' }).end(fail ? '{"error":"busy"}' : '{"ok":true}'), delay);
    },
  });
  const second = database ? await startTestNode({ nodeId: 'e2e-node-2', databaseUrl: database.url }) : null;
  try {
    const target = stack.receiver.url;
    const create = (body: Record<string, unknown>): Promise<Job> => stack.api<Job>('POST', '/api/v1/jobs', { type: 'AT_LEAST_ONCE', ...body });
    const heartbeat = await create({ name: 'heartbeat-ping', schedule: '*/2 * * * * *', api: `${target}/ping`, description: 'Tells the uptime monitor we are alive.' });
    await create({ name: 'sync-inventory', schedule: '*/3 * * * * *', api: `${target}/flaky/inventory`, retry: { maxAttempts: 1 } });
    await create({ name: 'nightly-report', schedule: '0 30 2 * * *', timezone: 'Europe/Paris', api: `${target}/reports/nightly` });
    await create({ name: 'billing-close', schedule: '0 0 18 * * MON-FRI', timezone: 'America/New_York', api: `${target}/billing/close`, type: 'AT_MOST_ONCE' });
    const legacy = await create({ name: 'legacy-export', schedule: '0 0 */6 * * *', api: `${target}/export` });
    await stack.api('POST', `/api/v1/jobs/${legacy.id}/pause`);
    await create({ name: 'quarter-end-cleanup', runAt: new Date(Date.now() + 36 * 3600_000).toISOString(), api: `${target}/cleanup`, type: 'AT_MOST_ONCE' });

    await until(async () => {
      const history = await stack.api<History>('GET', `/api/v1/jobs/${heartbeat.id}/history?limit=100`);
      return history.items.filter((item) => item.status === 'SUCCEEDED').length >= 15;
    }, 90_000);

    const page = await stack.newPage();
    await page.goto(stack.url);
    await page.locator('tr[data-job-id] .rate').first().waitFor();
    await shoot(page, 'jobs');

    await page.goto(`${stack.url}/jobs/${heartbeat.id}`);
    await page.locator('figure.chart svg path.line.duration').waitFor();
    await shoot(page, 'job');

    await page.goto(`${stack.url}/jobs/new`);
    await page.locator('input[name="name"]').fill('business-hours-poll');
    await page.locator('input[name="schedule"]').fill('0 */15 9-17 * * MON-FRI');
    await page.locator('input[name="timezone"]').fill('Europe/Paris');
    await page.locator('input[name="api"]').fill('https://example.com/hooks/poll');
    await page.locator('textarea[name="payload"]').fill('{"source": "scheduler"}');
    await page.getByTestId('schedule-preview').locator('li').nth(4).waitFor();
    await shoot(page, 'form');

    await page.goto(`${stack.url}/cluster`);
    await page.locator('tr[data-node-id]').first().waitFor();
    await shoot(page, 'cluster');
  } finally {
    await second?.stop();
    await stack.stop();
    await database?.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
