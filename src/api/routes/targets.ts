import type { FastifyInstance, FastifyReply } from 'fastify';
import { uuidv7 } from '../../ids.js';
import { targetPolicyFromBody, targetPolicyPatch, type TargetPolicyBody } from '../../jobs/target-policies.js';
import type { TargetPolicyRecord } from '../../store/types.js';
import { etagHeader, problems } from '../schemas/common.js';
import { targetPolicyCreateSchema, targetPolicyPatchSchema } from '../schemas/target.js';
import { etag, expectedVersion, type ApiContext, type IdParams } from './context.js';

const policyRef = { $ref: 'TargetPolicy#' } as const;
const security = [{ bearer: [] }];
const tags = ['targets'];
const params = {
  type: 'object',
  additionalProperties: false,
  properties: { id: { type: 'string', description: 'Target policy id (UUID); anything else answers 404.' } },
  required: ['id'],
} as const;

function policyAnswer(description: string) {
  return { description, headers: etagHeader, content: { 'application/json': { schema: policyRef } } };
}

function sendPolicy(reply: FastifyReply, policy: TargetPolicyRecord, status = 200): FastifyReply {
  return reply.status(status).header('etag', etag(policy)).send(policy);
}

/** Target policies: limits on what all nodes together send to an origin, a host or a domain. */
export function registerTargetRoutes(api: FastifyInstance, context: ApiContext): void {
  const { store } = context;

  api.post<{ Body: TargetPolicyBody }>(
    '/targets',
    {
      schema: {
        tags,
        operationId: 'createTargetPolicy',
        summary: 'Create a target policy',
        description: 'Limits what every node together sends to the targets the pattern covers. Nodes apply it within a claim interval.',
        security,
        body: targetPolicyCreateSchema,
        response: { 201: policyAnswer('The policy as stored'), ...problems(400, 401, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const policy = await store.targetPolicyCreate({ id: uuidv7(context.clock.now()), ...targetPolicyFromBody(request.body) });
      return sendPolicy(reply.header('location', `/api/v1/targets/${policy.id}`), policy, 201);
    },
  );

  api.get(
    '/targets',
    {
      schema: {
        tags,
        operationId: 'listTargetPolicies',
        summary: 'List the target policies',
        description: 'Every policy, by name.',
        security,
        response: {
          200: {
            description: 'The policies',
            type: 'object',
            additionalProperties: false,
            properties: { items: { type: 'array', items: policyRef } },
            required: ['items'],
          },
          ...problems(401),
        },
      },
    },
    async () => ({ items: await store.targetPolicyList() }),
  );

  api.get<{ Params: IdParams }>(
    '/targets/:id',
    {
      schema: { tags, operationId: 'getTargetPolicy', summary: 'Get a target policy', security, params, response: { 200: policyAnswer('The policy'), ...problems(401, 404) } },
    },
    async (request, reply) => sendPolicy(reply, await store.targetPolicyGet(request.params.id)),
  );

  api.patch<{ Params: IdParams; Body: TargetPolicyBody; Headers: { 'if-match'?: string } }>(
    '/targets/:id',
    {
      schema: {
        tags,
        operationId: 'updateTargetPolicy',
        summary: 'Change a target policy',
        description: 'Only the fields given change. With If-Match, the change applies only to that version (412 otherwise).',
        security,
        params,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', description: 'An ETag from GET' } } },
        body: targetPolicyPatchSchema,
        response: { 200: policyAnswer('The policy after the change'), ...problems(400, 401, 404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const current = await store.targetPolicyGet(request.params.id);
      const wanted = expectedVersion(request.headers['if-match']);
      const patch = targetPolicyPatch(request.body, current);
      return sendPolicy(reply, await store.targetPolicyUpdate({ id: current.id, patch, ...(wanted === undefined ? {} : { expectedVersion: wanted }) }));
    },
  );

  api.delete<{ Params: IdParams }>(
    '/targets/:id',
    {
      schema: {
        tags,
        operationId: 'deleteTargetPolicy',
        summary: 'Delete a target policy',
        description: 'Its targets are no longer limited by it (a less specific policy may then apply).',
        security,
        params,
        response: { 204: { description: 'Deleted', type: 'null' }, ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      await store.targetPolicyDelete(request.params.id);
      return reply.status(204).send();
    },
  );
}
