import { problem, ProblemError } from './problem.js';

export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface JsonLimits {
  readonly depth: number;
  readonly stringLength: number;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Parse a JSON request body and check it before anything reads it: nesting
 * depth, string (and key) length, and prototype keys. JSON.parse makes
 * `__proto__` an own property (it never sets the prototype), so the walk
 * sees it and refuses the request with the key's JSON pointer.
 */
export function parseJsonBody(text: string, limits: JsonLimits, basePointer = ''): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ProblemError(problem('JSON_SYNTAX', { detail: (err as Error).message }, { pointer: basePointer }));
  }
  checkJson(value, limits, basePointer);
  return value;
}

export function checkJson(root: unknown, limits: JsonLimits, basePointer = ''): void {
  // Iterative: a hostile body must not be able to exhaust the stack.
  const stack: Array<{ value: unknown; pointer: string; depth: number }> = [{ value: root, pointer: basePointer, depth: 0 }];
  while (stack.length > 0) {
    const { value, pointer, depth } = stack.pop() as { value: unknown; pointer: string; depth: number };
    if (typeof value === 'string') {
      if (value.length > limits.stringLength) throw new ProblemError(problem('STRING_TOO_LONG', { found: value.length, expected: limits.stringLength }, { pointer }));
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limits.depth) throw new ProblemError(problem('JSON_TOO_DEEP', { expected: limits.depth }, { pointer }));
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], pointer: `${pointer}/${i}`, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      const p = `${pointer}/${escapePointer(key)}`;
      if (FORBIDDEN_JSON_KEYS.has(key)) throw new ProblemError(problem('JSON_FORBIDDEN_KEY', { key }, { pointer: p }));
      if (key.length > limits.stringLength) throw new ProblemError(problem('STRING_TOO_LONG', { found: key.length, expected: limits.stringLength }, { pointer: p }));
      stack.push({ value: (value as Record<string, unknown>)[key], pointer: p, depth: depth + 1 });
    }
  }
}
