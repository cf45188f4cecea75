import { readFileSync, existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { Finding, Severity } from '../errors/finding.js';
import { sortFindings } from '../errors/finding.js';
import { loadRuleSet } from '../load/load-rule-set.js';
import { Registry, findRuleFiles, testFileFor } from '../load/registry.js';
import { SourceTexts } from '../load/source-texts.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { parseYaml } from '../text/yaml-source.js';
import { runSuite, loadSuite, newCoverage, recordCoverage, type SuiteResult } from '../testing/run-suite.js';
import type { LintContext, Check } from './lint-context.js';
import { checkBands } from './bands.js';
import { checkSatisfiability } from './satisfiability.js';
import { checkOutputs } from './outputs.js';
import { checkAppliesWhen } from './applies-when.js';
import { checkAmbiguityConcerns } from './ambiguity-concerns.js';
import { checkFacts } from './facts.js';
import { checkCitations, checkAmbiguities } from './citations.js';
import { checkCoverage } from './coverage.js';

/** Every check, one family per file; each reads the context and returns findings. */
export const CHECKS: readonly Check[] = [checkBands, checkSatisfiability, checkOutputs, checkAppliesWhen, checkFacts, checkCitations, checkAmbiguities, checkAmbiguityConcerns, checkCoverage];

export interface LintReport {
  readonly file: string;
  readonly ruleset?: { readonly id: string; readonly version: string; readonly hash: string };
  readonly findings: readonly Finding[];
  readonly counts: Readonly<Record<Severity, number>>;
  /** The suite run used for coverage (absent when there are no tests or the rule set does not load). */
  readonly tests?: { readonly file: string; readonly passed: number; readonly failed: number; readonly on_draft: number };
  /** The prepared version, when it loads (for callers that go on to test or publish it). */
  readonly prepared?: PreparedRuleSet;
}

export interface LintOptions {
  readonly sources: SourceTexts;
  /** The test suite text and its file label; without them the rule set is linted as untested. */
  readonly tests?: { readonly file: string; readonly text: string };
  /** Other versions (any rule set): cases dated outside this version's range run against them. */
  readonly registry?: Registry;
  /**
   * The text is a draft and the tests are its own: every case runs against it, at its as_of when
   * inside the draft's effective range, otherwise at its effective_from (a draft dated 2026 is
   * not "uncovered" because its cases were written for 2025). Otherwise each case meets the
   * version in force on its date, this one among the others.
   */
  readonly draft?: boolean;
}

export function countSeverities(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

/** Load (validate) and lint one rule-set text; load errors are reported and the checks skipped. */
export async function lintText(file: string, text: string, options: LintOptions): Promise<LintReport> {
  const loaded = loadRuleSet(file, text, { sources: options.sources });
  if (!loaded.ok) return { file, findings: loaded.findings, counts: countSeverities(loaded.findings) };
  const rs = loaded.ruleSet;
  const parsed = parseYaml(file, text);
  if (!parsed.ok) return { file, findings: parsed.findings, counts: countSeverities(parsed.findings) };

  let suiteResult: SuiteResult | undefined;
  let suite;
  if (options.tests) {
    suite = loadSuite(options.tests.file, options.tests.text).suite;
    const registry = new Registry(options.sources);
    for (const v of options.registry?.versions(rs.id) ?? []) if (v.version !== rs.version) registry.add(v);
    registry.add(rs);
    const run = await runSuite(options.tests.file, registry, { text: options.tests.text, ...(options.draft ? { ruleSet: rs, draft: true } : {}) });
    // Coverage of this version only: cases dated into another version prove that one, not this.
    const coverage = newCoverage();
    for (const c of run.cases) if (c.decision && c.decision.ruleset.hash === rs.hash) recordCoverage(coverage, c.decision);
    suiteResult = { ...run, coverage };
  }
  const ctx: LintContext = {
    ruleSet: rs,
    definition: rs.definition,
    source: parsed.source,
    ...(suite ? { suite } : {}),
    ...(options.tests ? { suiteFile: options.tests.file } : {}),
    ...(suiteResult ? { suiteResult } : {}),
  };
  const findings = sortFindings([...loaded.findings, ...CHECKS.flatMap((check) => check(ctx))]);
  return {
    file,
    ruleset: { id: rs.id, version: rs.version, hash: rs.hash },
    findings,
    counts: countSeverities(findings),
    ...(suiteResult
      ? {
          tests: {
            file: suiteResult.file,
            passed: suiteResult.cases.filter((c) => c.ok).length,
            failed: suiteResult.cases.filter((c) => !c.ok).length,
            on_draft: suiteResult.cases.filter((c) => c.decision?.ruleset.hash === rs.hash).length,
          },
        }
      : {}),
    prepared: rs,
  };
}

/** Lint every rule file under the paths, each with the test file beside it. */
export async function lintPaths(paths: readonly string[], sourcesDir: string, cwd = process.cwd()): Promise<LintReport[]> {
  const sources = new SourceTexts(sourcesDir);
  const files = paths.flatMap((p) => findRuleFiles(p));
  const registry = new Registry(sources);
  const texts = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    texts.set(file, text);
    const loaded = loadRuleSet(relative(cwd, file) || file, text, { sources });
    if (loaded.ok && !registry.get(loaded.ruleSet.id, loaded.ruleSet.version)) registry.add(loaded.ruleSet);
  }
  const reports: LintReport[] = [];
  for (const file of files) {
    const testFile = testFileFor(file);
    const label = (p: string) => relative(cwd, p) || p;
    const tests = existsSync(testFile) ? { file: label(testFile), text: readFileSync(testFile, 'utf8') } : undefined;
    reports.push(await lintText(label(file), texts.get(file) as string, { sources, registry, ...(tests ? { tests } : {}) }));
  }
  return reports;
}
