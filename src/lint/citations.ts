import type { Finding } from '../errors/finding.js';
import { lintFinding, allAmbiguities, type LintContext } from './lint-context.js';

/**
 * Rules are law: a rule whose clause says nothing a reader can find in the
 * text, and an ambiguity recorded without a real resolution or without a test
 * pinning it, are reported. (The schema already requires a citation and a
 * non-empty clause; these catch the blank and the placeholder.)
 */
const PLACEHOLDER = /^(todo|tbd|fixme|xxx|\?+|？+|待定|待补|暂无|无|略|-+|…+|\.+)$/i;
/** A clause must name where in the document: a 篇/章/条/款 mark, a list number such as 二(二)1, or a digit. */
const CLAUSE_MARK = /[篇章节条款项第一二三四五六七八九十百（()）\d]/;

export function checkCitations(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  ctx.definition.rules.forEach((rule, i) => {
    const clause = rule.citation.clause.trim();
    if (clause.length < 2 || PLACEHOLDER.test(clause) || !CLAUSE_MARK.test(clause)) {
      out.push(
        lintFinding(
          ctx,
          'LINT_CITATION_WEAK',
          `/rules/${i}/citation/clause`,
          { zh: `规则 ${rule.id} 的引用条款“${clause}”未指明篇、条或款（例如“篇3 二(二)1”），读者无法在原文中找到依据`, en: `rule ${rule.id} cites clause "${clause}", which names no 篇/条/款 of the text` },
          'warning',
          [rule.id],
        ),
      );
    }
  });
  return out;
}

export function checkAmbiguities(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  const names = ctx.suite ? new Set(ctx.suite.cases.map((c) => c.name)) : undefined;
  for (const { ambiguity: a, pointer, rule } of allAmbiguities(ctx.definition)) {
    const rules = rule ? [rule] : [];
    if (PLACEHOLDER.test(a.resolution.trim()) || a.resolution.trim().length < 2) {
      out.push(lintFinding(ctx, 'LINT_AMBIGUITY_UNRESOLVED', `${pointer}/resolution`, { zh: `歧义 ${a.id} 的处理办法“${a.resolution.trim()}”不是实际的处理办法：应写明采用哪种理解及理由`, en: `ambiguity ${a.id} has no real resolution ("${a.resolution.trim()}")` }, 'error', rules));
    }
    const tests = a.tests ?? [];
    if (tests.length === 0) {
      out.push(lintFinding(ctx, 'LINT_AMBIGUITY_UNTESTED', `${pointer}/id`, { zh: `歧义 ${a.id} 没有列出固定其处理办法的测试用例（tests）`, en: `ambiguity ${a.id} lists no test case pinning its resolution` }, 'warning', rules));
      continue;
    }
    if (!names) continue;
    for (const [k, t] of tests.entries()) {
      if (names.has(t)) continue;
      out.push(lintFinding(ctx, 'LINT_AMBIGUITY_UNTESTED', `${pointer}/tests/${k}`, { zh: `歧义 ${a.id} 所列测试用例“${t}”在测试文件中不存在`, en: `ambiguity ${a.id} names test case "${t}", which does not exist` }, 'error', rules));
    }
  }
  return out;
}
