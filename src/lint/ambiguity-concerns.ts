import type { Finding } from '../errors/finding.js';
import { lintFinding, allAmbiguities, type LintContext } from './lint-context.js';

/**
 * Every ambiguity must name what it concerns (`concerns`), so that a
 * decision shows it exactly when it turns on it; and what it names must
 * exist, or the note would silently never be shown.
 */
export function checkAmbiguityConcerns(ctx: LintContext): Finding[] {
  const rs = ctx.definition;
  const out: Finding[] = [];
  const rules = new Set(rs.rules.map((r) => r.id));
  const facts = new Set(['as_of', ...Object.keys(rs.inputs.properties ?? {}), ...(rs.derived ?? []).map((d) => d.id)]);
  const outputs = new Set(Object.keys(rs.outputs));
  for (const { ambiguity: a, pointer, rule } of allAmbiguities(rs)) {
    const ids = rule ? [rule] : [];
    if (a.concerns === undefined) {
      out.push(lintFinding(ctx, 'LINT_AMBIGUITY_CONCERNS_UNSTATED', `${pointer}/id`, { zh: `歧义 ${a.id} 未写明涉及哪些条件或结果（concerns），决定无法判断何时提示它`, en: `ambiguity ${a.id} does not say what it concerns (concerns)` }, 'warning', ids));
      continue;
    }
    if (a.concerns === 'always') continue;
    a.concerns.forEach((c, k) => {
      const bad = c.rule !== undefined && !rules.has(c.rule) ? `规则 ${c.rule}` : c.fact !== undefined && !facts.has(c.fact) ? `事实 ${c.fact}` : c.output !== undefined && !outputs.has(c.output) ? `输出 ${c.output}` : undefined;
      if (!bad) return;
      out.push(lintFinding(ctx, 'LINT_AMBIGUITY_CONCERNS_UNSTATED', `${pointer}/concerns/${k}`, { zh: `歧义 ${a.id} 涉及的${bad} 不存在，这条提示永远不会显示`, en: `ambiguity ${a.id} concerns ${bad.replace(/^规则/, 'rule').replace(/^事实/, 'fact').replace(/^输出/, 'output')}, which does not exist` }, 'error', ids));
    });
  }
  return out;
}
