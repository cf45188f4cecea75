import { Operator } from 'json-rules-engine';
import { asDecimal, isDecimal, type Decimal } from './decimal.js';
import { parseDate, dayNumber } from './calendar.js';

/**
 * Our operators replace json-rules-engine's defaults: numbers compare as exact
 * decimals (a fact may be a decimal string or a mathjs BigNumber), dates compare
 * as calendar dates, and a missing fact makes no comparison true — the
 * explanation then reports the condition as unknown rather than failed.
 */
function missing(value: unknown): boolean {
  return value === undefined || value === null;
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  // Decimal equality only when a side is numeric: "10" and "10.0" stay different strings.
  if (typeof a === 'number' || typeof b === 'number' || isDecimal(a) || isDecimal(b)) {
    const da = typeof a === 'boolean' ? undefined : asDecimal(a);
    const db = typeof b === 'boolean' ? undefined : asDecimal(b);
    if (da && db) return da.eq(db);
  }
  return a === b;
}

/**
 * Pure conversions memoised, bounded: the same few literals of a rule set
 * (2, 0.8, "2024-01-01") are compared in every decision, and building a
 * decimal or validating a calendar date each time was a measurable share of
 * evaluation. The values cached are immutable, so no decision sees another's state.
 */
const MEMO_LIMIT = 4096;
const decimals = new Map<unknown, Decimal | undefined>();
const days = new Map<unknown, number | undefined>();

function memo<V>(cache: Map<unknown, V>, key: unknown, make: (k: unknown) => V): V {
  if (cache.has(key)) return cache.get(key) as V;
  const v = make(key);
  if (cache.size >= MEMO_LIMIT) cache.clear();
  cache.set(key, v);
  return v;
}

function decimalOf(v: unknown): Decimal | undefined {
  if (isDecimal(v)) return v;
  return typeof v === 'number' || typeof v === 'string' ? memo(decimals, v, asDecimal) : undefined;
}

function dayOf(v: unknown): number | undefined {
  return typeof v === 'string' ? memo(days, v, (t) => {
    const d = parseDate(t);
    return d ? dayNumber(d) : undefined;
  }) : undefined;
}

function numeric(cmp: (c: number) => boolean) {
  return (a: unknown, b: unknown): boolean => {
    // Two JSON numbers compare exactly as doubles; anything else goes through decimals.
    if (typeof a === 'number' && typeof b === 'number') return cmp(a < b ? -1 : a > b ? 1 : 0);
    const da = decimalOf(a);
    const db = decimalOf(b);
    return da !== undefined && db !== undefined && cmp(da.cmp(db));
  };
}

function calendar(cmp: (c: number) => boolean) {
  return (a: unknown, b: unknown): boolean => {
    const da = dayOf(a);
    const db = dayOf(b);
    return da !== undefined && db !== undefined && cmp(da - db);
  };
}

export const OPERATOR_FUNCTIONS: Record<string, (fact: unknown, value: unknown) => boolean> = {
  equal: (a, b) => same(a, b),
  notEqual: (a, b) => !same(a, b),
  in: (a, b) => Array.isArray(b) && b.some((x) => same(a, x)),
  notIn: (a, b) => Array.isArray(b) && !b.some((x) => same(a, x)),
  contains: (a, b) => (Array.isArray(a) ? a.some((x) => same(x, b)) : typeof a === 'string' && typeof b === 'string' && a.includes(b)),
  doesNotContain: (a, b) => (Array.isArray(a) ? !a.some((x) => same(x, b)) : typeof a === 'string' && typeof b === 'string' && !a.includes(b)),
  lessThan: numeric((c) => c < 0),
  lessThanInclusive: numeric((c) => c <= 0),
  greaterThan: numeric((c) => c > 0),
  greaterThanInclusive: numeric((c) => c >= 0),
  dateBefore: calendar((c) => c < 0),
  dateOnOrBefore: calendar((c) => c <= 0),
  dateAfter: calendar((c) => c > 0),
  dateOnOrAfter: calendar((c) => c >= 0),
};

export function buildOperators(): Operator[] {
  return Object.entries(OPERATOR_FUNCTIONS).map(
    ([name, fn]) => new Operator(name, (fact: unknown, value: unknown) => !missing(fact) && !missing(value) && fn(fact, value)),
  );
}

/** Which fact kinds an operator accepts (checked when a rule set loads). */
export type FactKind = 'number' | 'date' | 'string' | 'boolean' | 'list';

export const OPERATOR_KINDS: Record<string, readonly FactKind[]> = {
  equal: ['number', 'date', 'string', 'boolean'],
  notEqual: ['number', 'date', 'string', 'boolean'],
  in: ['number', 'string', 'date'],
  notIn: ['number', 'string', 'date'],
  contains: ['list', 'string'],
  doesNotContain: ['list', 'string'],
  lessThan: ['number'],
  lessThanInclusive: ['number'],
  greaterThan: ['number'],
  greaterThanInclusive: ['number'],
  dateBefore: ['date'],
  dateOnOrBefore: ['date'],
  dateAfter: ['date'],
  dateOnOrAfter: ['date'],
};

/** Chinese wording of each operator, for explanations. */
export const OPERATOR_ZH: Record<string, string> = {
  equal: '等于',
  notEqual: '不等于',
  in: '属于',
  notIn: '不属于',
  contains: '包含',
  doesNotContain: '不包含',
  lessThan: '小于',
  lessThanInclusive: '小于或等于',
  greaterThan: '大于',
  greaterThanInclusive: '大于或等于',
  dateBefore: '早于',
  dateOnOrBefore: '不晚于',
  dateAfter: '晚于',
  dateOnOrAfter: '不早于',
};
