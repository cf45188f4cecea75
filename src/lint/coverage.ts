import type { Finding } from '../errors/finding.js';
import { formatMessage } from '../errors/catalogue.js';
import { lintFinding, type LintContext } from './lint-context.js';
import { leafPointers } from './fact-constraint.js';

/**
 * What the rule set's own tests prove: each rule should be seen holding and
 * not holding, each condition true and false (MC/DC-lite). Coverage comes
 * from runSuite over this very version; failing cases are errors.
 */
export function checkCoverage(ctx: LintContext): Finding[] {
  const result = ctx.suiteResult;
  if (!result) {
    return [lintFinding(ctx, 'LINT_NO_TESTS', '/id', { zh: `规则集 ${ctx.definition.id} 旁没有测试文件（${ctx.suiteFile ?? '<name>.test.yaml'}），无法检验规则与歧义处理`, en: `rule set ${ctx.definition.id} has no test file beside it` }, 'warning')];
  }
  const out: Finding[] = [...result.findings];
  for (const c of result.cases) {
    if (c.ok) continue;
    out.push({
      code: 'LINT_TEST_FAILS',
      severity: 'error',
      file: result.file,
      line: c.line,
      column: 1,
      pointer: '',
      message: formatMessage('LINT_TEST_FAILS', { detail: `“${c.name}”：${c.failures.join('；')}` }, 'zh'),
      message_en: formatMessage('LINT_TEST_FAILS', { detail: `"${c.name}": ${c.failures.join('; ')}` }, 'en'),
    });
  }
  const { rules, conditions } = result.coverage;
  ctx.definition.rules.forEach((rule, i) => {
    const seen = rules.get(rule.id) ?? { true: false, false: false };
    if (!seen.true) {
      out.push(lintFinding(ctx, 'LINT_COVERAGE_RULE', `/rules/${i}/id`, { zh: `没有任何测试用例使规则 ${rule.id}（${rule.title}）成立`, en: `no test case makes rule ${rule.id} hold` }, 'warning', [rule.id]));
    }
    if (!seen.false) {
      out.push(lintFinding(ctx, 'LINT_COVERAGE_RULE', `/rules/${i}/id`, { zh: `没有任何测试用例使规则 ${rule.id}（${rule.title}）不成立`, en: `no test case makes rule ${rule.id} fail` }, 'info', [rule.id]));
    }
    leafPointers(rule.when, `/rules/${i}/when`).forEach((leaf, k) => {
      const c = conditions.get(`${rule.id}#${k}`) ?? { true: false, false: false, text: `${leaf.condition.fact} ${leaf.condition.operator}` };
      if (c.true && c.false) return;
      const never = [!c.true ? '为真' : '', !c.false ? '为假' : ''].filter(Boolean).join('或');
      const neverEn = [!c.true ? 'true' : '', !c.false ? 'false' : ''].filter(Boolean).join(' or ');
      out.push(lintFinding(ctx, 'LINT_COVERAGE_CONDITION', leaf.pointer, { zh: `规则 ${rule.id} 的条件“${c.text}”在测试中从未${never}`, en: `condition ${leaf.condition.fact} ${leaf.condition.operator} of rule ${rule.id} was never ${neverEn} in the tests` }, 'info', [rule.id]));
    });
  });
  return out;
}
