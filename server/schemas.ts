import type { FastifyInstance } from 'fastify';
import type { ValidateFunction } from 'ajv';
import { createAjv, loadSchema } from '../src/schema/ajv.js';

export const API_SCHEMA_ID = 'https://zhidu.dev/schemas/api.schema.json';

/** A reference to one definition of schemas/api.schema.json, for route schemas. */
export function api(name: string): { $ref: string } {
  return { $ref: `${API_SCHEMA_ID}#/definitions/${name}` };
}

export const problemResponses = (...statuses: number[]): Record<number, { $ref: string; description: string }> =>
  Object.fromEntries(statuses.map((s) => [s, { ...api('Problem'), description: 'application/problem+json' }]));

/**
 * Files refer to each other relatively (decision.schema.json), which the type
 * generator resolves on disk; the OpenAPI generator needs the absolute $id.
 */
function absoluteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(absoluteRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && /^[a-z-]+\.schema\.json/.test(v) ? `https://zhidu.dev/schemas/${v}` : absoluteRefs(v)]),
  );
}

/** Register the bundled schemas once: the same objects validate requests and feed /docs. */
export function addSchemas(app: FastifyInstance): void {
  for (const name of ['decision', 'decision-summary', 'decision-none', 'rule-set', 'api', 'impact-job']) app.addSchema(absoluteRefs(loadSchema(name)) as { $id: string });
}

export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'] as const;

let itemValidator: ValidateFunction | undefined;

/** EvaluateRequest, compiled for the batch routes, where each item is validated on its own. */
export function evaluateRequestValidator(): ValidateFunction {
  if (!itemValidator) {
    const ajv = createAjv({ allErrors: true });
    for (const name of ['decision', 'decision-summary', 'decision-none', 'rule-set', 'api']) ajv.addSchema(loadSchema(name));
    itemValidator = ajv.getSchema(`${API_SCHEMA_ID}#/definitions/EvaluateRequest`) as ValidateFunction;
  }
  return itemValidator;
}
