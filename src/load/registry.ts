import { readdirSync, readFileSync, statSync } from 'node:fs';
import { assertAsOf } from '../eval/as-of.js';
import { join, relative } from 'node:path';
import type { Finding } from '../errors/finding.js';
import { sortFindings, finding } from '../errors/finding.js';
import { ZhiduError } from '../errors/finding.js';
import { loadRuleSet } from './load-rule-set.js';
import { SourceTexts } from './source-texts.js';
import type { PreparedRuleSet } from './prepared-rule-set.js';

export const TEST_SUFFIX = '.test.yaml';

/** Rule-set files under a directory: *.yaml, not *.test.yaml, not under sources/. */
export function findRuleFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'sources' && !entry.name.startsWith('.')) out.push(...findRuleFiles(full));
    } else if ((entry.name.endsWith('.yaml') || entry.name.endsWith('.yml')) && !entry.name.endsWith(TEST_SUFFIX)) {
      out.push(full);
    }
  }
  return out;
}

export function testFileFor(ruleFile: string): string {
  return ruleFile.replace(/\.ya?ml$/, TEST_SUFFIX);
}

/**
 * Every loaded version of every rule set. Versions are immutable; the
 * registry only gains them (publishing adds, never overwrites).
 */
export class Registry {
  private readonly byId = new Map<string, PreparedRuleSet[]>();

  constructor(readonly sources: SourceTexts) {}

  add(rs: PreparedRuleSet): void {
    const list = this.byId.get(rs.id) ?? [];
    if (list.some((v) => v.version === rs.version)) {
      throw new Error(`rule set ${rs.id} version ${rs.version} is already loaded`);
    }
    list.push(rs);
    list.sort((a, b) => (a.effectiveFrom ?? '').localeCompare(b.effectiveFrom ?? '') || compareVersions(a.version, b.version));
    this.byId.set(rs.id, list);
  }

  ids(): string[] {
    return [...this.byId.keys()].sort();
  }

  versions(id: string): readonly PreparedRuleSet[] {
    return this.byId.get(id) ?? [];
  }

  get(id: string, version: string): PreparedRuleSet | undefined {
    return this.byId.get(id)?.find((v) => v.version === version);
  }

  /** The version in force on `asOf`: the latest start on or before it whose end is not before it. */
  inForce(id: string, asOf: string): PreparedRuleSet {
    assertAsOf(asOf);
    const versions = this.byId.get(id);
    if (!versions || versions.length === 0) throw new ZhiduError('RULESET_NOT_FOUND', { key: id });
    const chosen = this.inForceOther(id, asOf);
    if (!chosen) throw new ZhiduError('NO_VERSION_IN_FORCE', { key: id, found: asOf });
    return chosen;
  }

  /**
   * The version in force on `asOf` other than the one with hash `except`, or
   * undefined: what a draft (or a version) is compared with in an impact run.
   */
  inForceOther(id: string, asOf: string, except?: string): PreparedRuleSet | undefined {
    const versions = this.byId.get(id) ?? [];
    // Sorted by start: the last that holds is the latest start on or before asOf.
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i] as PreparedRuleSet;
      if (v.hash !== except && (v.effectiveFrom ?? '') <= asOf && (v.effectiveTo === null || v.effectiveTo >= asOf)) return v;
    }
    return undefined;
  }

  latest(id: string): PreparedRuleSet | undefined {
    const v = this.byId.get(id);
    return v?.[v.length - 1];
  }
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface LoadedDirectory {
  readonly registry: Registry;
  readonly findings: Finding[];
  readonly files: string[];
}

/** Load every rule file under the given paths; any file with errors is refused whole and reported. */
export function loadRulePaths(paths: readonly string[], sourcesDir: string, cwd = process.cwd()): LoadedDirectory {
  const registry = new Registry(new SourceTexts(sourcesDir));
  const findings: Finding[] = [];
  const files = paths.flatMap((p) => findRuleFiles(p));
  for (const file of files) {
    const label = relative(cwd, file) || file;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      findings.push(finding('RULESET_UNREADABLE', { file: label, line: 1, column: 1, pointer: '' }, { detail: (err as NodeJS.ErrnoException).code ?? (err as Error).message }));
      continue;
    }
    const result = loadRuleSet(label, text, { sources: registry.sources });
    findings.push(...result.findings);
    if (result.ok) {
      if (registry.get(result.ruleSet.id, result.ruleSet.version)) {
        findings.push(finding('VERSION_DUPLICATE', { file: label, line: 1, column: 1, pointer: '/version' }, { key: result.ruleSet.id, found: result.ruleSet.version }));
      } else registry.add(result.ruleSet);
    }
  }
  return { registry, findings: sortFindings(findings), files };
}
