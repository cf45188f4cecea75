import { FORBIDDEN_KEYS } from '../text/yaml-source.js';

/**
 * json-rules-engine resolves `path` with jsonpath-plus by default, whose filter
 * scripts have had remote-code-execution flaws (CVE-2024-21534, CVE-2025-1302).
 * Rule paths are plain property paths ($.a.b, $.a[0]), validated when a rule set
 * loads, and resolved here over own properties only.
 */
const SEGMENT = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/gy;

export function parsePath(path: string): (string | number)[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const segments: (string | number)[] = [];
  SEGMENT.lastIndex = 1;
  while (SEGMENT.lastIndex < path.length) {
    const start = SEGMENT.lastIndex;
    const m = SEGMENT.exec(path);
    if (!m || m.index !== start) return undefined;
    if (m[1] !== undefined) {
      if (FORBIDDEN_KEYS.has(m[1])) return undefined;
      segments.push(m[1]);
    } else {
      segments.push(Number(m[2]));
    }
  }
  return segments.length > 0 ? segments : undefined;
}

export function plainPathResolver(value: unknown, path: string): unknown {
  const segments = parsePath(path);
  if (!segments) return undefined;
  let current: unknown = value;
  for (const seg of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, seg)) return undefined;
    current = (current as Record<string | number, unknown>)[seg];
  }
  return current;
}
