import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import type { RunningNode } from '../../src/node.js';
import { startReceiver, type Handler, type Receiver } from '../scheduler/receiver.js';
import { startTestNode } from '../live-node.js';
export { startTestNode };

/**
 * The dashboard end to end: a real node (embedded store in a temporary directory, HTTP on a
 * free port, engine included), a target on 127.0.0.1 that records what it receives, and
 * Debian's Chromium driven headless through playwright-core.
 */

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const webSources = join(repoRoot, 'web');
const builtIndex = join(repoRoot, 'dist', 'web', 'index.html');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The node serves dist/web, which `npm run build` (and so `npm ci`) makes. Rebuilt here only
 * when missing or older than the sources, so a test run after editing the app tests the edit.
 */
export async function ensureDashboardBuilt(): Promise<void> {
  if (existsSync(builtIndex) && statSync(builtIndex).mtimeMs >= newestSource(webSources)) return;
  await build({ configFile: join(webSources, 'vite.config.ts'), logLevel: 'warn' });
}

export interface Stack {
  readonly node: RunningNode;
  /** Where the dashboard is served ("http://127.0.0.1:PORT"). */
  readonly url: string;
  readonly receiver: Receiver;
  readonly browser: BrowserContext;
  newPage(): Promise<Page>;
  /** Calls the node's API directly (to arrange or check what the browser did). */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** JOBSCHEDULER_API_KEYS for the node; the `api` helper sends the first. */
  readonly apiKeys?: readonly string[];
  /** 'all' (default: the engine fires jobs) or 'api'. */
  readonly role?: 'all' | 'api';
  /** How the target answers (default: 200 after a few milliseconds). */
  readonly target?: Handler;
  /** PostgreSQL instead of the embedded store (several nodes can then share it). */
  readonly databaseUrl?: string;
}

/** Launches Debian's Chromium, headless, with a fresh profile; close() also deletes the profile. */
export async function launchChromium(): Promise<{ browser: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'jobscheduler-e2e-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 860 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      // Chromium's helpers may still be flushing the profile for a moment after it exits.
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  await ensureDashboardBuilt();
  const apiKeys = options.apiKeys ?? [];
  const receiver = await startReceiver(
    options.target ??
      ((request, response) => {
        // A little work, so durations on the chart are not all zero.
        setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 5 + (request.body.length % 20));
      }),
  );
  const { node, stop } = await startTestNode({ nodeId: 'e2e-node-1', role: options.role, apiKeys, databaseUrl: options.databaseUrl });
  const { browser, close: closeBrowser } = await launchChromium();
  const url = node.address!;
  return {
    node,
    url,
    receiver,
    browser,
    async newPage() {
      const page = await browser.newPage();
      page.setDefaultTimeout(15_000);
      return page;
    },
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const headers: Record<string, string> = {};
      if (apiKeys[0] !== undefined) headers.authorization = `Bearer ${apiKeys[0]}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (response.status === 204 ? undefined : await response.json()) as T;
    },
    async stop() {
      await closeBrowser();
      await stop();
      await receiver.close();
    },
  };
}
