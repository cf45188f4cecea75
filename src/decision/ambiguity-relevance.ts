import type { ConditionTrace, Decision, FactCheck, OutputValue, RuleTrace } from '../generated/decision.js';
import type { Ambiguity, AmbiguityConcern } from '../generated/rule-set.js';
import type { PreparedRuleSet, AmbiguityNote } from '../load/prepared-rule-set.js';
import { forAnotherMatter } from './grounds.js';

/**
 * Which ambiguity notes a decision shows. A note names what it concerns
 * (`concerns` in the rule set) and is shown when the decision turns on it,
 * either way: a matching condition was evaluated, its result is decided, and
 * it decided its rule or could change it — held or failed. So an owned home
 * let out is refused *with* the rented-housing note, and a family-reunion
 * decision no longer carries the birth-registration deadline note.
 *
 * A note without `concerns` keeps the old placement rule (the rule set's own
 * always, a derived fact's when computed, a rule's when it held); lint warns
 * about it.
 */
interface Entry {
  readonly note: AmbiguityNote;
  readonly concerns: Ambiguity['concerns'];
  readonly place: { readonly kind: 'ruleSet' } | { readonly kind: 'derived'; readonly id: string } | { readonly kind: 'rule'; readonly index: number };
}

interface Index {
  readonly entries: readonly Entry[];
  readonly ruleIndex: ReadonlyMap<string, number>;
  /** For a derived fact, the input facts it is computed from. */
  readonly derivedInputs: ReadonlyMap<string, readonly string[]>;
}

const indexes = new WeakMap<PreparedRuleSet, Index>();

function indexOf(rs: PreparedRuleSet): Index {
  let index = indexes.get(rs);
  if (index) return index;
  const notes = rs.ambiguityNotes;
  const def = rs.definition;
  const entries: Entry[] = [];
  (def.ambiguities ?? []).forEach((a, i) => entries.push({ note: notes.ruleSet[i] as AmbiguityNote, concerns: a.concerns, place: { kind: 'ruleSet' } }));
  for (const d of def.derived ?? []) {
    const list = notes.derived.get(d.id) ?? [];
    (d.ambiguities ?? []).forEach((a, i) => entries.push({ note: list[i] as AmbiguityNote, concerns: a.concerns, place: { kind: 'derived', id: d.id } }));
  }
  def.rules.forEach((r, ri) => {
    const list = notes.rules.get(ri) ?? [];
    (r.ambiguities ?? []).forEach((a, i) => entries.push({ note: list[i] as AmbiguityNote, concerns: a.concerns, place: { kind: 'rule', index: ri } }));
  });
  index = {
    entries,
    ruleIndex: new Map(rs.rules.map((r) => [r.id, r.index])),
    derivedInputs: new Map(rs.derived.map((d) => [d.id, d.inputs])),
  };
  indexes.set(rs, index);
  return index;
}

export function shownAmbiguities(rs: PreparedRuleSet, traces: readonly RuleTrace[], outputs: Record<string, OutputValue>, derived: Record<string, unknown>): Decision['ambiguities'] {
  const index = indexOf(rs);
  let relevant: (readonly FactCheck[] | null)[] | undefined;
  // Computed only if some note needs it: most decisions show few notes.
  const leavesOf = (ruleIndex: number): readonly FactCheck[] => {
    relevant ??= new Array<readonly FactCheck[] | null>(traces.length).fill(null);
    let list = relevant[ruleIndex];
    if (!list) {
      const trace = traces[ruleIndex] as RuleTrace;
      list = forAnotherMatter(trace.condition, rs.facts) ? [] : decidingLeaves(trace.condition);
      relevant[ruleIndex] = list;
    }
    return list;
  };
  const out: Decision['ambiguities'] = [];
  for (const e of index.entries) {
    if (e.concerns === undefined ? placedShown(e, traces, derived) : e.concerns === 'always' || e.concerns.some((c) => concernHit(c, index, traces, outputs, leavesOf))) out.push(e.note);
  }
  return out;
}

function placedShown(e: Entry, traces: readonly RuleTrace[], derived: Record<string, unknown>): boolean {
  if (e.place.kind === 'ruleSet') return true;
  if (e.place.kind === 'derived') return derived[e.place.id] !== null && derived[e.place.id] !== undefined;
  return traces[e.place.index]?.result === 'true';
}

function concernHit(
  c: AmbiguityConcern,
  index: Index,
  traces: readonly RuleTrace[],
  outputs: Record<string, OutputValue>,
  leavesOf: (ruleIndex: number) => readonly FactCheck[],
): boolean {
  if (c.output !== undefined) {
    const o = outputs[c.output];
    if (!o || (o.status !== 'set' && o.status !== 'default')) return false;
    return c.value === undefined || sameOrContains(o.value, c.value);
  }
  const matches = (leaf: FactCheck): boolean => {
    if (c.fact !== undefined && !reads(leaf.fact, c.fact, index) && !(leaf.expected_fact !== undefined && reads(leaf.expected_fact, c.fact, index))) return false;
    return c.value === undefined || sameOrContains(leaf.actual, c.value);
  };
  if (c.rule !== undefined) {
    const ri = index.ruleIndex.get(c.rule);
    return ri !== undefined && leavesOf(ri).some(matches);
  }
  for (let ri = 0; ri < traces.length; ri++) if (leavesOf(ri).some(matches)) return true;
  return false;
}

/** A condition on `used` reads `fact`: it is that fact, or a derived fact computed from it. */
function reads(used: string, fact: string, index: Index): boolean {
  return used === fact || (index.derivedInputs.get(used) ?? []).includes(fact);
}

/** The value, or one of the values, a concern names: met by the fact's (or output's) value, or by a list containing it. */
function sameOrContains(actual: unknown, value: AmbiguityConcern['value']): boolean {
  if (actual === null || actual === undefined) return false;
  const wanted = Array.isArray(value) ? value.map(String) : [String(value)];
  if (Array.isArray(actual)) return actual.some((v) => wanted.includes(String(v)));
  return wanted.includes(String(actual));
}

/**
 * The decided conditions a rule's result turns on: under a node that holds,
 * the children that hold (each one is needed, or for an any is what made it
 * hold); under a node that fails, the children that fail (each is a ground);
 * under a node still open, the decided children that could tip it (true ones
 * of an all, false ones of an any) and the open ones, searched further.
 */
export function decidingLeaves(root: ConditionTrace): FactCheck[] {
  const out: FactCheck[] = [];
  const walk = (node: ConditionTrace): void => {
    if (node.kind === 'fact') {
      if (node.result === 'true' || node.result === 'false') out.push(node);
      return;
    }
    if (node.kind === 'not') {
      for (const c of node.children) walk(c);
      return;
    }
    for (const c of node.children) {
      if (c.result === 'not_evaluated') continue;
      if (node.result === 'true' || node.result === 'false') {
        if (c.result === node.result) walk(c);
      } else if (c.result === 'unknown' || c.result === (node.kind === 'all' ? 'true' : 'false')) walk(c);
    }
  };
  walk(root);
  return out;
}
