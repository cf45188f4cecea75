import { toDecimal, decimalText, type Decimal } from '../eval/decimal.js';

/**
 * Sets of numbers as sorted, disjoint intervals with exact-decimal bounds, so
 * the band analysis can say "5000 falls in two bands" or "6 至 9 fall in none"
 * without binary floating point. `null` bounds are ±∞. Integer facts are
 * normalised to closed integer bounds (x > 3 ⇒ x ≥ 4), which is what makes a
 * gap between "≤ 5" and "≥ 10" come out as 6 至 9 rather than (5, 10).
 */
export interface Interval {
  readonly lo: Decimal | null;
  readonly loIncl: boolean;
  readonly hi: Decimal | null;
  readonly hiIncl: boolean;
}

export type IntervalSet = readonly Interval[];

export const ALL: IntervalSet = [{ lo: null, loIncl: false, hi: null, hiIncl: false }];
export const NONE: IntervalSet = [];

export function point(v: Decimal): IntervalSet {
  return [{ lo: v, loIncl: true, hi: v, hiIncl: true }];
}

export function below(v: Decimal, inclusive: boolean): IntervalSet {
  return [{ lo: null, loIncl: false, hi: v, hiIncl: inclusive }];
}

export function above(v: Decimal, inclusive: boolean): IntervalSet {
  return [{ lo: v, loIncl: inclusive, hi: null, hiIncl: false }];
}

function isEmptyInterval(i: Interval): boolean {
  if (i.lo === null || i.hi === null) return false;
  const c = i.lo.cmp(i.hi);
  return c > 0 || (c === 0 && !(i.loIncl && i.hiIncl));
}

/** Compare lower bounds: -∞ first; at equal value an inclusive bound starts earlier. */
function cmpLo(a: Interval, b: Interval): number {
  if (a.lo === null) return b.lo === null ? 0 : -1;
  if (b.lo === null) return 1;
  const c = a.lo.cmp(b.lo);
  if (c !== 0) return c;
  return a.loIncl === b.loIncl ? 0 : a.loIncl ? -1 : 1;
}

/** Does interval `a` reach or touch `b` (which starts at or after `a`)? */
function touches(a: Interval, b: Interval): boolean {
  if (a.hi === null || b.lo === null) return true;
  const c = a.hi.cmp(b.lo);
  return c > 0 || (c === 0 && (a.hiIncl || b.loIncl));
}

function maxHi(a: Interval, b: Interval): Pick<Interval, 'hi' | 'hiIncl'> {
  if (a.hi === null || b.hi === null) return { hi: null, hiIncl: false };
  const c = a.hi.cmp(b.hi);
  if (c > 0) return { hi: a.hi, hiIncl: a.hiIncl };
  if (c < 0) return { hi: b.hi, hiIncl: b.hiIncl };
  return { hi: a.hi, hiIncl: a.hiIncl || b.hiIncl };
}

export function normalise(set: readonly Interval[], integer = false): IntervalSet {
  const items = (integer ? set.map(toIntegerBounds) : [...set]).filter((i) => !isEmptyInterval(i)).sort(cmpLo);
  const out: Interval[] = [];
  for (const i of items) {
    const last = out[out.length - 1];
    if (last && (touches(last, i) || (integer && adjacentIntegers(last, i)))) {
      out[out.length - 1] = { lo: last.lo, loIncl: last.loIncl, ...maxHi(last, i) };
    } else {
      out.push(i);
    }
  }
  return out;
}

function adjacentIntegers(a: Interval, b: Interval): boolean {
  return a.hi !== null && b.lo !== null && a.hiIncl && b.loIncl && a.hi.plus(1).eq(b.lo);
}

function toIntegerBounds(i: Interval): Interval {
  let lo = i.lo;
  let hi = i.hi;
  if (lo !== null) lo = lo.isInteger() ? (i.loIncl ? lo : lo.plus(1)) : lo.ceil();
  if (hi !== null) hi = hi.isInteger() ? (i.hiIncl ? hi : hi.minus(1)) : hi.floor();
  return { lo, loIncl: lo !== null, hi, hiIncl: hi !== null };
}

export function union(a: IntervalSet, b: IntervalSet, integer = false): IntervalSet {
  return normalise([...a, ...b], integer);
}

export function intersect(a: IntervalSet, b: IntervalSet, integer = false): IntervalSet {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      const lo = cmpLo(x, y) >= 0 ? x : y;
      const hiSide = minHi(x, y);
      out.push({ lo: lo.lo, loIncl: lo.loIncl, ...hiSide });
    }
  }
  return normalise(out, integer);
}

function minHi(a: Interval, b: Interval): Pick<Interval, 'hi' | 'hiIncl'> {
  if (a.hi === null) return { hi: b.hi, hiIncl: b.hiIncl };
  if (b.hi === null) return { hi: a.hi, hiIncl: a.hiIncl };
  const c = a.hi.cmp(b.hi);
  if (c < 0) return { hi: a.hi, hiIncl: a.hiIncl };
  if (c > 0) return { hi: b.hi, hiIncl: b.hiIncl };
  return { hi: a.hi, hiIncl: a.hiIncl && b.hiIncl };
}

export function complement(a: IntervalSet, integer = false): IntervalSet {
  const set = normalise(a, integer);
  const out: Interval[] = [];
  let lo: Decimal | null = null;
  let loIncl = false;
  let open = true;
  for (const i of set) {
    if (i.lo !== null) out.push({ lo, loIncl, hi: i.lo, hiIncl: !i.loIncl });
    if (i.hi === null) {
      open = false;
      break;
    }
    lo = i.hi;
    loIncl = !i.hiIncl;
  }
  if (open) out.push({ lo, loIncl, hi: null, hiIncl: false });
  return normalise(out, integer);
}

export function subtract(a: IntervalSet, b: IntervalSet, integer = false): IntervalSet {
  return intersect(a, complement(b, integer), integer);
}

export function isEmpty(a: IntervalSet): boolean {
  return normalise(a).length === 0;
}

export function equals(a: IntervalSet, b: IntervalSet, integer = false): boolean {
  return isEmpty(subtract(a, b, integer)) && isEmpty(subtract(b, a, integer));
}

/** The smallest single interval containing the set. */
export function hull(a: IntervalSet): IntervalSet {
  const first = a[0];
  const last = a[a.length - 1];
  if (!first || !last) return NONE;
  return [{ lo: first.lo, loIncl: first.loIncl, hi: last.hi, hiIncl: last.hiIncl }];
}

export function dec(v: number | string | Decimal): Decimal {
  return toDecimal(v);
}

/** Chinese wording of a set of values, e.g. "5000"、"6 至 9"、"大于 5 且小于 10"、"15 及以上". */
export function describeSet(set: IntervalSet, unit = ''): string {
  const u = unit ? ` ${unit}` : '';
  return set
    .map((i) => {
      const lo = i.lo === null ? null : decimalText(i.lo);
      const hi = i.hi === null ? null : decimalText(i.hi);
      if (lo !== null && hi !== null && lo === hi) return `${lo}${u}`;
      if (lo !== null && hi !== null && i.loIncl && i.hiIncl) return `${lo} 至 ${hi}${u}`;
      const parts: string[] = [];
      if (lo !== null) parts.push(i.loIncl ? `${lo}${u} 及以上` : `大于 ${lo}${u}`);
      if (hi !== null) parts.push(i.hiIncl ? `${hi}${u} 及以下` : `小于 ${hi}${u}`);
      if (parts.length === 0) return '任意值';
      // "大于 5 且小于 10", "大于 0 且 1000 及以下": a space before a number, none before a word.
      return parts.join(' 且').replace(/且(?=-?\d)/, '且 ');
    })
    .join('、');
}

/** English wording, mathematical notation. */
export function describeSetEn(set: IntervalSet): string {
  return set
    .map((i) => {
      const lo = i.lo === null ? null : decimalText(i.lo);
      const hi = i.hi === null ? null : decimalText(i.hi);
      if (lo !== null && hi !== null && lo === hi) return lo;
      return `${i.loIncl ? '[' : '('}${lo ?? '-∞'}, ${hi ?? '+∞'}${i.hiIncl ? ']' : ')'}`;
    })
    .join(', ');
}
