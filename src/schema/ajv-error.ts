import type { ErrorObject } from 'ajv';
import { escapePointer } from '../text/yaml-source.js';

/** The member an ajv error is about: for required and additionalProperties ajv points at the parent object, the reader wants the key itself. */
export function errorMember(e: Pick<ErrorObject, 'keyword' | 'params'>): string | undefined {
  if (e.keyword === 'required') return String((e.params as { missingProperty: string }).missingProperty);
  if (e.keyword === 'additionalProperties') return String((e.params as { additionalProperty: string }).additionalProperty);
  return undefined;
}

/** JSON pointer of the offending value (RFC 6901 escaped), the member itself for a missing or unknown key. */
export function errorPointer(e: Pick<ErrorObject, 'keyword' | 'params' | 'instancePath'>): string {
  const member = errorMember(e);
  return member === undefined ? e.instancePath : `${e.instancePath}/${escapePointer(member)}`;
}

/** One line per error, `<pointer>: <ajv's message>`, for the detail of a request that does not match the API schema. */
export function errorsText(errors: readonly Pick<ErrorObject, 'keyword' | 'params' | 'instancePath' | 'message'>[], prefix = ''): string {
  return errors.map((e) => `${prefix}${errorPointer(e) || '/'}: ${e.message ?? e.keyword}`).join('; ');
}
