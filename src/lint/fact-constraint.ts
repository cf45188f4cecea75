import type { RuleSet, FactCondition, Condition } from '../generated/rule-set.js';
import type { FactInfo } from '../load/fact-catalogue.js';
import { asDecimal, type Decimal } from '../eval/decimal.js';
import { parseDate, dayNumber as calendarDay } from '../eval/calendar.js';
import { canonicalJson } from '../load/canonical-json.js';
import { ALL, NONE, point, below, above, union, intersect, complement, isEmpty, dec, type IntervalSet } from './interval.js';

/**
 * What one condition (or the input schema) allows a single fact to be:
 * numbers and dates as interval sets, enums/booleans/strings as a finite
 * "one of" or "none of" set. Anything the analysis cannot reason about
 * (paths, comparisons with another fact, contains) is opaque and never
 * makes a rule look impossible or certain.
 */
export type Constraint =
  | { readonly kind: 'numeric'; readonly set: IntervalSet; readonly integer: boolean }
  | { readonly kind: 'discrete'; readonly mode: 'in' | 'notIn'; readonly values: ReadonlySet<string> }
  | { readonly kind: 'opaque' };

/** One fact condition as it occurs in a rule, possibly under a `not`. */
export interface Literal {
  readonly condition: FactCondition;
  readonly pointer: string;
  readonly negated: boolean;
}

export const OPAQUE: Constraint = { kind: 'opaque' };

function dayNumber(value: unknown): Decimal | undefined {
  const d = parseDate(value);
  if (!d) return undefined;
  return dec(calendarDay(d));
}

function isFactRef(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Domain of a fact from the input schema: bounds, integer-ness, enum and boolean values. */
export function factDomain(rs: RuleSet, info: FactInfo): Constraint {
  if (info.kind === 'boolean') return { kind: 'discrete', mode: 'in', values: new Set(['true', 'false']) };
  if (info.enum) return { kind: 'discrete', mode: 'in', values: new Set(info.enum.map((v) => canonicalJson(v))) };
  if (info.kind === 'date') return { kind: 'numeric', set: ALL, integer: true };
  if (info.kind !== 'number') return { kind: 'discrete', mode: 'notIn', values: new Set() };
  const input = info.origin === 'input' ? rs.inputs.properties[info.id] : undefined;
  const derived = info.origin === 'derived' ? rs.derived?.find((d) => d.id === info.id) : undefined;
  const integer = input?.type === 'integer' || derived?.type === 'integer';
  let set: IntervalSet = ALL;
  if (input?.minimum !== undefined) set = intersect(set, above(dec(input.minimum), true));
  if (input?.exclusiveMinimum !== undefined) set = intersect(set, above(dec(input.exclusiveMinimum), false));
  if (input?.maximum !== undefined) set = intersect(set, below(dec(input.maximum), true));
  if (input?.exclusiveMaximum !== undefined) set = intersect(set, below(dec(input.exclusiveMaximum), false));
  return { kind: 'numeric', set: integer ? intersect(set, ALL, true) : set, integer };
}

/** The values of its fact a literal allows (already negated when under a `not`). */
export function literalConstraint(lit: Literal, info: FactInfo | undefined): Constraint {
  const c = lit.condition;
  if (!info || c.path !== undefined || isFactRef(c.value)) return OPAQUE;
  const positive = positiveConstraint(c, info);
  return lit.negated ? negate(positive) : positive;
}

function positiveConstraint(c: FactCondition, info: FactInfo): Constraint {
  const ordered = info.kind === 'number' || info.kind === 'date';
  if (ordered) {
    const toNum = info.kind === 'date' ? dayNumber : asDecimal;
    const integer = info.kind === 'date';
    const list = Array.isArray(c.value) ? c.value : [c.value];
    const nums = list.map((v) => toNum(v));
    if (nums.some((n) => n === undefined)) return OPAQUE;
    const v = nums[0] as Decimal;
    const points = (nums as Decimal[]).reduce<IntervalSet>((acc, n) => union(acc, point(n)), NONE);
    switch (c.operator) {
      case 'lessThan':
      case 'dateBefore':
        return { kind: 'numeric', set: below(v, false), integer };
      case 'lessThanInclusive':
      case 'dateOnOrBefore':
        return { kind: 'numeric', set: below(v, true), integer };
      case 'greaterThan':
      case 'dateAfter':
        return { kind: 'numeric', set: above(v, false), integer };
      case 'greaterThanInclusive':
      case 'dateOnOrAfter':
        return { kind: 'numeric', set: above(v, true), integer };
      case 'equal':
      case 'in':
        return { kind: 'numeric', set: points, integer };
      case 'notEqual':
      case 'notIn':
        return { kind: 'numeric', set: complement(points), integer };
      default:
        return OPAQUE;
    }
  }
  if (info.kind === 'boolean' || info.kind === 'string') {
    const list = Array.isArray(c.value) ? c.value : [c.value];
    const values = new Set(list.map((v) => canonicalJson(v)));
    switch (c.operator) {
      case 'equal':
      case 'in':
        return { kind: 'discrete', mode: 'in', values };
      case 'notEqual':
      case 'notIn':
        return { kind: 'discrete', mode: 'notIn', values };
      default:
        return OPAQUE;
    }
  }
  return OPAQUE;
}

export function negate(c: Constraint): Constraint {
  if (c.kind === 'numeric') return { kind: 'numeric', set: complement(c.set, c.integer), integer: c.integer };
  if (c.kind === 'discrete') return { kind: 'discrete', mode: c.mode === 'in' ? 'notIn' : 'in', values: c.values };
  return c;
}

export function meet(a: Constraint, b: Constraint): Constraint {
  if (a.kind === 'opaque') return b;
  if (b.kind === 'opaque') return a;
  if (a.kind === 'numeric' && b.kind === 'numeric') {
    const integer = a.integer || b.integer;
    return { kind: 'numeric', set: intersect(a.set, b.set, integer), integer };
  }
  if (a.kind === 'discrete' && b.kind === 'discrete') {
    if (a.mode === 'in' && b.mode === 'in') return { kind: 'discrete', mode: 'in', values: new Set([...a.values].filter((v) => b.values.has(v))) };
    if (a.mode === 'in') return { kind: 'discrete', mode: 'in', values: new Set([...a.values].filter((v) => !b.values.has(v))) };
    if (b.mode === 'in') return { kind: 'discrete', mode: 'in', values: new Set([...b.values].filter((v) => !a.values.has(v))) };
    return { kind: 'discrete', mode: 'notIn', values: new Set([...a.values, ...b.values]) };
  }
  return OPAQUE;
}

/** No value satisfies it (free-text strings have infinitely many values, so "none of" is never empty). */
export function unsatisfiable(c: Constraint): boolean {
  if (c.kind === 'numeric') return isEmpty(c.set);
  if (c.kind === 'discrete') return c.mode === 'in' && c.values.size === 0;
  return false;
}

/**
 * Disjunctive normal form of a condition tree: a list of terms, each a list of
 * literals, all of which must hold. Negations are pushed down to the leaves.
 * Returns undefined past `limit` terms (the analysis then stays silent).
 */
export function toDnf(c: Condition, pointer: string, negated = false, limit = 256): Literal[][] | undefined {
  if ('fact' in c && typeof (c as FactCondition).fact === 'string') return [[{ condition: c as FactCondition, pointer, negated }]];
  const top = c as { all?: Condition[]; any?: Condition[]; not?: Condition };
  if (top.not) return toDnf(top.not, `${pointer}/not`, !negated, limit);
  const conj = top.all ? !negated : false;
  const children = (top.all ?? top.any ?? []).map((x, i) => toDnf(x, `${pointer}/${top.all ? 'all' : 'any'}/${i}`, negated, limit));
  if (children.some((x) => x === undefined)) return undefined;
  const parts = children as Literal[][][];
  if (conj || (top.any && negated)) {
    // all(...) or not(any(...)): cross product of the children's terms.
    let acc: Literal[][] = [[]];
    for (const p of parts) {
      const next: Literal[][] = [];
      for (const a of acc) for (const b of p) next.push([...a, ...b]);
      if (next.length > limit) return undefined;
      acc = next;
    }
    return acc;
  }
  // any(...) or not(all(...)): union of the children's terms.
  const out = parts.flat();
  return out.length > limit ? undefined : out;
}

/** Every fact condition of a tree, in trace order (the same order as coverage's leaf index). */
export function leafPointers(c: Condition, pointer: string): { condition: FactCondition; pointer: string }[] {
  if ('fact' in c && typeof (c as FactCondition).fact === 'string') return [{ condition: c as FactCondition, pointer }];
  const top = c as { all?: Condition[]; any?: Condition[]; not?: Condition };
  if (top.all) return top.all.flatMap((x, i) => leafPointers(x, `${pointer}/all/${i}`));
  if (top.any) return top.any.flatMap((x, i) => leafPointers(x, `${pointer}/any/${i}`));
  if (top.not) return leafPointers(top.not, `${pointer}/not`);
  return [];
}
