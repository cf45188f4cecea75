import type { Finding } from '../errors/finding.js';
import type { Registry } from '../load/registry.js';
import type { SourceTexts } from '../load/source-texts.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { formatMessage, formatPhrase, phrase, type ErrorCode, type MessageParams, type Phrase } from '../errors/catalogue.js';
import { lintText, type LintReport } from '../lint/lint-rule-set.js';
import { checkPopulationYielding, type PopulationCheck, type PopulationCheckOptions } from './population-check.js';

/**
 * The one gate every new version passes before it can be in force, whether
 * published through the API or saved in rules/ during development: it must
 * validate; not be overtaken by a version already scheduled after it; pass its
 * own tests — every case run against the draft (at its as_of inside the
 * draft's range, else at its effective_from), at least one case deciding it;
 * lint without errors; and answer every applicant of a generated population
 * without an engine error. A version that fails never replaces the one in force.
 */
export type GateStage = 'validate' | 'lint' | 'tests' | 'version' | 'population' | 'passed' | 'unchanged';

export interface GateResult {
  readonly ok: boolean;
  readonly stage: GateStage;
  /** Why it stopped (zh-CN), when it did, for logs and the CLI. */
  readonly reason?: string;
  /** The problem code to answer with when it stopped (default PUBLISH_REJECTED, with `why` as its detail). */
  readonly code?: ErrorCode;
  readonly params?: MessageParams;
  /** Why it stopped, as a catalogued phrase (both languages). */
  readonly why?: Phrase;
  readonly findings: readonly Finding[];
  readonly lint?: LintReport;
  readonly tests?: { readonly file: string; readonly passed: number; readonly failed: number; readonly on_draft: number };
  readonly population?: PopulationCheck;
  readonly ruleSet?: PreparedRuleSet;
}

export interface GateOptions {
  readonly file: string;
  readonly registry: Registry;
  readonly sources: SourceTexts;
  readonly tests?: { readonly file: string; readonly text: string };
  /** The generated population decided before publishing (default 10 000, seed 1); false skips it. */
  readonly population?: PopulationCheckOptions | false;
}

/** Versions already loaded that take effect after the draft: on their date they replace it, its changes lost. */
export function supersededBy(registry: Registry, rs: PreparedRuleSet): PreparedRuleSet | undefined {
  const from = rs.effectiveFrom ?? '';
  return registry
    .versions(rs.id)
    .filter((v) => v.version !== rs.version && (v.effectiveFrom ?? '') > from)
    .at(-1);
}

export async function gate(text: string, options: GateOptions): Promise<GateResult> {
  const report = await lintText(options.file, text, { sources: options.sources, registry: options.registry, draft: true, ...(options.tests ? { tests: options.tests } : {}) });
  const rs = report.prepared;
  const base = { findings: report.findings, lint: report, ...(report.tests ? { tests: report.tests } : {}) };
  if (!rs) return refused('validate', phrase('DRAFT_INVALID'), base);
  const existing = options.registry.get(rs.id, rs.version);
  if (existing) {
    if (existing.hash === rs.hash) return { ok: true, stage: 'unchanged', ...base, ruleSet: existing };
    return { ok: false, stage: 'version', code: 'VERSION_EXISTS', reason: formatMessage('VERSION_EXISTS', { key: rs.id, found: rs.version }, 'zh'), ...base, ruleSet: rs };
  }
  const newer = supersededBy(options.registry, rs);
  if (newer) {
    const params = { key: `v${newer.version}`, expected: newer.effectiveFrom ?? '', found: rs.effectiveFrom ?? '自始' };
    return { ok: false, stage: 'version', code: 'VERSION_SUPERSEDED', params, reason: formatMessage('VERSION_SUPERSEDED', params, 'zh'), ...base, ruleSet: rs };
  }
  if (!options.tests) return refused('tests', phrase('TESTS_MISSING'), { ...base, ruleSet: rs });
  const failing = report.findings.filter((f) => f.severity === 'error' && f.code === 'LINT_TEST_FAILS');
  if (failing.length > 0 || (report.tests?.failed ?? 0) > 0) return refused('tests', phrase('TESTS_FAILED', { found: report.tests?.failed ?? failing.length }), { ...base, ruleSet: rs });
  if ((report.tests?.passed ?? 0) === 0) return refused('tests', phrase('TESTS_EMPTY'), { ...base, ruleSet: rs });
  if ((report.tests?.on_draft ?? 0) === 0) return refused('tests', phrase('TESTS_OFF_DRAFT'), { ...base, ruleSet: rs });
  const errors = report.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) return refused('lint', phrase('LINT_ERRORS', { found: errors.length }), { ...base, ruleSet: rs });
  if (options.population !== false) {
    const population = await checkPopulationYielding(rs, options.population ?? {});
    if (!population.ok) {
      const first = population.samples[0];
      const why = phrase('POPULATION_FAILED', { found: population.records, expected: population.failed, ...(first ? { detail: phrase('POPULATION_EXAMPLE', { key: first.index, detail: first.message }) } : {}) });
      return refused('population', why, { ...base, population, ruleSet: rs });
    }
    return { ok: true, stage: 'passed', ...base, population, ruleSet: rs };
  }
  return { ok: true, stage: 'passed', ...base, ruleSet: rs };
}

function refused(stage: GateStage, why: Phrase, rest: Omit<GateResult, 'ok' | 'stage'>): GateResult {
  return { ok: false, stage, why, reason: formatPhrase(why, 'zh'), ...rest };
}
