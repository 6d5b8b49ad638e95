import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { createStore } from '../../src/store/index.js';

function capture(env: Record<string, string> = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env: { LOG_LEVEL: 'fatal', ...env }, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
}

describe('jobscheduler migrate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jobscheduler-migrate-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the embedded schema in the given directory, and says so', async () => {
    const io = capture();
    expect(await main(['migrate', '--data-dir', dir], io)).toBe(0);
    expect(io.out.join('\n')).toContain(`embedded (${dir}) database schema is up to date`);
    const store = await createStore({ dataDir: dir });
    try {
      expect((await store.jobList({ limit: 1 })).items).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('fails with exit code 1 and the reason when another process holds the directory', async () => {
    const store = await createStore({ dataDir: dir });
    try {
      const io = capture({ JOBSCHEDULER_DATA_DIR: dir });
      expect(await main(['migrate'], io)).toBe(1);
      expect(io.err.join('\n')).toMatch(/^DATA_DIR_LOCKED: The data directory .* is in use by process/);
    } finally {
      await store.close();
    }
  });

  it('rejects an unknown flag with its usage and exit code 2', async () => {
    const io = capture();
    expect(await main(['migrate', '--bogus'], io)).toBe(2);
    expect(io.err.join('\n')).toContain('Usage: jobscheduler migrate');
  });
});
