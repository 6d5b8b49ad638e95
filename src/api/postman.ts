import { JOB_ID_VARIABLE, TARGET_ID_VARIABLE, testScript, type Responses } from './postman-tests.js';

/**
 * OpenAPI 3.1 -> Postman Collection v2.1 that newman runs as shipped against a fresh server:
 * one folder per tag, one request per operation, in an order that works on an empty database
 * (create a job first, delete it last), the created job's id carried into every request that
 * names a job, valid example parameters and bodies, and test scripts on each answer. The API
 * key is a collection variable. Output is deterministic (no generated ids), so the committed
 * file can be compared.
 */

export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

type Json = Record<string, unknown>;

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly description?: string;
  readonly schema?: Json;
  readonly example?: unknown;
}

interface Operation {
  readonly operationId: string;
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: string[];
  readonly parameters?: Parameter[];
  readonly requestBody?: { content?: Record<string, { schema?: Json; example?: unknown }> };
  readonly security?: Record<string, string[]>[];
  readonly responses: Responses;
}

interface OpenApiDocument {
  readonly info: { title: string; version: string; description?: string };
  readonly tags?: { name: string; description?: string }[];
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components?: { schemas?: Record<string, Json> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * The order a run goes in, within each folder: the job is created before anything reads it,
 * run before its history is read, and deleted at the end. Operations not listed follow, in
 * the document's order.
 */
const RUN_ORDER = [
  'createJob', 'getJob', 'listJobs', 'updateJob', 'getJobSchedule', 'runJob', 'backfillJob', 'getJobHistory',
  'pauseJob', 'resumeJob', 'createJobs', 'deleteJob',
  'createTargetPolicy', 'getTargetPolicy', 'listTargetPolicies', 'updateTargetPolicy', 'deleteTargetPolicy',
];

/** Parameters that name a job: they get the id of the job the run created. */
const JOB_ID_PARAMETERS = new Set(['id', 'ids']);

export function toPostmanCollection(document: OpenApiDocument): Json {
  const folders = new Map<string, { operation: Operation; item: Json }[]>((document.tags ?? []).map((tag) => [tag.name, []]));
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = operations[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? 'other';
      if (!folders.has(tag)) folders.set(tag, []);
      folders.get(tag)!.push({ operation, item: requestItem(document, path, method, operation) });
    }
  }
  return {
    info: {
      name: `${document.info.title} ${document.info.version}`,
      description: document.info.description ?? '',
      schema: POSTMAN_SCHEMA,
    },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{apiKey}}', type: 'string' }] },
    variable: [
      { key: 'baseUrl', value: 'http://127.0.0.1:8080', type: 'string' },
      { key: 'apiKey', value: '', type: 'string', description: 'One of JOBSCHEDULER_API_KEYS (leave empty when the server has none).' },
      { key: JOB_ID_VARIABLE, value: '', type: 'string', description: 'Set by "Create a job"; the requests after it act on that job.' },
      { key: TARGET_ID_VARIABLE, value: '', type: 'string', description: 'Set by "Create a target policy"; the requests after it act on that policy.' },
    ],
    item: [...folders].map(([name, entries]) => ({
      name,
      description: document.tags?.find((tag) => tag.name === name)?.description ?? '',
      item: entries.sort((a, b) => runRank(a.operation) - runRank(b.operation)).map((entry) => entry.item),
    })),
  };
}

function runRank(operation: Operation): number {
  const rank = RUN_ORDER.indexOf(operation.operationId);
  return rank === -1 ? RUN_ORDER.length : rank;
}

function requestItem(document: OpenApiDocument, path: string, method: string, operation: Operation): Json {
  const parameters = operation.parameters ?? [];
  const segments = path.split('/').filter((segment) => segment !== '').map((segment) => segment.replace(/^\{(.+)\}$/, ':$1'));
  const query = parameters
    .filter((parameter) => parameter.in === 'query')
    .map((parameter) => ({
      key: parameter.name,
      value: parameterValue(parameter, operation),
      description: parameter.description ?? '',
      disabled: !parameter.required,
    }));
  const enabled = query.filter((item) => !item.disabled);
  const raw = `{{baseUrl}}/${segments.join('/')}${enabled.length > 0 ? `?${enabled.map((item) => `${item.key}=${item.value}`).join('&')}` : ''}`;
  const headers = parameters
    .filter((parameter) => parameter.in === 'header')
    .map((parameter) => ({ key: parameter.name, value: '', description: parameter.description ?? '', disabled: true }));
  const media = operation.requestBody?.content?.['application/json'];
  const bodySchema = media?.schema;
  const request: Json = {
    method: method.toUpperCase(),
    header: bodySchema ? [{ key: 'Content-Type', value: 'application/json' }, ...headers] : headers,
    url: {
      raw,
      host: ['{{baseUrl}}'],
      path: segments,
      ...(query.length > 0 ? { query } : {}),
      ...(segments.some((segment) => segment.startsWith(':'))
        ? {
            variable: parameters
              .filter((parameter) => parameter.in === 'path')
              .map((parameter) => ({ key: parameter.name, value: parameterValue(parameter, operation), description: parameter.description ?? '' })),
          }
        : {}),
    },
    description: operation.description ?? '',
  };
  if (bodySchema) {
    request.body = {
      mode: 'raw',
      raw: JSON.stringify(media?.example ?? exampleOf(document, bodySchema), null, 2),
      options: { raw: { language: 'json' } },
    };
  }
  if (!operation.security || operation.security.length === 0) request.auth = { type: 'noauth' };
  const exec = testScript(operation.operationId, operation.responses, (schema) => resolve(document, schema));
  return {
    name: operation.summary ?? `${method.toUpperCase()} ${path}`,
    event: [{ listen: 'test', script: { type: 'text/javascript', exec } }],
    request,
    response: [],
  };
}

/** An example value for a schema: its own example, else one built from its required fields. */
function exampleOf(document: OpenApiDocument, schema: Json, depth = 0): unknown {
  const resolved = resolve(document, schema);
  if (Array.isArray(resolved.examples) && resolved.examples.length > 0) return resolved.examples[0];
  if (resolved.default !== undefined) return resolved.default;
  if (Array.isArray(resolved.enum) && resolved.enum.length > 0) return resolved.enum[0];
  const type = Array.isArray(resolved.type) ? resolved.type[0] : resolved.type;
  if (depth > 4) return null;
  switch (type) {
    case 'object': {
      const properties = (resolved.properties ?? {}) as Record<string, Json>;
      const required = (resolved.required ?? []) as string[];
      return Object.fromEntries(required.map((name) => [name, exampleOf(document, properties[name] ?? {}, depth + 1)]));
    }
    case 'array':
      return [exampleOf(document, (resolved.items ?? {}) as Json, depth + 1)];
    case 'integer':
    case 'number':
      return typeof resolved.minimum === 'number' ? resolved.minimum : 0;
    case 'boolean':
      return true;
    case 'string':
      return '';
    default:
      return null;
  }
}

/** A valid value for a parameter: the run's job (or target policy) id, else the documented example or default. */
function parameterValue(parameter: Parameter, operation: Operation): string {
  if (JOB_ID_PARAMETERS.has(parameter.name)) return `{{${operation.tags?.[0] === 'targets' ? TARGET_ID_VARIABLE : JOB_ID_VARIABLE}}}`;
  const schema = parameter.schema ?? {};
  const examples = Array.isArray(schema.examples) ? schema.examples : [];
  const value = parameter.example ?? examples[0] ?? schema.default;
  return value === undefined ? '' : String(value);
}

function resolve(document: OpenApiDocument, schema: Json): Json {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  return document.components?.schemas?.[name] ?? {};
}
