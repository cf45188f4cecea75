import type { ConditionTrace, FactCheck, Truth } from '../generated/decision.js';
import type { FactInfo } from '../load/fact-catalogue.js';
import { toPlain } from '../eval/decimal.js';
import { requirementText, renderValue } from './render.js';

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

export function traceCondition(node: EngineNode, facts: ReadonlyMap<string, FactInfo>): ConditionTrace {
  if (node.all) return combine('all', node.all.map((c) => traceCondition(c, facts)));
  if (node.any) return combine('any', node.any.map((c) => traceCondition(c, facts)));
  if (node.not) return combine('not', [traceCondition(node.not, facts)]);
  return leaf(node, facts);
}

function leaf(node: EngineNode, facts: ReadonlyMap<string, FactInfo>): FactCheck {
  const fact = node.fact as string;
  const operator = node.operator as string;
  const ref = isFactRef(node.value) ? node.value.fact : undefined;
  const expected = ref ? node.valueResult : node.value;
  const actual = node.factResult;
  let result: Truth;
  if (node.result === undefined) result = 'not_evaluated';
  else if (actual === undefined || actual === null || (ref !== undefined && (expected === undefined || expected === null))) result = 'unknown';
  else result = node.result ? 'true' : 'false';
  const info = facts.get(fact);
  return {
    kind: 'fact',
    fact,
    ...(info ? { title: info.title } : {}),
    ...(node.path ? { path: node.path } : {}),
    operator,
    expected: toPlain(expected) ?? null,
    ...(ref ? { expected_fact: ref } : {}),
    actual: toPlain(actual) ?? null,
    actual_display: renderValue(actual, info),
    result,
    text: requirementText(info, fact, operator, expected, ref ? facts.get(ref) : undefined, false),
  };
}

function isFactRef(v: unknown): v is { fact: string } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { fact?: unknown }).fact === 'string';
}

function combine(kind: 'all' | 'any' | 'not', children: ConditionTrace[]): ConditionTrace {
  const results = children.map((c) => c.result);
  let result: Truth;
  if (kind === 'not') {
    const r = results[0];
    result = r === 'true' ? 'false' : r === 'false' ? 'true' : (r ?? 'unknown');
  } else if (kind === 'all') {
    result = results.includes('false') ? 'false' : results.every((r) => r === 'true') ? 'true' : 'unknown';
  } else {
    result = results.includes('true') ? 'true' : results.every((r) => r === 'false') ? 'false' : 'unknown';
  }
  if (result === 'unknown' && results.every((r) => r === 'not_evaluated')) result = 'not_evaluated';
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
