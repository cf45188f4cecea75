import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { re2RegExp } from './re2-regexp.js';
import { DECIMAL_TEXT } from '../../web/decimal-text.js';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv, formats: string[]) => Ajv;

export const SCHEMAS_DIR = join(fileURLToPath(new URL('../..', import.meta.url)), 'schemas');

/** Annotation keywords of our schemas (labels, units, TS hints): carried, never validated. */
export const ANNOTATIONS = ['x-enum-titles', 'x-unit', 'x-examples', 'x-example-range', 'x-example-after', 'x-value-titles', 'x-selector', 'x-immutable', 'tsType'] as const;

export function createAjv(options: { allErrors?: boolean; coerceTypes?: boolean } = {}): Ajv {
  const ajv = new Ajv({ allErrors: options.allErrors ?? true, strict: true, strictRequired: false, allowUnionTypes: true, coerceTypes: options.coerceTypes ?? false, code: { regExp: re2RegExp } });
  addFormats(ajv, ['date']);
  // `decimal` inputs are exact decimals written as strings ("1880000.50").
  ajv.addFormat('decimal', DECIMAL_TEXT);
  ajv.addVocabulary([...ANNOTATIONS]);
  return ajv;
}

export function loadSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(SCHEMAS_DIR, `${name}.schema.json`), 'utf8')) as Record<string, unknown>;
}

const shared = createAjv();
const cache = new Map<string, ValidateFunction>();

/** Compile a bundled schema once per process (ajv's compile cache). */
export function schemaValidator(name: 'rule-set' | 'test-suite' | 'decision'): ValidateFunction {
  let v = cache.get(name);
  if (!v) {
    v = shared.compile(loadSchema(name));
    cache.set(name, v);
  }
  return v;
}

export type { ErrorObject };
