/**
 * zhidu's one small interface: load → validate → evaluate → decision.
 * The CLI, the HTTP server and the web app all go through these.
 */
export { loadRuleSet, type LoadResult, type LoadOptions } from './load/load-rule-set.js';
export { loadRulePaths, Registry, findRuleFiles, testFileFor, compareVersions, type LoadedDirectory } from './load/registry.js';
export { SourceTexts } from './load/source-texts.js';
export type { PreparedRuleSet } from './load/prepared-rule-set.js';
export { evaluate, evaluateCompact, explain, evaluateReference, today, type EvaluateOptions, type CompactDecision } from './eval/evaluate.js';
export { runSuite, loadSuite, compare, newCoverage, recordCoverage, type SuiteResult, type CaseResult, type Coverage } from './testing/run-suite.js';
export { ZhiduError, formatFinding, sortFindings, type Finding, type FactViolation } from './errors/finding.js';
export { ERRORS, formatMessage, type ErrorCode } from './errors/catalogue.js';
export type { Decision, ConditionTrace, FactCheck, RuleTrace, OutputValue, Truth } from './generated/decision.js';
export type { RuleSet } from './generated/rule-set.js';
export type { TestSuite } from './generated/test-suite.js';
