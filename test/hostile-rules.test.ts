import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadRuleSet, SourceTexts, evaluate, ZhiduError, type PreparedRuleSet } from '../src/index.js';

/**
 * Rule files are hostile input (issue #15): what a published rule file can do
 * to the process that evaluates it. Each attack stays here as a test.
 */
const sources = new SourceTexts('rules/sources');
const GOOD = readFileSync('test/fixtures/good/committee-subsidy.yaml', 'utf8');

function withInput(yaml: string): string {
  const at = '      format: date\n      title: 出生日期\n';
  if (!GOOD.includes(at)) throw new Error('the good fixture changed: update withInput');
  return GOOD.replace(at, () => `${at}${yaml}`);
}

function load(text: string): PreparedRuleSet {
  const r = loadRuleSet('hostile.yaml', text, { sources });
  if (!r.ok) throw new Error(r.findings.map((f) => `${f.line}:${f.column} ${f.code} ${f.message}`).join('\n'));
  return r.ruleSet;
}

async function refusal(p: Promise<unknown>): Promise<ZhiduError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ZhiduError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('item 1: input patterns match in linear time (RE2), never by backtracking', () => {
  // Under the native RegExp this pattern takes 2^n steps on n a's followed by a b:
  // 31 characters froze the server for 8 s, 5,000 would never finish.
  const rs = load(withInput("    code:\n      type: string\n      title: 编号\n      pattern: '^(a+)+$'\n"));

  it('a catastrophic-backtracking pattern refuses a long non-matching fact at once', async () => {
    // RE2 first (it refuses back-references, the native engine does not): with a
    // backtracking engine the 5,000-character case below would hang, not fail.
    expect(loadRuleSet('probe.yaml', withInput("    code:\n      type: string\n      title: 编号\n      pattern: '^(a)\\1$'\n"), { sources }).ok, 'patterns run on RE2').toBe(false);
    const err = await refusal(evaluate(rs, { role: 'member', code: `${'a'.repeat(5000)}b` }, { asOf: '2024-06-01' }));
    expect(err.code).toBe('FACTS_INVALID');
    expect(err.violations?.[0]?.code).toBe('FACT_RANGE');
    expect(err.violations?.[0]?.message).toContain('编号');
  });

  it('and still accepts what matches', async () => {
    const d = await evaluate(rs, { role: 'member', code: 'a'.repeat(5000) }, { asOf: '2024-06-01' });
    expect(d.outputs.eligible).toBeDefined();
  });

  it('patterns RE2 cannot run in linear time are refused at load, where they are written', () => {
    for (const pattern of ['^(a)\\1$', '^(?=a)a$', '^(?!b)a$']) {
      const r = loadRuleSet('hostile.yaml', withInput(`    code:\n      type: string\n      title: 编号\n      pattern: '${pattern}'\n`), { sources });
      expect(r.ok, pattern).toBe(false);
      const f = r.findings[0];
      expect(f?.code).toBe('INPUT_SCHEMA');
      expect(f?.pointer).toBe('/inputs/properties/code/pattern');
      expect(f?.message).toContain('正则表达式不受支持');
    }
  });

  it('each pattern keeps its own meaning (the compiled-pattern cache is keyed per pattern)', async () => {
    const two = load(withInput("    code:\n      type: string\n      title: 编号\n      pattern: '^x+$'\n    zone:\n      type: string\n      title: 区号\n      pattern: '^[0-9]{3}$'\n"));
    await expect(evaluate(two, { role: 'member', code: 'xx', zone: '010' }, { asOf: '2024-06-01' })).resolves.toBeDefined();
    const err = await refusal(evaluate(two, { role: 'member', code: 'xx', zone: 'xx' }, { asOf: '2024-06-01' }));
    expect(err.violations?.map((v) => v.pointer)).toEqual(['/zone']);
  });
});
