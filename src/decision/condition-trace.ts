import type { ConditionTrace, FactCheck, Truth } from '../generated/decision.js';
import type { FactInfo } from '../load/fact-catalogue.js';
import { toPlain } from '../eval/decimal.js';
import { requirementText, renderValue } from './render.js';
import { TRUTH_OF_CODE, type LeafRead } from '../eval/compile.js';

/**
 * json-rules-engine answers true/false; we need three values. A condition on a
 * fact that was not supplied is `unknown` (never false, never 0), and the
 * boolean nodes combine by Kleene's logic: all = false if any child is false,
 * any = true if any child is true, otherwise unknown while a child is.
 */
interface EngineNode {
  all?: EngineNode[];
  any?: EngineNode[];
  not?: EngineNode;
  fact?: string;
  operator?: string;
  value?: unknown;
  path?: string;
  factResult?: unknown;
  valueResult?: unknown;
  result?: boolean;
}

/**
 * What a condition's trace says whatever the facts: built once per rule when
 * the rule set is prepared, so a decision does not re-render the requirement
 * text of every condition it explains. Mirrors the rule's `when` tree, which
 * is also the shape of the engine's result tree.
 */
export type ConditionTemplate =
  | { readonly kind: 'all' | 'any' | 'not'; readonly children: readonly ConditionTemplate[] }
  | {
      readonly kind: 'fact';
      readonly fact: string;
      readonly operator: string;
      readonly info: FactInfo | undefined;
      readonly path: string | undefined;
      /** The other fact a condition compares with (`value: {fact: …}`). */
      readonly ref: string | undefined;
      /** The literal compared with, as the trace shows it (absent for a fact reference). */
      readonly expected: unknown;
      /** The requirement in Chinese (absent for a fact reference: it names the other fact's value). */
      readonly text: string | undefined;
    };

interface WhenNode {
  all?: WhenNode[];
  any?: WhenNode[];
  not?: WhenNode;
  fact?: string;
  operator?: string;
  value?: unknown;
  path?: string;
}

export function conditionTemplate(when: unknown, facts: ReadonlyMap<string, FactInfo>): ConditionTemplate {
  const node = when as WhenNode;
  if (node.all) return { kind: 'all', children: node.all.map((c) => conditionTemplate(c, facts)) };
  if (node.any) return { kind: 'any', children: node.any.map((c) => conditionTemplate(c, facts)) };
  if (node.not) return { kind: 'not', children: [conditionTemplate(node.not, facts)] };
  const fact = node.fact as string;
  const operator = node.operator as string;
  const info = facts.get(fact);
  const ref = isFactRef(node.value) ? node.value.fact : undefined;
  const expected = ref ? undefined : node.value === undefined ? null : toPlain(node.value);
  return { kind: 'fact', fact, operator, info, path: node.path, ref, expected, text: ref ? undefined : requirementText(info, fact, operator, node.value, undefined, false) };
}

/** Per decision: a fact's value and its display, computed once however many conditions read it. */
export type ActualCache = Map<string, { readonly plain: unknown; readonly display: string }>;

export function traceCondition(node: EngineNode, template: ConditionTemplate, facts: ReadonlyMap<string, FactInfo>, cache: ActualCache): ConditionTrace {
  if (template.kind === 'fact') return leaf(node, template, facts, cache);
  const list = template.kind === 'not' ? [node.not as EngineNode] : ((template.kind === 'all' ? node.all : node.any) as EngineNode[]);
  const children: ConditionTrace[] = [];
  for (let i = 0; i < list.length; i++) children.push(traceCondition(list[i] as EngineNode, template.children[i] as ConditionTemplate, facts, cache));
  return combine(template.kind, children);
}

function leaf(node: EngineNode, t: Extract<ConditionTemplate, { kind: 'fact' }>, facts: ReadonlyMap<string, FactInfo>, cache: ActualCache): FactCheck {
  const actual = node.factResult;
  const expected = t.ref ? node.valueResult : undefined;
  let result: Truth;
  if (node.result === undefined) result = 'not_evaluated';
  else if (actual === undefined || actual === null || (t.ref !== undefined && (expected === undefined || expected === null))) result = 'unknown';
  else result = node.result ? 'true' : 'false';
  return factCheck(t, actual, expected, result, facts, cache);
}

/**
 * The trace of a condition from a compiled evaluation's codes (src/eval/compile.ts):
 * the same tree traceCondition builds from the engine's result, node for node.
 */
export function traceFromCodes(
  template: ConditionTemplate,
  codes: Uint8Array,
  at: { i: number },
  leaves: readonly (LeafRead | undefined)[],
  v: readonly unknown[],
  facts: ReadonlyMap<string, FactInfo>,
  cache: ActualCache,
): ConditionTrace {
  const index = at.i++;
  const result = TRUTH_OF_CODE[codes[index] as number] as Truth;
  if (template.kind === 'fact') {
    // A condition left unevaluated read nothing, as in the engine's tree.
    if (result === 'not_evaluated') return factCheck(template, undefined, undefined, result, facts, cache);
    const read = leaves[index] as LeafRead;
    return factCheck(template, read.actual(v), template.ref && read.expected ? read.expected(v) : undefined, result, facts, cache);
  }
  const children: ConditionTrace[] = [];
  for (const c of template.children) children.push(traceFromCodes(c, codes, at, leaves, v, facts, cache));
  return { kind: template.kind, result, children };
}

function factCheck(
  t: Extract<ConditionTemplate, { kind: 'fact' }>,
  actual: unknown,
  expected: unknown,
  result: Truth,
  facts: ReadonlyMap<string, FactInfo>,
  cache: ActualCache,
): FactCheck {
  // Every condition on one fact (without a path) reads the same value.
  const key = t.path === undefined ? t.fact : `${t.fact}\u0000${t.path}`;
  let shown = actual === undefined ? undefined : cache.get(key);
  if (shown === undefined) {
    shown = { plain: actual === undefined ? null : toPlain(actual), display: renderValue(actual, t.info) };
    if (actual !== undefined) cache.set(key, shown);
  }
  // Built by assignment, not spreads: this runs for every condition of every decision.
  const check: FactCheck = {
    kind: 'fact',
    fact: t.fact,
    operator: t.operator,
    expected: t.ref ? (expected === undefined ? null : toPlain(expected)) : t.expected,
    actual: shown.plain,
    actual_display: shown.display,
    result,
    text: t.text ?? requirementText(t.info, t.fact, t.operator, expected, facts.get(t.ref as string), false),
  };
  if (t.info) check.title = t.info.title;
  if (t.path) check.path = t.path;
  if (t.ref) check.expected_fact = t.ref;
  return check;
}

function isFactRef(v: unknown): v is { fact: string } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { fact?: unknown }).fact === 'string';
}

function combine(kind: 'all' | 'any' | 'not', children: ConditionTrace[]): ConditionTrace {
  // Counted in one pass, without intermediate arrays: this runs for every boolean node of every decision.
  let yes = 0;
  let no = 0;
  let skipped = 0;
  for (const c of children) {
    if (c.result === 'true') yes += 1;
    else if (c.result === 'false') no += 1;
    else if (c.result === 'not_evaluated') skipped += 1;
  }
  const n = children.length;
  let result: Truth;
  if (kind === 'not') {
    const r = children[0]?.result;
    result = r === 'true' ? 'false' : r === 'false' ? 'true' : (r ?? 'unknown');
  } else if (kind === 'all') {
    result = no > 0 ? 'false' : yes === n ? 'true' : 'unknown';
  } else {
    result = yes > 0 ? 'true' : no === n ? 'false' : 'unknown';
  }
  if (result === 'unknown' && skipped === n) result = 'not_evaluated';
  return { kind, result, children };
}

/**
 * The conditions that made a rule fail: false leaves under all/any, and true
 * leaves under a not (reported as "不应…").
 */
export function culprits(node: ConditionTrace, facts: ReadonlyMap<string, FactInfo>, polarity = true): FactCheck[] {
  if (node.kind === 'fact') {
    const failed = polarity ? node.result === 'false' : node.result === 'true';
    if (!failed) return [];
    if (polarity) return [node];
    const info = facts.get(node.fact);
    const ref = node.expected_fact;
    return [{ ...node, text: requirementText(info, node.fact, node.operator, node.expected, ref ? facts.get(ref) : undefined, true) }];
  }
  if (node.kind === 'not') return node.children.flatMap((c) => culprits(c, facts, !polarity));
  const bad = polarity ? 'false' : 'true';
  return node.children.filter((c) => c.result === bad).flatMap((c) => culprits(c, facts, polarity));
}

/** Facts whose absence left a condition unknown. */
export function unknownFacts(node: ConditionTrace): string[] {
  if (node.kind === 'fact') {
    if (node.result !== 'unknown') return [];
    const out: string[] = [];
    if (node.actual === null) out.push(node.fact);
    if (node.expected_fact && node.expected === null) out.push(node.expected_fact);
    return out;
  }
  // A decided branch (true, or an all() with one false child) needs nothing more.
  if (node.result !== 'unknown') return [];
  return node.children.filter((c) => c.result !== 'true' && c.result !== 'false').flatMap(unknownFacts);
}

/** Every fact check in the tree, for coverage. */
export function leaves(node: ConditionTrace): FactCheck[] {
  return node.kind === 'fact' ? [node] : node.children.flatMap(leaves);
}
