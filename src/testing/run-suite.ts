import { readFileSync } from 'node:fs';
import type { TestSuite, Case, Expectation } from '../generated/test-suite.js';
import type { Decision } from '../generated/decision.js';
import { parseYaml } from '../text/yaml-source.js';
import { schemaValidator } from '../schema/ajv.js';
import { schemaFindings } from '../load/schema-findings.js';
import { finding, sortFindings, ZhiduError, type Finding } from '../errors/finding.js';
import type { Registry } from '../load/registry.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { evaluate } from '../eval/evaluate.js';
import { asDecimal } from '../eval/decimal.js';
import { canonicalJson } from '../load/canonical-json.js';
import { leaves } from '../decision/condition-trace.js';

export interface CaseResult {
  readonly name: string;
  /** The decision date the case ran at (its own as_of, or the date a draft run moved it to). */
  readonly asOf: string;
  readonly ok: boolean;
  readonly failures: readonly string[];
  readonly decision?: Decision;
  readonly line: number;
}

export interface Coverage {
  /** rule id → seen true / seen false */
  readonly rules: Map<string, { true: boolean; false: boolean }>;
  /** `${rule}#${leafIndex}` → seen true / false, with the condition's text */
  readonly conditions: Map<string, { rule: string; text: string; true: boolean; false: boolean }>;
}

export interface SuiteResult {
  readonly file: string;
  readonly ruleset: string;
  readonly findings: readonly Finding[];
  readonly cases: readonly CaseResult[];
  readonly coverage: Coverage;
  /** Cases named by ambiguities that do not exist in the suite. */
  readonly missingAmbiguityTests: readonly string[];
}

export function newCoverage(): Coverage {
  return { rules: new Map(), conditions: new Map() };
}

export function recordCoverage(coverage: Coverage, decision: Decision): void {
  for (const rule of decision.rules) {
    const r = coverage.rules.get(rule.id) ?? { true: false, false: false };
    if (rule.result === 'true') r.true = true;
    if (rule.result === 'false') r.false = true;
    coverage.rules.set(rule.id, r);
    leaves(rule.condition).forEach((leaf, i) => {
      const key = `${rule.id}#${i}`;
      const c = coverage.conditions.get(key) ?? { rule: rule.id, text: leaf.text, true: false, false: false };
      if (leaf.result === 'true') c.true = true;
      if (leaf.result === 'false') c.false = true;
      coverage.conditions.set(key, c);
    });
  }
}

export function loadSuite(file: string, text: string): { suite?: TestSuite; findings: Finding[]; lineOf: (i: number) => number } {
  const parsed = parseYaml(file, text);
  if (!parsed.ok) return { findings: parsed.findings, lineOf: () => 1 };
  const validate = schemaValidator('test-suite');
  if (!validate(parsed.source.value)) {
    return { findings: sortFindings(schemaFindings(validate.errors ?? [], parsed.source)), lineOf: () => 1 };
  }
  const source = parsed.source;
  return { suite: source.value as TestSuite, findings: [], lineOf: (i) => source.locate(`/cases/${i}`).line };
}

/** A case without as_of is decided on this date (kept stable so suites stay reproducible). */
export const DEFAULT_CASE_DATE = '2024-01-01';

/**
 * The date a draft's case runs at: its own as_of when that falls inside the draft's effective
 * range, otherwise the draft's first day (its last when it has no first) — so every case of a
 * draft's suite tests the draft, whatever date the case was written for.
 */
export function draftCaseDate(rs: Pick<PreparedRuleSet, 'effectiveFrom' | 'effectiveTo'>, asOf: string | undefined): string {
  const from = rs.effectiveFrom;
  const to = rs.effectiveTo;
  const own = asOf ?? (from ?? DEFAULT_CASE_DATE);
  if ((from === null || own >= from) && (to === null || own <= to)) return own;
  return from ?? (to as string);
}

export interface SuiteOptions {
  /** Run every case against this version instead of the version in force on its date. */
  readonly ruleSet?: PreparedRuleSet;
  /** With ruleSet: the suite is the draft's own — each case moved into its effective range (draftCaseDate). */
  readonly draft?: boolean;
  readonly text?: string;
  readonly evaluator?: typeof evaluate;
}

/** Run a test file's cases against the version in force on each case's date (or a given version). */
export async function runSuite(file: string, registry: Registry, options: SuiteOptions = {}): Promise<SuiteResult> {
  const text = options.text ?? readFileSync(file, 'utf8');
  const { suite, findings, lineOf } = loadSuite(file, text);
  const coverage = newCoverage();
  if (!suite) return { file, ruleset: '', findings, cases: [], coverage, missingAmbiguityTests: [] };
  if (!options.ruleSet && registry.versions(suite.ruleset).length === 0) {
    return { file, ruleset: suite.ruleset, findings: [finding('TEST_RULESET', { file, line: 1, column: 1, pointer: '/ruleset' }, { found: suite.ruleset })], cases: [], coverage, missingAmbiguityTests: [] };
  }
  const cases: CaseResult[] = [];
  for (const [i, c] of suite.cases.entries()) {
    const fixed = options.ruleSet;
    const asOf = fixed && options.draft ? draftCaseDate(fixed, c.as_of) : (c.as_of ?? DEFAULT_CASE_DATE);
    cases.push(await runCase(c, asOf, lineOf(i), registry, suite.ruleset, fixed, coverage, options.evaluator ?? evaluate));
  }
  const names = new Set(suite.cases.map((c) => c.name));
  const rs = options.ruleSet ?? registry.latest(suite.ruleset);
  const missingAmbiguityTests: string[] = [];
  if (rs) {
    const all = [...(rs.definition.ambiguities ?? []), ...(rs.definition.derived ?? []).flatMap((d) => d.ambiguities ?? []), ...rs.definition.rules.flatMap((r) => r.ambiguities ?? [])];
    for (const a of all) for (const t of a.tests ?? []) if (!names.has(t)) missingAmbiguityTests.push(`${a.id} → ${t}`);
  }
  return { file, ruleset: suite.ruleset, findings, cases, coverage, missingAmbiguityTests };
}

async function runCase(c: Case, asOf: string, line: number, registry: Registry, id: string, fixed: PreparedRuleSet | undefined, coverage: Coverage, evaluator: typeof evaluate): Promise<CaseResult> {
  let decision: Decision;
  try {
    const rs = fixed ?? registry.inForce(id, asOf);
    decision = await evaluator(rs, c.facts, { asOf });
  } catch (err) {
    if (err instanceof ZhiduError) {
      const expected = c.expect.error;
      if (expected === err.code) return { name: c.name, asOf, ok: true, failures: [], line };
      return { name: c.name, asOf, ok: false, failures: [`本用例未预期地出错：${err.messageZh}（错误代码 ${err.code}${expected ? `，用例期望的错误代码为 ${expected}` : ''}）`], line };
    }
    throw err;
  }
  recordCoverage(coverage, decision);
  const failures = compare(c.expect, decision);
  return { name: c.name, asOf, ok: failures.length === 0, failures, decision, line };
}

function sameValue(expected: unknown, actual: unknown): boolean {
  const de = typeof expected === 'boolean' ? undefined : asDecimal(expected);
  const da = typeof actual === 'boolean' ? undefined : asDecimal(actual);
  if (de && da) return de.eq(da);
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return expected.length === actual.length && expected.every((e, i) => sameValue(e, actual[i]));
  }
  return canonicalJson(expected) === canonicalJson(actual);
}

export function compare(expect: Expectation, d: Decision): string[] {
  const out: string[] = [];
  const show = (v: unknown) => JSON.stringify(v);
  if (expect.error) out.push(`期望错误 ${expect.error}，实际得到决定 (expected error, got a decision)`);
  if (expect.status && expect.status !== d.status) out.push(`status: 期望 ${expect.status}，实际 ${d.status}`);
  if ('outcome' in expect && !sameValue(expect.outcome, d.outcome.value)) out.push(`outcome ${d.outcome.id}: 期望 ${show(expect.outcome)}，实际 ${show(d.outcome.value)} (${d.outcome.status})`);
  for (const [k, v] of Object.entries(expect.outputs ?? {})) {
    const o = d.outputs[k];
    if (!o) out.push(`outputs.${k}: 规则集没有此输出 (no such output)`);
    else if (!sameValue(v, o.value)) out.push(`outputs.${k}: 期望 ${show(v)}，实际 ${show(o.value)} (${o.status})`);
  }
  for (const k of expect.unset ?? []) {
    const o = d.outputs[k];
    if (!o) out.push(`unset ${k}: 规则集没有此输出 (no such output)`);
    else if (o.status !== 'unset' && o.value !== null) out.push(`outputs.${k}: 期望未设置，实际 ${show(o.value)}`);
  }
  const result = new Map(d.rules.map((r) => [r.id, r.result]));
  for (const r of expect.rules_held ?? []) {
    if (!result.has(r)) out.push(`rules_held: 无此规则 ${r} (no such rule)`);
    else if (result.get(r) !== 'true') out.push(`rules_held: ${r} 期望成立，实际 ${result.get(r)}`);
  }
  for (const r of expect.rules_not_held ?? []) {
    if (!result.has(r)) out.push(`rules_not_held: 无此规则 ${r} (no such rule)`);
    else if (result.get(r) !== 'false') out.push(`rules_not_held: ${r} 期望不成立，实际 ${result.get(r)}`);
  }
  if (expect.missing) {
    const actual = d.missing.map((m) => m.fact).sort();
    const wanted = [...expect.missing].sort();
    if (canonicalJson(actual) !== canonicalJson(wanted)) out.push(`missing: 期望 ${show(wanted)}，实际 ${show(actual)}`);
  }
  for (const words of expect.reasons ?? []) {
    if (!d.reasons.some((r) => r.text.includes(words))) out.push(`reasons: 期望某条理由含“${words}”，实际 ${show(d.reasons.map((r) => r.text))}`);
  }
  const grounds = new Map((d.grounds ?? []).map((g) => [g.rule, g]));
  for (const [rule, want] of Object.entries(expect.grounds ?? {})) {
    const g = grounds.get(rule);
    if (!g) {
      out.push(`grounds: 期望列出规则 ${rule}，实际 ${show([...grounds.keys()])}`);
      continue;
    }
    for (const part of ['unmet', 'pending'] as const) {
      const wanted = want[part];
      if (!wanted) continue;
      const actual = [...new Set(g[part].map((c) => c.fact))].sort();
      if (canonicalJson(actual) !== canonicalJson([...wanted].sort())) out.push(`grounds.${rule}.${part}: 期望 ${show([...wanted].sort())}，实际 ${show(actual)}`);
    }
  }
  for (const rule of expect.not_grounds ?? []) if (grounds.has(rule)) out.push(`not_grounds: 规则 ${rule} 不应列为理由`);
  for (const k of expect.not_applicable ?? []) {
    const o = d.outputs[k];
    if (!o) out.push(`not_applicable ${k}: 规则集没有此输出 (no such output)`);
    else if (o.applicable !== 'no') out.push(`not_applicable: 输出 ${k} 应标为不适用，实际 ${o.applicable ?? '总是适用'}`);
  }
  for (const [k, want] of Object.entries(expect.partial ?? {})) {
    const o = d.outputs[k];
    if (!o) {
      out.push(`partial ${k}: 规则集没有此输出 (no such output)`);
      continue;
    }
    if (!o.partial) {
      out.push(`partial ${k}: 期望部分已知，实际 ${o.status} ${show(o.value)}`);
      continue;
    }
    if (!sameValue(want.known, o.known ?? [])) out.push(`partial ${k}.known: 期望 ${show(want.known)}，实际 ${show(o.known)}`);
    if (want.more_from) {
      const actual = (o.more_from ?? []).map((m) => m.fact).sort();
      if (canonicalJson(actual) !== canonicalJson([...want.more_from].sort())) out.push(`partial ${k}.more_from: 期望 ${show([...want.more_from].sort())}，实际 ${show(actual)}`);
    }
  }
  for (const a of expect.ambiguities_absent ?? []) {
    if (d.ambiguities.some((x) => x.id === a)) out.push(`ambiguities_absent: 不应提示 ${a}（决定不取决于它）`);
  }
  for (const a of expect.ambiguities ?? []) {
    if (!d.ambiguities.some((x) => x.id === a)) out.push(`ambiguities: 期望提示 ${a}，实际 ${show(d.ambiguities.map((x) => x.id))}`);
  }
  if (expect.counterfactuals) out.push(...compareCounterfactuals(expect.counterfactuals, d.counterfactuals ?? []));
  return out;
}

type CounterfactualExpectation = NonNullable<Expectation['counterfactuals']>[number];

function compareCounterfactuals(wanted: readonly CounterfactualExpectation[], actual: NonNullable<Decision['counterfactuals']>): string[] {
  const brief = (c: (typeof actual)[number]) => `${c.rule}${c.reachable ? '' : '（不可达）'}：${c.changes.map((x) => `${x.fact} ${JSON.stringify(x.from)}→${JSON.stringify(x.to)}`).join(', ')}`;
  if (wanted.length === 0) return actual.length === 0 ? [] : [`counterfactuals: 期望没有，实际 ${JSON.stringify(actual.map(brief))}`];
  const out: string[] = [];
  for (const w of wanted) {
    const matches = (c: (typeof actual)[number]): boolean => {
      if (c.rule !== w.rule) return false;
      if (w.reachable !== undefined && c.reachable !== w.reachable) return false;
      if (w.text !== undefined && !c.text.includes(w.text)) return false;
      if (!w.changes) return true;
      if (c.changes.length !== w.changes.length) return false;
      return w.changes.every((e) => {
        const x = c.changes.find((y) => y.fact === e.fact);
        if (!x) return false;
        if ('from' in e && !sameValue(e.from, x.from)) return false;
        if ('to' in e && !sameValue(e.to, x.to)) return false;
        if (e.relation !== undefined && e.relation !== x.relation) return false;
        if (e.values !== undefined && !sameValue(e.values, x.values ?? null)) return false;
        return true;
      });
    };
    if (!actual.some(matches)) out.push(`counterfactuals: 期望 ${JSON.stringify(w)}，实际 ${JSON.stringify(actual.filter((c) => c.rule === w.rule).map(brief))}`);
  }
  return out;
}
