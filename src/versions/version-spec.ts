import { readFileSync, existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { loadRuleSet } from '../load/load-rule-set.js';
import type { Registry } from '../load/registry.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import type { SourceTexts } from '../load/source-texts.js';
import { ZhiduError, type Finding } from '../errors/finding.js';

/**
 * A version named on the command line: a rule file path, `id@version`, or a
 * bare version of a rule set already chosen (`--from 1.0.0`).
 */
export type Resolved = { ok: true; ruleSet: PreparedRuleSet } | { ok: false; findings: readonly Finding[]; message: string };

export function resolveVersion(spec: string, registry: Registry, sources: SourceTexts, defaultId?: string): Resolved {
  if (existsSync(spec) && statSync(spec).isFile()) {
    const label = relative(process.cwd(), spec) || spec;
    const loaded = loadRuleSet(label, readFileSync(spec, 'utf8'), { sources });
    return loaded.ok ? { ok: true, ruleSet: loaded.ruleSet } : { ok: false, findings: loaded.findings, message: `${label} 不是有效的规则集` };
  }
  const at = spec.lastIndexOf('@');
  const id = at > 0 ? spec.slice(0, at) : defaultId;
  const version = at > 0 ? spec.slice(at + 1) : spec;
  if (!id) return { ok: false, findings: [], message: `无法识别“${spec}”：应为规则文件路径或 id@版本` };
  if (registry.versions(id).length === 0) {
    const e = new ZhiduError('RULESET_NOT_FOUND', { key: id });
    return { ok: false, findings: [], message: e.messageZh };
  }
  const rs = registry.get(id, version);
  if (!rs) return { ok: false, findings: [], message: `规则集 ${id} 没有版本 ${version}；已有：${registry.versions(id).map((v) => v.version).join('、')}` };
  return { ok: true, ruleSet: rs };
}
