import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, requireCommand, run, startLiveNode } from './harness.js';

/** The rules file docs/deployment.md gives (the YAML block that starts with its file name). */
function documentedRules(): string {
  const markdown = readFileSync(join(repoRoot, 'docs', 'deployment.md'), 'utf8');
  const block = /```yaml\n(# jobscheduler-alerts\.yml[^\n]*\n[\s\S]*?)```/.exec(markdown);
  if (!block) throw new Error('docs/deployment.md has no ```yaml block starting with "# jobscheduler-alerts.yml"');
  return block[1]!;
}

describe('Prometheus tooling on a live node', () => {
  let live: Awaited<ReturnType<typeof startLiveNode>>;
  let workDir: string;
  beforeAll(async () => {
    requireCommand('promtool', 'apt-get install -y prometheus');
    workDir = mkdtempSync(join(tmpdir(), 'jobscheduler-promtool-'));
    live = await startLiveNode();
  });
  afterAll(async () => {
    await live?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('promtool check metrics finds nothing to say about /metrics, HTTP request series included', async () => {
    // A few requests first, so the HTTP histogram has series to check.
    await fetch(`${live.node.address}/health`);
    await fetch(`${live.node.address}/api/v1/jobs?limit=1`);
    const exposition = await (await fetch(`${live.node.address}/metrics`)).text();
    expect(exposition).toContain('jobscheduler_http_request_duration_seconds_count{method="GET",route="/health",status="200"}');
    const result = await run('promtool', ['check', 'metrics'], { input: exposition });
    expect(result).toEqual({ code: 0, output: '' });
  });

  it('promtool check rules accepts the alerting rules of docs/deployment.md, which use only metrics the node serves', async () => {
    const rules = documentedRules();
    const file = join(workDir, 'jobscheduler-alerts.yml');
    writeFileSync(file, rules);
    const result = await run('promtool', ['check', 'rules', file]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);

    const exposition = await (await fetch(`${live.node.address}/metrics`)).text();
    const served = new Set([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap((match) =>
      match[2] === 'histogram' ? [`${match[1]}_bucket`, `${match[1]}_count`, `${match[1]}_sum`] : [match[1]!],
    ));
    const used = new Set([...rules.matchAll(/\bjobscheduler_[a-z_]+/g)].map((match) => match[0]));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect({ name, served: served.has(name) }).toEqual({ name, served: true });
  });
});
