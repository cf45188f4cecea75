import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { loadRulePaths, testFileFor } from '../load/registry.js';
import { loadRuleSet } from '../load/load-rule-set.js';
import { formatFinding } from '../errors/finding.js';
import { gate, type GateResult } from '../versions/publish-gate.js';

const STAGE_ZH: Record<GateResult['stage'], string> = {
  validate: '校验',
  version: '版本',
  tests: '测试',
  lint: '检查',
  population: '模拟申请人',
  passed: '通过',
  unchanged: '未改变',
};

/** What the gate said, as an editor reads it on a terminal. */
export function formatGate(result: GateResult): string {
  const out: string[] = [];
  for (const f of result.findings) if (f.severity === 'error') out.push(formatFinding(f) + (f.rules?.length ? `  〔${f.rules.join(', ')}〕` : ''));
  if (result.tests) out.push(`测试：${result.tests.passed} 个通过，${result.tests.failed} 个失败；其中 ${result.tests.on_draft} 个用例按草稿版本决定`);
  const p = result.population;
  if (p) {
    out.push(`模拟申请人：${p.records} 名（种子 ${p.seed}，决定日期 ${p.as_of}），${p.decided} 名已决定，${p.undetermined} 名待补事实，${p.failed} 名无法作出决定（${(p.elapsed_ms / 1000).toFixed(1)} 秒）`);
    for (const s of p.samples) {
      out.push(`  第 ${s.index} 名：${s.message}`);
      if (s.rules.length) out.push(`    涉及规则：${s.rules.map((r) => `${r.title}（${r.id}）`).join('；')}`);
      out.push(`    申请人：${s.facts_text.map((f) => `${f.title} ${f.text}`).join('，')}`);
    }
  }
  out.push(result.ok ? `可以发布（${STAGE_ZH[result.stage]}）。` : `不能发布（${STAGE_ZH[result.stage]}）：${result.reason ?? ''}`);
  return out.join('\n') + '\n';
}

/**
 * `zhidu gate <draft.yaml>`: the publish gate of the server, on a draft file before it is
 * submitted — validate, the version against those in --rules, the draft's own tests run
 * against it, lint, and 10 000 generated applicants. Exit 0 when it would pass, 1 when not.
 */
export function addGateCommand(program: Command, sourcesDir: () => string): void {
  program
    .command('gate')
    .description('发布前检查草稿：校验、版本、按草稿运行其测试、检查、10000 名模拟申请人（与服务器的发布关口相同）')
    .argument('<draft>', 'the draft rule file')
    .option('--tests <file>', 'its test file (default: <draft>.test.yaml, else the rule set’s in --rules)')
    .option('--rules <dir>', 'the versions already in force or scheduled', 'rules')
    .option('--json', 'machine-readable verdict')
    .action(async (draftFile: string, opts: { tests?: string; rules: string; json?: boolean }) => {
      if (!existsSync(draftFile)) {
        process.stderr.write(`错误：找不到草稿文件 ${draftFile}\n`);
        process.exitCode = 2;
        return;
      }
      const text = readFileSync(draftFile, 'utf8');
      const label = relative(process.cwd(), resolve(draftFile)) || draftFile;
      const { registry } = loadRulePaths(existsSync(opts.rules) ? [opts.rules] : [], sourcesDir());
      const probe = loadRuleSet(label, text, { sources: registry.sources });
      let testsFile = opts.tests ?? (existsSync(testFileFor(draftFile)) ? testFileFor(draftFile) : undefined);
      if (!testsFile && probe.ok) {
        const loaded = registry.versions(probe.ruleSet.id).map((v) => testFileFor(v.file)).reverse().find((f) => existsSync(f));
        testsFile = loaded;
      }
      const tests = testsFile ? { file: relative(process.cwd(), resolve(testsFile)) || testsFile, text: readFileSync(testsFile, 'utf8') } : undefined;
      const result = await gate(text, { file: label, registry, sources: registry.sources, ...(tests ? { tests } : {}) });
      if (opts.json) {
        const { lint: _lint, ruleSet, ...rest } = result;
        process.stdout.write(JSON.stringify({ ...rest, ...(ruleSet ? { ruleset: { id: ruleSet.id, version: ruleSet.version, hash: ruleSet.hash } } : {}) }, null, 2) + '\n');
      } else process.stdout.write(formatGate(result));
      process.exitCode = result.ok ? 0 : 1;
    });
}
