import type { Finding } from '../errors/finding.js';
import { lintFinding, type LintContext } from './lint-context.js';

/**
 * Every output must say when it applies (applies_when): always, or only for
 * some values of the headline outcome. An output left unstated is shown on a
 * refusal as if decided (可随迁的家庭成员 for an applicant who may not settle),
 * so the question is asked of the encoder, not guessed by the engine.
 */
export function checkAppliesWhen(ctx: LintContext): Finding[] {
  const rs = ctx.definition;
  const out: Finding[] = [];
  // The headline is the rule set's outcome, or per matter one of matter_outcomes.
  const headlines = new Set([rs.outcome, ...Object.values(rs.matter_outcomes ?? {})]);
  let titles: Record<string, string> | undefined = {};
  for (const h of headlines) {
    const t = rs.outputs[h]?.['x-value-titles'];
    // A headline without titled values (an amount) can take any value: nothing to check against.
    if (!t) titles = undefined;
    else if (titles) Object.assign(titles, t);
  }
  for (const [id, def] of Object.entries(rs.outputs)) {
    const when = def.applies_when;
    const pointer = `/outputs/${id}`;
    if (when === undefined) {
      out.push(lintFinding(ctx, 'LINT_OUTPUT_APPLIES_UNSTATED', pointer, { zh: `输出 ${id}（${def.title}）未写明何时适用（applies_when：always，或 {outcome: [...]} 列出适用的结论）`, en: `output ${id} does not say when it applies (applies_when: always, or {outcome: [...]})` }, 'warning'));
      continue;
    }
    if (when === 'always') continue;
    if (headlines.has(id)) {
      out.push(lintFinding(ctx, 'LINT_OUTPUT_APPLIES_UNSTATED', `${pointer}/applies_when`, { zh: `标题结论 ${id} 只能总是适用（applies_when: always）`, en: `the headline outcome ${id} must apply always` }, 'error'));
      continue;
    }
    if (!titles) continue;
    const known = titles;
    when.outcome.forEach((v, k) => {
      if (String(v) in known) return;
      out.push(lintFinding(ctx, 'LINT_OUTPUT_APPLIES_UNSTATED', `${pointer}/applies_when/outcome/${k}`, { zh: `输出 ${id} 的适用结论 ${String(v)} 不是标题结论的取值（${Object.keys(titles ?? {}).join('、')}）`, en: `output ${id} applies when the headline is ${String(v)}, which is not one of its values` }, 'error'));
    });
  }
  return out;
}
