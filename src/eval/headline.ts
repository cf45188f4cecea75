import type { PreparedRuleSet } from '../load/prepared-rule-set.js';

/**
 * The output a decision leads with. One rule set may answer several
 * questions (its x-selector fact picks one); where a question's answer is not
 * the general headline — the instalment amounts in a compliance rule set —
 * `matter_outcomes` names that matter's own headline, so a decision is not
 * left "undetermined" for want of facts the question does not need.
 */
export function headlineId(rs: PreparedRuleSet, values: ReadonlyMap<string, unknown>): string {
  const selector = rs.definition.matter_outcomes ? selectorFact(rs) : undefined;
  return headlineForMatter(rs, selector === undefined ? undefined : values.get(selector));
}

/** headlineId given the selector fact's value (the compiled evaluator reads it from its values array). */
export function headlineForMatter(rs: PreparedRuleSet, matter: unknown): string {
  const byMatter = rs.definition.matter_outcomes;
  if (byMatter && typeof matter === 'string' && Object.prototype.hasOwnProperty.call(byMatter, matter)) return byMatter[matter] as string;
  return rs.definition.outcome;
}

const selectors = new WeakMap<PreparedRuleSet, string | undefined>();

/** The rule set's matter selector (the first x-selector input), looked up once per version. */
export function selectorFact(rs: PreparedRuleSet): string | undefined {
  if (selectors.has(rs)) return selectors.get(rs);
  let found: string | undefined;
  for (const f of rs.facts.values()) {
    if (f.selector && f.origin === 'input') {
      found = f.id;
      break;
    }
  }
  selectors.set(rs, found);
  return found;
}
