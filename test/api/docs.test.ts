import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { openApiDocPath, openApiDocument, postmanCollectionPath, renderApiDocs } from '../../src/api/openapi.js';
import { POSTMAN_SCHEMA } from '../../src/api/postman.js';

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, unknown> }>;
}

const ENDPOINTS = [
  'GET /health',
  'GET /ready',
  'POST /api/v1/jobs',
  'GET /api/v1/jobs',
  'GET /api/v1/jobs/{id}',
  'PATCH /api/v1/jobs/{id}',
  'DELETE /api/v1/jobs/{id}',
  'GET /api/v1/jobs/{id}/schedule',
  'GET /api/v1/jobs/{id}/history',
  'POST /api/v1/jobs/{id}/run',
  'POST /api/v1/jobs/{id}/pause',
  'POST /api/v1/jobs/{id}/resume',
  'GET /api/v1/schedules/preview',
  'POST /api/v1/jobs/batch',
  'GET /metrics',
];

function operationsOf(document: { paths: Record<string, Record<string, Operation>> }): string[] {
  return Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
}

describe('the OpenAPI document', () => {
  let document: { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    document = (await openApiDocument()) as unknown as typeof document;
  });

  it('is OpenAPI 3.1 and describes every endpoint of the API', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(operationsOf(document)).toEqual(expect.arrayContaining(ENDPOINTS));
  });

  it('gives every operation a tag and a summary, and every /api operation the bearer scheme and a 401', () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const operation of Object.values(operations)) {
        expect(operation.tags?.length).toBeGreaterThan(0);
        expect(operation.summary).toBeTruthy();
        if (path.startsWith('/api/')) {
          expect(operation.security).toEqual([{ bearer: [] }]);
          expect(operation.responses['401']?.content).toHaveProperty(['application/problem+json']);
        }
      }
    }
  });

  it('names every operation with a unique operationId, and names its server', () => {
    const ids = Object.values(document.paths).flatMap((operations) => Object.values(operations).map((operation) => operation.operationId));
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });

  it('declares the open routes open: an explicitly empty security', () => {
    for (const path of ['/health', '/ready', '/metrics']) expect(document.paths[path]!.get!.security).toEqual([]);
  });

  it('lets a generator leave out every defaulted field of the create body: the schema is inline, not a shared component', () => {
    const body = (document.paths['/api/v1/jobs']!.post! as unknown as { requestBody: { content: Record<string, { schema: Record<string, unknown> }> } })
      .requestBody.content['application/json']!.schema;
    expect(body.$ref).toBeUndefined();
    expect(body.required).toEqual(['api', 'type']);
    expect(body.properties).toHaveProperty(['timezone', 'default'], 'UTC');
  });

  it('describes error answers as application/problem+json', () => {
    const create = document.paths['/api/v1/jobs']!.post!;
    for (const status of ['400', '413', '415']) expect(create.responses[status]?.content).toHaveProperty(['application/problem+json']);
  });
});

describe('the committed API descriptions', () => {
  it('docs/openapi.json and docs/postman-collection.json are up to date (run "npm run docs:api" when this fails)', async () => {
    const { openapi, postman } = await renderApiDocs();
    expect(readFileSync(openApiDocPath, 'utf8')).toBe(openapi);
    expect(readFileSync(postmanCollectionPath, 'utf8')).toBe(postman);
  });

  it('the Postman collection has one folder per tag and one request per operation', async () => {
    const document = (await openApiDocument()) as unknown as { paths: Record<string, Record<string, Operation>>; tags: { name: string }[] };
    const collection = JSON.parse((await renderApiDocs()).postman) as {
      info: { schema: string };
      item: { name: string; item: { request: { method: string; url: { path: string[] }; body?: { raw: string } } }[] }[];
    };
    expect(collection.info.schema).toBe(POSTMAN_SCHEMA);
    expect(collection.item.map((folder) => folder.name)).toEqual(document.tags.map((tag) => tag.name));
    const requests = collection.item.flatMap((folder) =>
      folder.item.map((item) => `${item.request.method} /${item.request.url.path.join('/').replace(/:(\w+)/g, '{$1}')}`),
    );
    expect(requests.sort()).toEqual(operationsOf(document).sort());
    const create = collection.item[0]!.item.find((item) => item.request.method === 'POST' && item.request.url.path.join('/') === 'api/v1/jobs')!;
    expect(JSON.parse(create.request.body!.raw)).toEqual({ schedule: '31 10-15 1 * * MON-FRI', api: 'http://localhost:4444/foo', type: 'ATLEAST_ONCE' });
  });

  it('the Postman collection creates a job first, carries its id, sends no empty parameter and tests every answer', async () => {
    const collection = JSON.parse((await renderApiDocs()).postman) as {
      item: {
        item: {
          name: string;
          event: { listen: string; script: { exec: string[] } }[];
          request: { method: string; url: { path: string[]; query?: { key: string; value: string; disabled: boolean }[]; variable?: { key: string; value: string }[] } };
        }[];
      }[];
    };
    const requests = collection.item.flatMap((folder) => folder.item);
    const scripts = requests.map((item) => item.event.find((event) => event.listen === 'test')!.script.exec.join('\n'));
    expect(requests[0]!.name).toBe('Create a job');
    expect(scripts[0]).toContain("pm.collectionVariables.set('jobId', pm.response.json().id);");
    expect(collection.item[0]!.item.at(-1)!.name).toBe('Delete a job (soft)');
    for (const [index, item] of requests.entries()) {
      expect(scripts[index]).toMatch(/pm\.response\.to\.have\.status\(2\d\d\)/);
      const idVariable = item.request.url.path.includes('targets') ? '{{targetId}}' : '{{jobId}}';
      for (const variable of item.request.url.variable ?? []) expect(variable).toEqual({ key: 'id', value: idVariable, description: expect.any(String) });
      for (const parameter of item.request.url.query ?? []) if (!parameter.disabled) expect({ [parameter.key]: parameter.value }).not.toEqual({ [parameter.key]: '' });
    }
    const createTarget = requests.findIndex((item) => item.name === 'Create a target policy');
    expect(scripts[createTarget]).toContain("pm.collectionVariables.set('targetId', pm.response.json().id);");
    expect(requests.at(-1)!.name).not.toBe('Create a target policy');
    const history = scripts[requests.findIndex((item) => item.name === 'Execution history of a job, newest first')]!;
    expect(history).toContain('includes.all.keys(["items","nextCursor"])');
  });
});
