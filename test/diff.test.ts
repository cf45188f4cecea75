import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadRuleSet, SourceTexts, Registry, evaluate, ZhiduError, type RuleSet } from '../src/index.js';
import { diffRuleSets, formatDiff } from '../src/versions/rule-set-diff.js';

const sources = new SourceTexts('rules/sources');
const v1Text = readFileSync('test/fixtures/good/committee-subsidy.yaml', 'utf8');
const v2Text = readFileSync('test/fixtures/versions/committee-subsidy-v1.1.yaml', 'utf8');
function load(text: string) {
  const r = loadRuleSet('x.yaml', text, { sources });
  if (!r.ok) throw new Error(JSON.stringify(r.findings));
  return r.ruleSet;
}
const v1 = load(v1Text);
const v2 = load(v2Text);

describe('diff between two versions, in words', () => {
  const cases: [string, (t: string) => string, { kind: string; subject: string; words: string[] }[]][] = [
    ['threshold, amount, new rule, citation, date (the v1.1 fixture)', () => v2Text, [
      { kind: 'effective', subject: 'effective_from', words: ['生效日期', '（自始） → 2025-01-01'] },
      { kind: 'threshold', subject: 'member_subsidy', words: ['年龄（周岁）', '小于 70 → 小于 65'] },
      { kind: 'value', subject: 'director_subsidy', words: ['monthly_subsidy', '公式 800 + 50 * terms_reelected → 公式 900 + 50 * terms_reelected'] },
      { kind: 'rule_added', subject: 'deputy_subsidy', words: ['新增规则 deputy_subsidy（副主任补贴）'] },
      { kind: 'citation', subject: 'member_subsidy', words: ['引用', '37-43 → 004_44ebc9396ef4097f.txt:41-41'] },
    ]],
    ['rule removed', (t) => t.replace(/  - id: member_subsidy[\s\S]*$/, ''), [{ kind: 'rule_removed', subject: 'member_subsidy', words: ['删除规则 member_subsidy（委员补贴）'] }]],
    ['input added and output default changed', (t) => t.replace('    birth_date:', '    hukou_city:\n      type: boolean\n      title: 本市户籍\n    birth_date:').replace('    default: false', '    default: true'), [
      { kind: 'input_added', subject: 'hukou_city', words: ['新增输入事实 hukou_city（本市户籍）'] },
      { kind: 'output_changed', subject: 'eligible', words: ['默认值', 'false → true'] },
    ]],
    ['clause and literal value changed', (t) => t.replace('clause: 第2篇 二(二) }\n    reason: 职务为{{role}}，连任', 'clause: 第2篇 二(二)第一句 }\n    reason: 职务为{{role}}，连任').replace('eligible: true\n      monthly_subsidy: { formula: "600', 'eligible: false\n      monthly_subsidy: { formula: "600'), [
      { kind: 'citation', subject: 'director_subsidy', words: ['条款 第2篇 二(二) → 第2篇 二(二)第一句'] },
      { kind: 'value', subject: 'member_subsidy', words: ['eligible：true → false'] },
    ]],
  ];
  for (const [name, edit, wanted] of cases) {
    it(name, () => {
      const d = diffRuleSets(v1.definition, load(edit(v1Text)).definition);
      for (const w of wanted) {
        const hit = d.changes.find((c) => c.kind === w.kind && c.subject === w.subject && w.words.every((x) => c.zh.includes(x)));
        expect(hit, `${w.kind} ${w.subject}: ${formatDiff(d)}`).toBeDefined();
      }
      expect(d.changes).toHaveLength(wanted.length);
    });
  }

  it('reports no change between a version and itself', () => {
    const d = diffRuleSets(v1.definition, v1.definition as RuleSet);
    expect(d.changes).toEqual([]);
    expect(formatDiff(d)).toContain('内容无改变');
  });

  it('zhidu diff takes two files or id@version', () => {
    const byFile = spawnSync(process.execPath, ['bin/zhidu.js', 'diff', 'test/fixtures/good/committee-subsidy.yaml', 'test/fixtures/versions/committee-subsidy-v1.1.yaml'], { encoding: 'utf8' });
    expect(byFile.status).toBe(0);
    expect(byFile.stdout).toContain('版本 1.0.0（自始起）→ 1.1.0（2025-01-01起）');
    const byId = spawnSync(process.execPath, ['bin/zhidu.js', 'diff', '--rules', 'test/fixtures', 'committee-subsidy-example@1.0.0', 'committee-subsidy-example@1.1.0', '--json'], { encoding: 'utf8' });
    expect(byId.status).toBe(0);
    expect((JSON.parse(byId.stdout) as { changes: unknown[] }).changes).toHaveLength(5);
    const missing = spawnSync(process.execPath, ['bin/zhidu.js', 'diff', '--rules', 'test/fixtures', 'committee-subsidy-example@1.0.0', '9.9.9'], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('没有版本 9.9.9；已有：1.0.0、1.1.0');
  });
});

describe('versions in force by decision date', () => {
  const registry = new Registry(sources);
  registry.add(v1);
  registry.add(v2);
  const facts = { role: 'secretary_or_director', terms_reelected: 0 };
  const cases: [string, string, string][] = [
    ['the day before the new version', '2024-12-31', '800'],
    ['the first day of the new version', '2025-01-01', '900'],
  ];
  for (const [name, asOf, amount] of cases) {
    it(`${name} (${asOf}) pays ${amount}`, async () => {
      const d = await evaluate(registry.inForce('committee-subsidy-example', asOf), facts, { asOf });
      expect(d.outputs.monthly_subsidy?.value).toBe(amount);
      expect(d.ruleset.hash).toBe(asOf < '2025-01-01' ? v1.hash : v2.hash);
    });
  }
  it('errors clearly when no version is in force', () => {
    const only = new Registry(sources);
    only.add(v2);
    expect(() => only.inForce('committee-subsidy-example', '2024-06-01')).toThrow(ZhiduError);
    try {
      only.inForce('committee-subsidy-example', '2024-06-01');
    } catch (e) {
      expect((e as ZhiduError).code).toBe('NO_VERSION_IN_FORCE');
      expect((e as ZhiduError).messageZh).toContain('2024-06-01');
    }
  });
});
