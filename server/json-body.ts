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
  checkDuplicateKeys(text, basePointer);
  return value;
}

/**
 * JSON.parse keeps the last of two equal keys; a body that says `role` twice
 * is refused instead, as rule files are. One pass over text JSON.parse has
 * already accepted (so it is well formed), keeping each open object's keys.
 */
export function checkDuplicateKeys(text: string, basePointer = ''): void {
  const frames: Array<{ keys: Set<string> | null; pointer: string; index: number; key: string }> = [];
  let i = 0;
  const n = text.length;
  let expectKey = false;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < n && text.charCodeAt(j) !== 34) {
        if (text.charCodeAt(j) === 92) {
          escaped = true;
          j += 1;
        }
        j += 1;
      }
      const frame = frames[frames.length - 1];
      if (expectKey && frame?.keys) {
        const raw = text.slice(i + 1, j);
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        if (frame.keys.has(key)) throw new ProblemError(problem('JSON_DUPLICATE_KEY', { key: key.slice(0, 100) }, { pointer: `${frame.pointer}/${escapePointer(key)}` }));
        frame.keys.add(key);
        frame.key = key;
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      const parent = frames[frames.length - 1];
      const pointer = parent ? `${parent.pointer}/${parent.keys ? escapePointer(parent.key) : parent.index}` : basePointer;
      frames.push({ keys: c === 123 ? new Set() : null, pointer, index: 0, key: '' });
      expectKey = c === 123;
    } else if (c === 125 || c === 93) {
      frames.pop();
      expectKey = false;
    } else if (c === 44 /* , */) {
      const frame = frames[frames.length - 1];
      if (frame?.keys) expectKey = true;
      else if (frame) frame.index += 1;
    }
    i += 1;
  }
}

export function checkJson(root: unknown, limits: JsonLimits, basePointer = ''): void {
  // Iterative: a hostile body must not be able to exhaust the stack.
  const stack: Array<{ value: unknown; pointer: string; depth: number }> = [{ value: root, pointer: basePointer, depth: 0 }];
  while (stack.length > 0) {
    const { value, pointer, depth } = stack.pop() as { value: unknown; pointer: string; depth: number };
    if (typeof value === 'string') {
      if (value.length > limits.stringLength) throw new ProblemError(problem('STRING_TOO_LONG', { found: value.length, expected: limits.stringLength }, { pointer }));
      // PostgreSQL text cannot hold U+0000: refused here rather than failing the log write.
      if (value.includes('\u0000')) throw new ProblemError(problem('STRING_NUL', {}, { pointer }));
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
      if (key.includes('\u0000')) throw new ProblemError(problem('STRING_NUL', {}, { pointer: p }));
      stack.push({ value: (value as Record<string, unknown>)[key], pointer: p, depth: depth + 1 });
    }
  }
}
