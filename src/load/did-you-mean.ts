import { distance } from 'fastest-levenshtein';

/**
 * "是否要写 greaterThanInclusive？" for a value that is not allowed (an operator, an enum value).
 * Edit distance alone misleads on the names editors actually type from spreadsheets, SQL and other
 * rule engines: `greaterThanOrEqual` is 7 edits from `greaterThan` and 9 from
 * `greaterThanInclusive`, so the `…OrEqual` spellings and the usual symbols are mapped first.
 */
const SYNONYMS: Readonly<Record<string, string>> = {
  '>=': 'greaterThanInclusive',
  '≥': 'greaterThanInclusive',
  gte: 'greaterThanInclusive',
  ge: 'greaterThanInclusive',
  atleast: 'greaterThanInclusive',
  '<=': 'lessThanInclusive',
  '≤': 'lessThanInclusive',
  lte: 'lessThanInclusive',
  le: 'lessThanInclusive',
  atmost: 'lessThanInclusive',
  '>': 'greaterThan',
  gt: 'greaterThan',
  '<': 'lessThan',
  lt: 'lessThan',
  '=': 'equal',
  '==': 'equal',
  '===': 'equal',
  eq: 'equal',
  equals: 'equal',
  '!=': 'notEqual',
  '!==': 'notEqual',
  '<>': 'notEqual',
  ne: 'notEqual',
  neq: 'notEqual',
};

export function didYouMean(found: unknown, allowed: readonly unknown[]): string | undefined {
  if (typeof found !== 'string' || found.length === 0 || found.length > 100) return undefined;
  const names = allowed.filter((a): a is string => typeof a === 'string');
  if (names.length === 0 || names.includes(found)) return undefined;
  const lower = found.toLowerCase().replace(/[\s_-]/g, '');
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const exactish = byLower.get(lower);
  if (exactish) return exactish;
  const synonym = SYNONYMS[lower];
  if (synonym && names.includes(synonym)) return synonym;
  // greaterThanOrEqual, greaterThanOrEqualTo, lessThanEqual, dateOnOrAfterOrEqual… → the Inclusive form.
  const inclusive = /^(.*?)(?:or)?equal(?:to)?$/.exec(lower);
  if (inclusive?.[1]) {
    const candidate = byLower.get(`${inclusive[1]}inclusive`) ?? byLower.get(`${inclusive[1]}thaninclusive`);
    if (candidate) return candidate;
  }
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const [l, n] of byLower) {
    const d = distance(lower, l);
    if (d < bestDistance) {
      bestDistance = d;
      best = n;
    }
  }
  // Beyond a third of the word, the nearest name is a guess, not a typo's correction.
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(lower.length / 3)) ? best : undefined;
}
