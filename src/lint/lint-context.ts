import type { RuleSet, Ambiguity } from '../generated/rule-set.js';
import type { TestSuite } from '../generated/test-suite.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import type { YamlSource } from '../text/yaml-source.js';
import type { SuiteResult } from '../testing/run-suite.js';
import { formatMessage, type ErrorCode } from '../errors/catalogue.js';
import type { Finding, Severity } from '../errors/finding.js';

/** Everything a check may read about one rule set: the prepared version, its text positions, its tests. */
export interface LintContext {
  readonly ruleSet: PreparedRuleSet;
  readonly definition: RuleSet;
  readonly source: YamlSource;
  /** The suite beside the rule set, when there is one. */
  readonly suite?: TestSuite;
  readonly suiteFile?: string;
  /** The suite's run against this very version (coverage, failures). */
  readonly suiteResult?: SuiteResult;
}

export interface LintMessage {
  readonly zh: string;
  readonly en: string;
}

/** A lint finding: the catalogue gives the code's frame, the check the specific words in both languages. */
export function lintFinding(ctx: LintContext, code: ErrorCode, pointer: string, message: LintMessage, severity: Severity, rules: readonly string[] = [], atKey = false): Finding {
  const at = ctx.source.locate(pointer, atKey);
  return {
    code,
    severity,
    file: at.file,
    line: at.line,
    column: at.column,
    pointer,
    message: formatMessage(code, { detail: message.zh }, 'zh'),
    message_en: formatMessage(code, { detail: message.en }, 'en'),
    ...(rules.length > 0 ? { rules: [...rules] } : {}),
  };
}

export type Check = (ctx: LintContext) => Finding[];

/** Ambiguities anywhere in the rule set, with where they sit and the rule they belong to. */
export function allAmbiguities(rs: RuleSet): { ambiguity: Ambiguity; pointer: string; rule?: string }[] {
  const out: { ambiguity: Ambiguity; pointer: string; rule?: string }[] = [];
  rs.ambiguities?.forEach((a, i) => out.push({ ambiguity: a, pointer: `/ambiguities/${i}` }));
  rs.derived?.forEach((d, i) => d.ambiguities?.forEach((a, j) => out.push({ ambiguity: a, pointer: `/derived/${i}/ambiguities/${j}` })));
  rs.rules.forEach((r, i) => r.ambiguities?.forEach((a, j) => out.push({ ambiguity: a, pointer: `/rules/${i}/ambiguities/${j}`, rule: r.id })));
  return out;
}
