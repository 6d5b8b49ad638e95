import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postmanCollectionPath } from '../../src/api/openapi.js';
import { npmBin, run, startLiveNode } from './harness.js';

const API_KEY = 'tools-newman-key';

interface NewmanReport {
  run: {
    stats: { requests: { total: number; failed: number; pending: number }; assertions: { total: number; failed: number } };
    failures: { error: { message: string }; source?: { name?: string } }[];
    executions: { item: { name: string }; response?: { code: number } }[];
  };
}

describe('the Postman collection, run by newman as shipped against a fresh node', () => {
  let live: Awaited<ReturnType<typeof startLiveNode>>;
  let workDir: string;
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'jobscheduler-newman-'));
    live = await startLiveNode({ apiKeys: [API_KEY] });
  });
  afterAll(async () => {
    await live?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('passes every assertion of every request, from creating a job to deleting it', async () => {
    const report = join(workDir, 'report.json');
    const args = ['run', postmanCollectionPath, '--env-var', `baseUrl=${live.node.address}`, '--env-var', `apiKey=${API_KEY}`];
    const result = await run(npmBin('newman'), [...args, '--reporters', 'cli,json', '--reporter-json-export', report]);
    const { stats, failures, executions } = (JSON.parse(readFileSync(report, 'utf8')) as NewmanReport).run;
    expect(failures.map((failure) => `${failure.source?.name}: ${failure.error.message}`)).toEqual([]);
    expect(result.code, result.output).toBe(0);
    // Every request answered and was checked: a status and a shape assertion for each, at least
    // (the two deletes, of the job and of the target policy, answer 204 with no body to shape).
    expect(stats.requests).toMatchObject({ total: executions.length, failed: 0 });
    expect(stats.assertions.total).toBeGreaterThanOrEqual(2 * executions.length - 2);
    expect(executions.map((execution) => execution.response?.code)).not.toContain(404);
  });

  it('fails, naming the request, when the server answers differently from the document', async () => {
    // Without the API key every /api request answers 401 instead of its documented status.
    const result = await run(npmBin('newman'), ['run', postmanCollectionPath, '--env-var', `baseUrl=${live.node.address}`]);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/createJob answers 201[\s\S]*expected response to have status code 201 but got 401/);
  });
});
