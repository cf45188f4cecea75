import type { Finding } from '../errors/finding.js';
import type { Registry } from '../load/registry.js';
import type { SourceTexts } from '../load/source-texts.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { formatMessage } from '../errors/catalogue.js';
import { lintText, type LintReport } from '../lint/lint-rule-set.js';

/**
 * The one gate every new version passes before it can be in force, whether
 * published through the API or saved in rules/ during development: it must
 * validate, lint without errors, and pass the rule set's tests (run with the
 * candidate among the versions, so each case meets the version in force on
 * its date). A version that fails never replaces the one in force.
 */
export type GateStage = 'validate' | 'lint' | 'tests' | 'version' | 'passed' | 'unchanged';

export interface GateResult {
  readonly ok: boolean;
  readonly stage: GateStage;
  /** Why it stopped (zh-CN), when it did. */
  readonly reason?: string;
  readonly findings: readonly Finding[];
  readonly lint?: LintReport;
  readonly tests?: { readonly file: string; readonly passed: number; readonly failed: number };
  readonly ruleSet?: PreparedRuleSet;
}

export interface GateOptions {
  readonly file: string;
  readonly registry: Registry;
  readonly sources: SourceTexts;
  readonly tests?: { readonly file: string; readonly text: string };
}

export async function gate(text: string, options: GateOptions): Promise<GateResult> {
  const report = await lintText(options.file, text, { sources: options.sources, registry: options.registry, ...(options.tests ? { tests: options.tests } : {}) });
  const rs = report.prepared;
  const base = { findings: report.findings, lint: report, ...(report.tests ? { tests: report.tests } : {}) };
  if (!rs) return { ok: false, stage: 'validate', reason: '规则集未通过校验', ...base };
  const existing = options.registry.get(rs.id, rs.version);
  if (existing) {
    if (existing.hash === rs.hash) return { ok: true, stage: 'unchanged', ...base, ruleSet: existing };
    return { ok: false, stage: 'version', reason: formatMessage('VERSION_EXISTS', { key: rs.id, found: rs.version }, 'zh'), ...base, ruleSet: rs };
  }
  if (!options.tests) return { ok: false, stage: 'tests', reason: '没有测试文件：发布前必须运行规则集的测试', ...base, ruleSet: rs };
  const failing = report.findings.filter((f) => f.severity === 'error' && f.code === 'LINT_TEST_FAILS');
  if (failing.length > 0 || (report.tests?.failed ?? 0) > 0) return { ok: false, stage: 'tests', reason: `测试未通过（${report.tests?.failed ?? failing.length} 个用例失败）`, ...base, ruleSet: rs };
  if ((report.tests?.passed ?? 0) === 0) return { ok: false, stage: 'tests', reason: '测试文件没有可运行的用例', ...base, ruleSet: rs };
  const errors = report.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) return { ok: false, stage: 'lint', reason: `检查发现 ${errors.length} 个错误`, ...base, ruleSet: rs };
  return { ok: true, stage: 'passed', ...base, ruleSet: rs };
}
