import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startTestNode, tableRows, type TestNode } from './harness.js';

describe('jobscheduler targets against a running node', () => {
  let node: TestNode;
  let targets: (...args: string[]) => ReturnType<typeof cli>;

  beforeAll(async () => {
    node = await startTestNode();
    targets = (...args) => cli(['targets', ...args, '--server', node.server]);
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('creates, lists, changes and deletes a target policy', async () => {
    const created = await targets('create', '--name', 'payments', '--pattern', 'HTTPS://api.example.com', '--max-concurrent', '20', '--max-per-second', '100');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^pattern: +https:\/\/api\.example\.com$/m);
    expect(created.stdout).toMatch(/^etag: +W\/"1"$/m);
    const id = /^id: +(\S+)$/m.exec(created.stdout)![1]!;

    const list = await targets('list');
    expect(list.stdout.split('\n')[0]).toMatch(/^ID +NAME +PATTERN +MAX CONCURRENT +MAX PER SECOND$/);
    expect(tableRows(list.stdout)).toEqual([[id, 'payments', 'https://api.example.com', '20', '100']]);

    const updated = await targets('update', id, '--max-concurrent', 'none', '--if-match', 'W/"1"');
    expect(updated.code).toBe(0);
    expect(updated.stdout).toMatch(/^maxConcurrent: +-$/m);
    expect((await targets('get', id)).stdout).toMatch(/^maxPerSecond: +100$/m);

    expect((await targets('delete', id)).stdout).toBe(`Deleted target policy ${id}.\n`);
    expect((await targets('list')).stdout).toBe('No target policies.\n');
  });

  it('prints a refused policy as "<code>: <detail>" naming the field, with exit code 2', async () => {
    const bad = await targets('create', '--name', 'x', '--pattern', 'https://api.example.com/v1', '--max-concurrent', '2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^VALIDATION_FAILED: pattern: .*no path/);
    const noLimit = await targets('create', '--name', 'x', '--pattern', 'api.example.com');
    expect(noLimit.stderr).toMatch(/^VALIDATION_FAILED: give maxConcurrent, maxPerSecond or both/);
    const flag = await targets('create', '--name', 'x', '--pattern', 'api.example.com', '--max-per-second', 'fast');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^--max-per-second must be a whole number from 1 to 100000, got "fast"/);
  });
});
