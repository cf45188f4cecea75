import type { ValidateFunction } from 'ajv';
import { createAjv, loadSchema } from '../../src/schema/ajv.js';

const ajv = createAjv({ allErrors: true });
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
for (const name of ['decision', 'decision-summary', 'decision-none', 'rule-set', 'api']) ajv.addSchema(loadSchema(name));
const cache = new Map<string, ValidateFunction>();

/** Check a response body against the same schema /docs publishes for it. */
export function matchesSchema(definition: string, body: unknown): string[] {
  let v = cache.get(definition);
  if (!v) {
    v = ajv.getSchema(`https://zhidu.dev/schemas/api.schema.json#/definitions/${definition}`) as ValidateFunction;
    cache.set(definition, v);
  }
  return v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
