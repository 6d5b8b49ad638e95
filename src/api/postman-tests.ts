/**
 * The test script of each request in the Postman collection: the status the operation answers
 * on success and the shape of that answer (its required fields, and those of each item of a
 * required array), read from the OpenAPI responses. newman reports any mismatch as a failed
 * assertion, so a collection that drifts from the server fails loudly instead of "0 failed".
 */

type Json = Record<string, unknown>;

export interface Responses {
  readonly [status: string]: { readonly content?: Record<string, { readonly schema?: Json }> };
}

/** The operation whose answer carries the job id every later request uses. */
export const JOB_CREATING_OPERATION = 'createJob';
/** The collection variable holding that id. */
export const JOB_ID_VARIABLE = 'jobId';
/** The same for the target policy the run creates, reads, changes and deletes. */
export const TARGET_CREATING_OPERATION = 'createTargetPolicy';
export const TARGET_ID_VARIABLE = 'targetId';

export function testScript(operationId: string, responses: Responses, resolve: (schema: Json) => Json): string[] {
  const success = Object.keys(responses).filter((status) => /^2\d\d$/.test(status)).sort()[0];
  if (success === undefined) throw new Error(`${operationId} documents no 2xx answer`);
  const lines = [`pm.test('${operationId} answers ${success}', function () {`, `  pm.response.to.have.status(${success});`, '});'];
  const content = responses[success]?.content ?? {};
  const json = content['application/json']?.schema;
  if (json) {
    lines.push(...shapeTest(operationId, resolve(json), resolve));
  } else if (content['text/plain']) {
    lines.push(`pm.test('${operationId} answers text', function () {`, "  pm.expect(pm.response.headers.get('Content-Type')).to.include('text/plain');", '});');
  }
  if (operationId === JOB_CREATING_OPERATION) lines.push(`pm.collectionVariables.set('${JOB_ID_VARIABLE}', pm.response.json().id);`);
  if (operationId === TARGET_CREATING_OPERATION) lines.push(`pm.collectionVariables.set('${TARGET_ID_VARIABLE}', pm.response.json().id);`);
  return lines;
}

function shapeTest(operationId: string, schema: Json, resolve: (schema: Json) => Json): string[] {
  const required = requiredOf(schema);
  const lines = [`pm.test('${operationId} answers the documented shape', function () {`, '  const body = pm.response.json();'];
  lines.push(`  pm.expect(body).to.be.an('object').that.includes.all.keys(${JSON.stringify(required)});`);
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  for (const name of required) {
    const property = resolve(properties[name] ?? {});
    if (property.type !== 'array') continue;
    const itemKeys = requiredOf(resolve((property.items ?? {}) as Json));
    lines.push(`  pm.expect(body.${name}).to.be.an('array');`);
    if (itemKeys.length > 0) {
      lines.push(`  body.${name}.forEach(function (item) { pm.expect(item).to.include.all.keys(${JSON.stringify(itemKeys)}); });`);
    }
  }
  lines.push('});');
  return lines;
}

function requiredOf(schema: Json): string[] {
  return Array.isArray(schema.required) ? (schema.required as string[]) : [];
}
