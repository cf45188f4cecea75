import type { ConditionTrace, FactCheck, Truth } from '../generated/decision.js';
import type { FactInfo } from '../load/fact-catalogue.js';
import { requirementText } from './render.js';

/**
 * The grounds of a rule that did not hold: every condition that is false and
 * every condition still unknown, wherever they sit in the condition tree.
 *
 * Why not only the false children of false nodes (what `failed` listed
 * before): a condition under a branch that is still unknown was hidden, e.g.
 * "现职工作年限应大于或等于 2 年" under the stable-job-or-livelihood `any`
 * while the livelihood alternative was unknown; the caseworker then fixed
 * the housing and the applicant was still refused. A branch that already
 * holds is not a ground (its false alternatives do not matter), so the walk
 * goes into every node that is not satisfied, from the rule's point of view
 * (under a `not`, a node is satisfied when it is false).
 */
export interface RuleGrounds {
  /** False conditions (true ones under a `not`), worded as what the rule requires. */
  readonly unmet: FactCheck[];
  /** Unknown conditions in branches that are not yet satisfied. */
  readonly pending: FactCheck[];
}

export function ruleGrounds(root: ConditionTrace, facts: ReadonlyMap<string, FactInfo>): RuleGrounds {
  const unmet: FactCheck[] = [];
  const pending: FactCheck[] = [];
  const walk = (node: ConditionTrace, polarity: boolean): void => {
    const satisfied = polarity ? 'true' : 'false';
    if (node.result === satisfied || node.result === 'not_evaluated') return;
    if (node.kind === 'fact') {
      const check = polarity ? node : negated(node, facts);
      if (node.result === 'unknown') pending.push(check);
      else unmet.push(check);
      return;
    }
    if (node.kind === 'not') {
      for (const c of node.children) walk(c, !polarity);
      return;
    }
    // Alternatives (an any; an all under a not) that split on a fact: the one the case is not.
    const alternatives = node.kind === (polarity ? 'any' : 'all');
    const skip = alternatives ? node.children.map((c) => otherCase(c, node.children, polarity)) : [];
    // Should every alternative look like another case, none is: the case fits no branch.
    const skipSome = skip.some((x) => !x);
    node.children.forEach((c, i) => {
      if (!(skipSome && skip[i])) walk(c, polarity);
    });
  };
  walk(root, true);
  return { unmet, pending };
}

/**
 * An alternative written for another case: it fails on a fact that a sibling
 * alternative meets, e.g. "迁入地所属区域应等于 四县" in the county branch of
 * an any whose city branch the applicant's 市区 meets. Listing it would tell a
 * caseworker in the city to move the applicant to a county.
 */
function otherCase(child: ConditionTrace, siblings: readonly ConditionTrace[], polarity: boolean): boolean {
  const satisfied = polarity ? 'true' : 'false';
  const unsatisfied = polarity ? 'false' : 'true';
  const failedOn = new Set<string>();
  for (const leaf of directLeaves(child)) if (leaf.result === unsatisfied && CASE_SPLIT.has(leaf.operator)) failedOn.add(leaf.fact);
  if (failedOn.size === 0) return false;
  for (const s of siblings) {
    if (s === child) continue;
    for (const leaf of directLeaves(s)) if (leaf.result === satisfied && CASE_SPLIT.has(leaf.operator) && failedOn.has(leaf.fact)) return true;
  }
  return false;
}

/** Categorical tests: a threshold met by a sibling (1 年 in the county branch) does not make a case. */
const CASE_SPLIT = new Set(['equal', 'in', 'notEqual', 'notIn']);

/** The leaf itself, or the leaves directly under a boolean node. */
function directLeaves(node: ConditionTrace): FactCheck[] {
  if (node.kind === 'fact') return [node];
  if (node.kind === 'not') return [];
  const out: FactCheck[] = [];
  for (const c of node.children) if (c.kind === 'fact') out.push(c);
  return out;
}

function negated(node: FactCheck, facts: ReadonlyMap<string, FactInfo>): FactCheck {
  const ref = node.expected_fact;
  return { ...node, text: requirementText(facts.get(node.fact), node.fact, node.operator, node.expected, ref ? facts.get(ref) : undefined, true) };
}

/**
 * A rule for another matter: it would still be false if every condition
 * except those on selector facts (x-selector, e.g. the matter applied for)
 * were met. Such a rule did not apply to this case and is no ground.
 *
 * The earlier test (every false condition is on a selector) let a rule for
 * another matter through as soon as the applicant also failed one of its
 * own conditions.
 */
export function forAnotherMatter(root: ConditionTrace, facts: ReadonlyMap<string, FactInfo>): boolean {
  return bestCase(root, facts, true) === 'false';
}

function bestCase(node: ConditionTrace, facts: ReadonlyMap<string, FactInfo>, polarity: boolean): Truth {
  if (node.kind === 'fact') {
    if (facts.get(node.fact)?.selector !== true) return polarity ? 'true' : 'false';
    return node.result === 'not_evaluated' ? 'unknown' : node.result;
  }
  if (node.kind === 'not') {
    const r = bestCase(node.children[0] as ConditionTrace, facts, !polarity);
    return r === 'true' ? 'false' : r === 'false' ? 'true' : r;
  }
  let yes = 0;
  let no = 0;
  for (const c of node.children) {
    const r = bestCase(c, facts, polarity);
    if (r === 'true') yes += 1;
    else if (r === 'false') no += 1;
  }
  const n = node.children.length;
  if (node.kind === 'all') return no > 0 ? 'false' : yes === n ? 'true' : 'unknown';
  return yes > 0 ? 'true' : no === n ? 'false' : 'unknown';
}

/** The facts a pending condition waits for: its own fact and the fact it compares with, when absent. */
export function pendingFacts(check: FactCheck): string[] {
  const out: string[] = [];
  if (check.actual === null) out.push(check.fact);
  if (check.expected_fact && check.expected === null) out.push(check.expected_fact);
  return out;
}
