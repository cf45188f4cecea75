import type { Counterfactual, FactChange, OutputValue, RuleTrace } from '../generated/decision.js';
import type { PreparedRuleSet, PreparedRule } from '../load/prepared-rule-set.js';
import type { FactInfo } from '../load/fact-catalogue.js';
import { OPERATOR_FUNCTIONS } from '../eval/operators.js';
import { readSlots, CODE_TRUE } from '../eval/compile.js';
import { asDecimal, toDecimal, decimalText, toPlain, type Decimal } from '../eval/decimal.js';
import { parseDate, addDays, formatDate } from '../eval/calendar.js';
import { renderValue } from './render.js';

/**
 * What would change the outcome. For a decision that does not grant what was
 * asked, each pathway (a rule whose headline value is favourable) gets the
 * smallest set of fact changes that makes it hold — or an honest "cannot",
 * when only facts the applicant cannot change stand in the way.
 *
 * No library does this over zhidu's three-valued conditions, so it is
 * hand-written: the rule's condition tree is turned into alternative sets of
 * leaf constraints (any = one child, all = every child, not = pushed into the
 * operators), each set is solved per fact (the nearest value meeting every
 * constraint on that fact: boundary values exact, integers stepped, dates by
 * day), and every proposal is re-evaluated with the compiled conditions: a
 * proposal is kept only if the rule then holds and no higher-priority rule
 * overrides the headline.
 *
 * Facts that may be changed: inputs not marked `x-immutable` (nor the matter
 * selector), derived facts none of whose inputs is immutable, and any fact not
 * yet known (it is still to be ascertained: "若经核实…").
 */

/** Alternatives kept per condition node; the smallest are found first, more only cost time. */
const KEEP = 6;
/** Counterfactuals given per pathway: the minimal one and equally small alternatives. */
const PER_RULE = 3;

interface Constraint {
  readonly fact: string;
  readonly path: string | undefined;
  readonly operator: string;
  /** A literal, or the current value of the fact compared with; undefined when that fact is unknown. */
  readonly value: unknown;
  /** The other fact a condition compares with: it is not itself changed. */
  readonly ref: string | undefined;
}

interface Solved {
  readonly changes: readonly Proposal[];
}

interface Proposal {
  readonly fact: string;
  readonly from: unknown;
  /** The value re-evaluated (a decimal for numbers). */
  readonly probe: unknown;
  readonly to: unknown;
  readonly relation: FactChange['relation'];
  readonly values?: readonly unknown[];
}

interface WhenNode {
  all?: WhenNode[];
  any?: WhenNode[];
  not?: WhenNode;
  fact?: string;
  operator?: string;
  value?: unknown;
  path?: string;
}

const NEGATE: Record<string, string> = {
  equal: 'notEqual',
  notEqual: 'equal',
  in: 'notIn',
  notIn: 'in',
  contains: 'doesNotContain',
  doesNotContain: 'contains',
  lessThan: 'greaterThanInclusive',
  greaterThanInclusive: 'lessThan',
  lessThanInclusive: 'greaterThan',
  greaterThan: 'lessThanInclusive',
  dateBefore: 'dateOnOrAfter',
  dateOnOrAfter: 'dateBefore',
  dateOnOrBefore: 'dateAfter',
  dateAfter: 'dateOnOrBefore',
};

/** The headline values that grant what was asked: `x-favourable`, or true for a boolean headline. */
export function favourableValues(rs: PreparedRuleSet, headline: string): readonly unknown[] {
  const def = rs.definition.outputs[headline];
  if (!def) return [];
  if (def['x-favourable']) return def['x-favourable'];
  return def.type === 'boolean' ? [true] : [];
}

export function counterfactuals(
  rs: PreparedRuleSet,
  values: ReadonlyMap<string, unknown>,
  headline: OutputValue,
  status: 'decided' | 'undetermined',
  traces: readonly RuleTrace[],
): Counterfactual[] {
  const favourable = favourableValues(rs, headline.id);
  if (favourable.length === 0) return [];
  if (status === 'decided' && favourable.some((v) => sameValue(v, headline.value))) return [];
  const ctx = new Context(rs, values);
  const out: Counterfactual[] = [];
  // Pathways closed at their top level by a known fact nobody can change (another place, another
  // kind of unit) do not concern this applicant; they are said only when no other pathway is left.
  const closed: Counterfactual[] = [];
  for (const rule of rs.rules) {
    const trace = traces[rule.index];
    if (!trace || trace.result === 'true') continue;
    const a = rule.assignments.get(headline.id);
    if (!a || a.kind !== 'literal' || !favourable.some((v) => sameValue(v, a.value))) continue;
    const when = rule.definition.when as WhenNode;
    // A rule for another matter is no pathway for this one.
    if (ctx.failsOnTop(when, (f) => rs.facts.get(f)?.selector === true)) continue;
    const found = ctx.forRule(rule, headline.id, a.value);
    if (ctx.failsOnTop(when, (f) => !ctx.isMutable(f))) closed.push(...found);
    else out.push(...found);
  }
  if (out.length > 0 || closed.length === 0) return out;
  const fewest = Math.min(...closed.map((c) => c.blocked_by?.length ?? 0));
  return closed.filter((c) => (c.blocked_by?.length ?? 0) === fewest);
}

function sameValue(a: unknown, b: unknown): boolean {
  return OPERATOR_FUNCTIONS.equal?.(a, b) === true;
}

class Context {
  private readonly mutable = new Map<string, boolean>();

  constructor(
    private readonly rs: PreparedRuleSet,
    private readonly values: ReadonlyMap<string, unknown>,
    /** Every fact changeable: to find which unchangeable facts stand in the way. */
    private readonly relaxed = false,
  ) {}

  /** A condition of the rule's top level, on a known fact of the kind given, fails. */
  failsOnTop(when: WhenNode, kind: (fact: string) => boolean): boolean {
    const top = when.all ?? [when];
    return top.some((c) => {
      if (c.fact === undefined || !kind(c.fact)) return false;
      const v = this.values.get(c.fact);
      return v !== undefined && v !== null && !this.satisfied(constraintOf(c, false, this.values));
    });
  }

  forRule(rule: PreparedRule, headline: string, value: unknown): Counterfactual[] {
    const options = this.options(rule.definition.when as WhenNode, false);
    const display = this.outputDisplay(headline, value);
    const title = rule.definition.title;
    const found: Counterfactual[] = [];
    let best = Infinity;
    for (const option of options) {
      const solved = this.solve(option);
      if (!solved || solved.changes.length === 0 || solved.changes.length > best) continue;
      if (!this.verify(rule, headline, solved)) continue;
      best = solved.changes.length;
      const changes = solved.changes.map((p) => this.changeOf(p));
      found.push({
        rule: rule.id,
        title,
        reachable: true,
        changes,
        outcome: toPlain(value),
        outcome_display: display,
        text: `若${changes.map((c) => c.text).join('，且')}，可满足“${title}”，结论为：${display}。`,
      });
      if (found.length >= PER_RULE) break;
    }
    if (found.length > 0) return found;
    const blocked = new Context(this.rs, this.values, true).blockers(rule.definition.when as WhenNode, (f) => this.isMutable(f));
    return [
      {
        rule: rule.id,
        title,
        reachable: false,
        changes: [],
        outcome: toPlain(value),
        outcome_display: display,
        blocked_by: blocked,
        text: `“${title}”无法通过改变可变事实达到${blocked.length ? `（取决于不可改变的事实：${blocked.map((f) => this.title(f)).join('、')}）` : ''}。`,
      },
    ];
  }

  // ---- condition tree → alternative constraint sets ----

  private options(node: WhenNode, negated: boolean): Constraint[][] {
    if (node.not) return this.options(node.not, !negated);
    if (node.all || node.any) {
      const conjunction = (node.all !== undefined) !== negated;
      const children = ((node.all ?? node.any) as WhenNode[]).map((c) => this.options(c, negated));
      if (!conjunction) return this.best(children.flat());
      let acc: Constraint[][] = [[]];
      for (const child of children) {
        const next: Constraint[][] = [];
        for (const a of acc) for (const b of child) next.push(a.concat(b));
        acc = this.best(next);
        if (acc.length === 0) return [];
      }
      return acc;
    }
    return this.best([[constraintOf(node, negated, this.values)]]);
  }

  /** The feasible sets, fewest changes first, at most KEEP. */
  private best(options: Constraint[][]): Constraint[][] {
    const scored: { option: Constraint[]; cost: number }[] = [];
    for (const option of options) {
      const solved = this.solve(option);
      if (solved) scored.push({ option, cost: solved.changes.length });
    }
    scored.sort((a, b) => a.cost - b.cost);
    return scored.slice(0, KEEP).map((s) => s.option);
  }

  // ---- solving one constraint set ----

  private solve(option: readonly Constraint[]): Solved | undefined {
    const byFact = new Map<string, Constraint[]>();
    for (const c of option) {
      const key = c.path === undefined ? c.fact : `${c.fact}\u0000${c.path}`;
      const list = byFact.get(key) ?? [];
      list.push(c);
      byFact.set(key, list);
    }
    const changes: Proposal[] = [];
    for (const list of byFact.values()) {
      const first = list[0] as Constraint;
      if (list.every((c) => this.satisfied(c))) continue;
      // Comparing with a fact not yet known, or inside an object value: nothing exact to propose.
      if (first.path !== undefined || list.some((c) => c.ref !== undefined && c.value === undefined)) return undefined;
      const current = this.values.get(first.fact);
      const known = current !== undefined && current !== null;
      if (known && !this.relaxed && !this.isMutable(first.fact)) return undefined;
      const proposal = this.valueFor(first.fact, list, known ? current : undefined);
      if (!proposal) return undefined;
      changes.push(proposal);
    }
    return { changes };
  }

  private satisfied(c: Constraint): boolean {
    const v = this.read(c.fact, c.path);
    if (v === undefined || v === null || c.value === undefined || c.value === null) return false;
    return OPERATOR_FUNCTIONS[c.operator]?.(v, c.value) === true;
  }

  private read(fact: string, path: string | undefined): unknown {
    const v = this.values.get(fact);
    if (path === undefined || v === null || typeof v !== 'object') return v;
    return undefined;
  }

  /** The nearest value meeting every constraint on one fact, or undefined when none can. */
  private valueFor(fact: string, list: readonly Constraint[], current: unknown): Proposal | undefined {
    const info = this.rs.facts.get(fact);
    if (!info) return undefined;
    const from = current === undefined ? null : this.isInteger(fact) ? asDecimal(current)?.toNumber() ?? toPlain(current) : toPlain(current);
    const meets = (v: unknown) => list.every((c) => OPERATOR_FUNCTIONS[c.operator]?.(v, c.value) === true);
    if (info.kind === 'boolean') {
      const v = [true, false].find(meets);
      return v === undefined ? undefined : { fact, from, probe: v, to: v, relation: 'equal' };
    }
    if (info.kind === 'string' || (info.enum && info.kind !== 'number')) {
      const candidates = info.enum ?? list.filter((c) => c.operator === 'equal' || c.operator === 'in').flatMap((c) => (Array.isArray(c.value) ? c.value : [c.value]));
      const ok = candidates.filter(meets);
      if (ok.length === 0) return undefined;
      return ok.length === 1 ? { fact, from, probe: ok[0], to: ok[0], relation: 'equal' } : { fact, from, probe: ok[0], to: ok[0], relation: 'one_of', values: ok };
    }
    if (info.kind === 'number') return this.numberFor(fact, list, current, from, meets);
    if (info.kind === 'date') return this.dateFor(fact, list, current, from, meets);
    return undefined;
  }

  private numberFor(fact: string, list: readonly Constraint[], current: unknown, from: unknown, meets: (v: unknown) => boolean): Proposal | undefined {
    const integer = this.isInteger(fact);
    const eq = list.find((c) => c.operator === 'equal' || (c.operator === 'in' && Array.isArray(c.value)));
    if (eq) {
      const candidates = eq.operator === 'equal' ? [eq.value] : (eq.value as unknown[]);
      for (const v of candidates) {
        const d = asDecimal(v);
        if (d && meets(d) && this.withinInput(fact, d)) return { fact, from, probe: d, to: numberOut(d, integer), relation: 'equal' };
      }
      return undefined;
    }
    // The interval the constraints leave, with the side that binds.
    let lo: { v: Decimal; strict: boolean } | undefined;
    let hi: { v: Decimal; strict: boolean } | undefined;
    for (const c of list) {
      const d = asDecimal(c.value);
      if (!d) continue;
      if (c.operator === 'greaterThan' || c.operator === 'greaterThanInclusive') {
        const strict = c.operator === 'greaterThan';
        if (!lo || d.gt(lo.v) || (d.eq(lo.v) && strict)) lo = { v: d, strict };
      } else if (c.operator === 'lessThan' || c.operator === 'lessThanInclusive') {
        const strict = c.operator === 'lessThan';
        if (!hi || d.lt(hi.v) || (d.eq(hi.v) && strict)) hi = { v: d, strict };
      }
    }
    const cur = current === undefined ? undefined : asDecimal(current);
    const tryLow = (): Proposal | undefined => {
      if (!lo) return undefined;
      if (integer) {
        const v = lo.strict ? lo.v.floor().plus(1) : lo.v.ceil();
        return meets(v) && this.withinInput(fact, v) ? { fact, from, probe: v, to: numberOut(v, true), relation: 'at_least' } : undefined;
      }
      if (!lo.strict) return meets(lo.v) && this.withinInput(fact, lo.v) ? { fact, from, probe: lo.v, to: decimalText(lo.v), relation: 'at_least' } : undefined;
      const probe = lo.v.plus(epsilon(lo.v));
      return meets(probe) && this.withinInput(fact, probe) ? { fact, from, probe, to: decimalText(lo.v), relation: 'more_than' } : undefined;
    };
    const tryHigh = (): Proposal | undefined => {
      if (!hi) return undefined;
      if (integer) {
        const v = hi.strict ? hi.v.ceil().minus(1) : hi.v.floor();
        return meets(v) && this.withinInput(fact, v) ? { fact, from, probe: v, to: numberOut(v, true), relation: 'at_most' } : undefined;
      }
      if (!hi.strict) return meets(hi.v) && this.withinInput(fact, hi.v) ? { fact, from, probe: hi.v, to: decimalText(hi.v), relation: 'at_most' } : undefined;
      const probe = hi.v.minus(epsilon(hi.v));
      return meets(probe) && this.withinInput(fact, probe) ? { fact, from, probe, to: decimalText(hi.v), relation: 'less_than' } : undefined;
    };
    // Move the value the least: up to the lower bound when below it, down to the upper when above.
    if (cur && hi && (hi.strict ? cur.gte(hi.v) : cur.gt(hi.v))) return tryHigh() ?? tryLow();
    return tryLow() ?? tryHigh();
  }

  private dateFor(fact: string, list: readonly Constraint[], current: unknown, from: unknown, meets: (v: unknown) => boolean): Proposal | undefined {
    const eq = list.find((c) => c.operator === 'equal');
    if (eq) return typeof eq.value === 'string' && meets(eq.value) ? { fact, from, probe: eq.value, to: eq.value, relation: 'equal' } : undefined;
    let lo: string | undefined;
    let hi: string | undefined;
    const shift = (d: string, n: number) => {
      const p = parseDate(d);
      return p ? formatDate(addDays(p, n)) : undefined;
    };
    for (const c of list) {
      if (typeof c.value !== 'string') continue;
      const bound = c.operator === 'dateAfter' ? shift(c.value, 1) : c.operator === 'dateBefore' ? shift(c.value, -1) : c.value;
      if (!bound) continue;
      if (c.operator === 'dateAfter' || c.operator === 'dateOnOrAfter') lo = lo === undefined || bound > lo ? bound : lo;
      if (c.operator === 'dateBefore' || c.operator === 'dateOnOrBefore') hi = hi === undefined || bound < hi ? bound : hi;
    }
    const cur = typeof current === 'string' ? current : undefined;
    const low = lo !== undefined && meets(lo) ? ({ fact, from, probe: lo, to: lo, relation: 'at_least' } as Proposal) : undefined;
    const high = hi !== undefined && meets(hi) ? ({ fact, from, probe: hi, to: hi, relation: 'at_most' } as Proposal) : undefined;
    if (cur !== undefined && hi !== undefined && cur > hi) return high ?? low;
    return low ?? high;
  }

  private isInteger(fact: string): boolean {
    const input = this.rs.definition.inputs.properties[fact];
    if (input) return input.type === 'integer';
    return this.rs.definition.derived?.find((d) => d.id === fact)?.type === 'integer';
  }

  /** A proposal must itself be an answer the form accepts. */
  private withinInput(fact: string, v: Decimal): boolean {
    const p = this.rs.definition.inputs.properties[fact];
    if (!p) return true;
    if (typeof p.minimum === 'number' && v.lt(p.minimum)) return false;
    if (typeof p.maximum === 'number' && v.gt(p.maximum)) return false;
    if (typeof p.exclusiveMinimum === 'number' && v.lte(p.exclusiveMinimum)) return false;
    if (typeof p.exclusiveMaximum === 'number' && v.gte(p.exclusiveMaximum)) return false;
    return true;
  }

  /** Changeable by the applicant: not immutable, not the matter asked, not computed from an immutable fact. */
  isMutable(fact: string): boolean {
    let m = this.mutable.get(fact);
    if (m !== undefined) return m;
    const info = this.rs.facts.get(fact);
    if (!info || info.origin === 'context' || info.selector) m = false;
    else if (info.origin === 'input') m = this.rs.definition.inputs.properties[fact]?.['x-immutable'] !== true;
    else {
      const d = this.rs.derived.find((x) => x.id === fact);
      m = d !== undefined && d.inputs.every((i) => i === 'as_of' || this.isMutable(i));
    }
    this.mutable.set(fact, m);
    return m;
  }

  // ---- verification with the compiled conditions ----

  private verify(rule: PreparedRule, headline: string, solved: Solved): boolean {
    const values = new Map(this.values);
    const overridden = new Set<string>();
    for (const p of solved.changes) {
      values.set(p.fact, p.probe);
      overridden.add(p.fact);
    }
    // Derived facts follow changed inputs; a derived fact proposed directly keeps its proposed value.
    for (const d of this.rs.derived) {
      if (overridden.has(d.id)) continue;
      if (!d.formula.symbols.every((s) => values.has(s))) {
        values.delete(d.id);
        continue;
      }
      try {
        values.set(d.id, d.formula.evaluate(values));
      } catch {
        return false;
      }
    }
    const compiled = this.rs.compiled;
    const slots = readSlots(compiled, values);
    const codes = new Uint8Array(compiled.nodeCount);
    const held = compiled.rules.map((r) => r.run(slots, codes) === CODE_TRUE);
    if (!held[rule.index]) return false;
    // A higher-priority rule that now holds and sets the headline otherwise would still decide it.
    for (const other of this.rs.rules) {
      if (!held[other.index] || other.priority <= rule.priority) continue;
      const a = other.assignments.get(headline);
      const mine = rule.assignments.get(headline);
      if (a && mine && mine.kind === 'literal' && !(a.kind === 'literal' && sameValue(a.value, mine.value))) return false;
    }
    return true;
  }

  // ---- words ----

  private changeOf(p: Proposal): FactChange {
    const info = this.rs.facts.get(p.fact) as FactInfo;
    const title = info.title;
    const sought = p.from === null;
    const show = (v: unknown) => renderValue(v, info);
    const date = info.kind === 'date';
    let phrase: string;
    switch (p.relation) {
      case 'equal':
        phrase = info.kind === 'boolean' ? `“${title}”为“${show(p.to)}”` : `${title}为${show(p.to)}`;
        break;
      case 'one_of':
        phrase = `${title}为${orList((p.values ?? []).map(show))}`;
        break;
      case 'at_least':
        phrase = date ? `${title}不早于 ${show(p.to)}` : `${title}达到 ${show(p.to)}`;
        break;
      case 'more_than':
        phrase = `${title}超过 ${show(p.to)}`;
        break;
      case 'at_most':
        phrase = date ? `${title}不晚于 ${show(p.to)}` : `${title}不超过 ${show(p.to)}`;
        break;
      default:
        phrase = `${title}低于 ${show(p.to)}`;
    }
    const change: FactChange = { fact: p.fact, title, from: p.from, to: p.to, relation: p.relation, text: sought ? `经核实${phrase}` : phrase };
    if (p.values) change.values = p.values.map((v) => toPlain(v));
    return change;
  }

  private outputDisplay(output: string, value: unknown): string {
    const def = this.rs.definition.outputs[output];
    return def?.['x-value-titles']?.[String(value)] ?? renderValue(value);
  }

  private title(fact: string): string {
    return this.rs.facts.get(fact)?.title ?? fact;
  }

  /** The unchangeable facts the smallest change would have to change (this context is relaxed). */
  blockers(when: WhenNode, mutable: (fact: string) => boolean): string[] {
    // Every smallest way, so "a child of 24" names both the relation and the age.
    const out = new Set<string>();
    let best = Infinity;
    for (const option of this.options(when, false)) {
      const solved = this.solve(option);
      if (!solved || solved.changes.length > best) continue;
      best = solved.changes.length;
      for (const p of solved.changes) if (p.from !== null && !mutable(p.fact)) out.add(p.fact);
    }
    return [...out];
  }
}

function constraintOf(node: WhenNode, negated: boolean, values: ReadonlyMap<string, unknown>): Constraint {
  const operator = negated ? (NEGATE[node.operator as string] ?? (node.operator as string)) : (node.operator as string);
  const v = node.value;
  const isRef = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, 'fact');
  if (isRef) {
    const ref = (v as { fact: string }).fact;
    const refValue = values.get(ref);
    return { fact: node.fact as string, path: node.path, operator, value: refValue === null ? undefined : refValue, ref };
  }
  return { fact: node.fact as string, path: node.path, operator, value: v, ref: undefined };
}

/** Below the last digit of a decimal bound: the smallest step a "more than" probe takes. */
function epsilon(v: Decimal): Decimal {
  return toDecimal(1).div(toDecimal(10).pow(v.decimalPlaces() + 6));
}

function numberOut(v: Decimal, integer: boolean): unknown {
  return integer ? v.toNumber() : decimalText(v);
}

/** 甲、乙或丙 */
function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join('、')}或${items[items.length - 1] as string}`;
}
