import { TARGET_POLICY_LIMITS } from '../../jobs/target-policies.js';

/**
 * JSON Schemas of target policy bodies and answers (see src/jobs/target-policies.ts for the
 * pattern syntax and precedence, which the schema cannot express).
 */

const limits = TARGET_POLICY_LIMITS;

const bodyProperties = {
  name: { type: 'string', minLength: 1, maxLength: limits.nameLength, description: 'A unique label.', examples: ['payments API'] },
  pattern: {
    type: 'string',
    minLength: 1,
    maxLength: limits.patternLength,
    description:
      'Which targets the policy covers: an origin (https://api.example.com:8443: that scheme, host and port), a host (api.example.com: any scheme and port) ' +
      'or *.example.com (every subdomain, not example.com itself). When several policies match a request, the most specific applies: origin, then host, ' +
      'then the longest wildcard. Unique; stored normalised (lower case, default port dropped).',
    examples: ['https://api.example.com'],
  },
  maxConcurrent: {
    type: ['integer', 'null'],
    minimum: limits.maxConcurrent.min,
    maximum: limits.maxConcurrent.max,
    description: 'Requests in flight at once to the covered targets, over all nodes together; null: no limit. Give this, maxPerSecond or both.',
  },
  maxPerSecond: {
    type: ['integer', 'null'],
    minimum: limits.maxPerSecond.min,
    maximum: limits.maxPerSecond.max,
    description: 'Requests started per second to the covered targets, over all nodes together; null: no limit.',
  },
} as const;

export const targetPolicyCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'pattern'],
  examples: [{ name: 'payments API', pattern: 'https://api.example.com', maxConcurrent: 20, maxPerSecond: 100 }],
  properties: bodyProperties,
} as const;

export const targetPolicyPatchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  examples: [{ maxPerSecond: 50 }],
  properties: bodyProperties,
  description: 'Only the fields given change; null removes a limit (one of the two must remain).',
} as const;

export const targetPolicySchema = {
  $id: 'TargetPolicy',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    pattern: { type: 'string' },
    maxConcurrent: { type: ['integer', 'null'] },
    maxPerSecond: { type: ['integer', 'null'] },
    version: { type: 'integer', description: 'Bumped by every change; the ETag is W/"<version>".' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'name', 'pattern', 'maxConcurrent', 'maxPerSecond', 'version', 'createdAt', 'updatedAt'],
} as const;
