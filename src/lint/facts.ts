import type { Finding } from '../errors/finding.js';
import { lintFinding, type LintContext } from './lint-context.js';

/**
 * Facts declared and never read by any condition or formula (a caseworker
 * would be asked for them for nothing), and facts the rules read that no test
 * case ever supplies (their conditions are never exercised with a value).
 */
export function usedFacts(ctx: LintContext): Set<string> {
  const used = new Set<string>();
  for (const rule of ctx.ruleSet.rules) {
    for (const f of rule.facts) used.add(f);
    for (const a of rule.assignments.values()) if (a.kind === 'formula') for (const s of a.formula.symbols) used.add(s);
  }
  // Derived facts are in dependency order: walking backwards settles transitive use in one pass.
  for (const d of [...ctx.ruleSet.derived].reverse()) if (used.has(d.id)) for (const s of d.formula.symbols) used.add(s);
  return used;
}

export function checkFacts(ctx: LintContext): Finding[] {
  const rs = ctx.definition;
  const out: Finding[] = [];
  const used = usedFacts(ctx);
  for (const [id, p] of Object.entries(rs.inputs.properties)) {
    if (used.has(id)) continue;
    out.push(
      lintFinding(ctx, 'LINT_FACT_UNUSED', `/inputs/properties/${id}`, { zh: `输入事实 ${id}（${p.title}）没有任何条件或公式使用，办事人员会被白白询问`, en: `input fact ${id} is read by no condition or formula` }, 'warning', [], true),
    );
  }
  rs.derived?.forEach((d, i) => {
    if (used.has(d.id)) return;
    out.push(lintFinding(ctx, 'LINT_FACT_UNUSED', `/derived/${i}/id`, { zh: `派生事实 ${d.id}（${d.title}）没有任何条件或公式使用`, en: `derived fact ${d.id} is read by no condition or formula` }, 'warning'));
  });
  if (!ctx.suite) return out;
  const supplied = new Set(ctx.suite.cases.flatMap((c) => Object.keys(c.facts)));
  for (const [id, p] of Object.entries(rs.inputs.properties)) {
    if (!used.has(id) || supplied.has(id)) continue;
    out.push(
      lintFinding(ctx, 'LINT_FACT_UNTESTED', `/inputs/properties/${id}`, { zh: `输入事实 ${id}（${p.title}）在任何测试用例中都没有给出，依赖它的条件从未以实际值检验`, en: `input fact ${id} is supplied by no test case` }, 'warning', [], true),
    );
  }
  return out;
}
