import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadRuleSet, SourceTexts, evaluate, ZhiduError, type PreparedRuleSet } from '../src/index.js';
import { compileFormula } from '../src/eval/formula.js';

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

describe('item 2: formulas are bounded (exponent, magnitude, precision); a failure refuses one evaluation', () => {
  const withFormula = (formula: string): string => {
    const at = 'monthly_subsidy: { formula: "800 + 50 * terms_reelected" }';
    if (!GOOD.includes(at)) throw new Error('the good fixture changed: update withFormula');
    return GOOD.replace(at, () => `monthly_subsidy: { formula: ${JSON.stringify(formula)} }`);
  };
  const director = (terms: number) => ({ role: 'secretary_or_director', terms_reelected: terms });

  it('an exponent read from a fact is bounded at evaluation: 422 FORMULA_EVAL, not a heap exhausted', async () => {
    const rs = load(withFormula('800 + 10 ^ (terms_reelected * 100000000)'));
    const err = await refusal(evaluate(rs, director(10), { asOf: '2024-06-01' }));
    expect(err.code).toBe('FORMULA_EVAL');
    expect(err.status).toBe(422);
    expect(err.message).toContain('指数');
    // The same rule set still decides what is within bounds.
    const ok = await evaluate(rs, director(0), { asOf: '2024-06-01' });
    expect(ok.outputs.monthly_subsidy?.value).toBe('801');
  });

  it('0 to a negative power is refused like division by zero, never "Infinity 元"', async () => {
    const rs = load(withFormula('800 + (terms_reelected - 1) ^ -1'));
    const err = await refusal(evaluate(rs, director(1), { asOf: '2024-06-01' }));
    expect(err.code).toBe('FORMULA_EVAL');
    expect(err.message).toContain('0 不能取负数次幂');
    expect((await evaluate(rs, director(3), { asOf: '2024-06-01' })).outputs.monthly_subsidy?.value).toBe('800.5');
  });

  it('results of 10^30 or more, and round() to absurd places, are refused', async () => {
    const big = load(withFormula('(terms_reelected + 1) * 1000000000000000 * 1000000000000000 * 800'));
    expect((await refusal(evaluate(big, director(1), { asOf: '2024-06-01' }))).message).toContain('数值过大');
    const places = load(withFormula('round(800, terms_reelected * 1000)'));
    expect((await refusal(evaluate(places, director(1), { asOf: '2024-06-01' }))).message).toContain('小数位数');
  });

  it('what reads no fact is decided at load (FORMULA_CONSTANT), at the formula', () => {
    for (const [formula, words] of [
      ['800 + 10 ^ 1000000000', '10 ^ 1000000000'],
      ['800 * 0 ^ -1', '0 不能取负数次幂'],
      ['800 + 1 / 0', 'division by zero'],
      ['terms_reelected * 1e40', '数值过大'],
    ] as const) {
      const r = loadRuleSet('hostile.yaml', withFormula(formula), { sources });
      expect(r.ok, formula).toBe(false);
      expect(r.findings[0]?.code, formula).toBe('FORMULA_CONSTANT');
      expect(r.findings[0]?.message, formula).toContain(words);
      expect(r.findings[0]?.line).toBe(59);
    }
  });

  it('a 200,000-term formula is refused before mathjs parses it (seconds, then a stack overflow)', () => {
    const r = compileFormula(Array(200_000).fill('1').join('+'), () => true);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems[0]).toMatchObject({ kind: 'syntax', detail: expect.stringContaining('公式过长') });
    // In a rule file the schema's maxLength refuses it first.
    const file = loadRuleSet('hostile.yaml', withFormula(Array(200_000).fill('1').join('+')), { sources });
    expect(file.ok).toBe(false);
  });
});

describe('item 3: every explicit tag is refused, decided from the parsed nodes', () => {
  const cases: [string, string][] = [
    ['!!binary # c\n        aGVsbG8=', '!!binary'],
    ['!!set { a, b }', '!!set'],
    ['!!omap [ { a: 1 } ]', '!!omap'],
    ['!!timestamp 2024-01-01', '!!timestamp'],
    ['!!str 5', '!!str'],
    ['! plain', '!'],
    ['!<tag:yaml.org,2002:binary> aGVsbG8=', '!!binary'],
    [`!${'t'.repeat(300)} v`, '!ttt'],
  ];
  for (const [value, words] of cases) {
    it(`x-examples: ${value.slice(0, 30)} → YAML_TAG`, () => {
      const r = loadRuleSet('hostile.yaml', withInput(`      x-examples: ${value}\n`), { sources });
      expect(r.ok).toBe(false);
      expect(r.findings[0]?.code).toBe('YAML_TAG');
      expect(r.findings[0]?.message).toContain(words);
      expect(r.findings[0]?.message.length).toBeLessThan(120);
    });
  }
  it('plain scalars, quoted strings and flow collections carry no tag and load', () => {
    expect(loadRuleSet('ok.yaml', withInput('      x-examples: [1, "2", 三, { a: true }]\n'), { sources }).ok).toBe(true);
  });
});

describe('item 5: deep YAML is refused by a linear scan before the parser recurses', () => {
  const MB = 1024 * 1024 - 16;
  for (const [name, text] of [
    ['1 MB of [', '['.repeat(MB)],
    ['1 MB of {a: ', `a: ${'{a: '.repeat(MB / 4)}`],
    ['600 kB of - - -', `${'- '.repeat(300_000)}a\n`],
    ['600 kB of ? ? ?', `${'? '.repeat(300_000)}a\n`],
  ] as const) {
    it(`${name} → YAML_TOO_DEEP_TEXT`, () => {
      const r = loadRuleSet('deep.yaml', text, { sources });
      expect(r.ok).toBe(false);
      expect(r.findings.map((f) => f.code)).toEqual(['YAML_TOO_DEEP_TEXT']);
      expect(r.findings[0]?.line).toBe(1);
    });
  }
  it('brackets inside quotes and comments, and plain text, are not nesting', () => {
    const brackets = '['.repeat(200);
    const r = loadRuleSet('ok.yaml', withInput(`      description: "${brackets}" # ${brackets}\n      x-examples: ['${brackets}']\n`), { sources });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe('item 10: calendar results stay within 1000-01-01 … 9999-12-31', () => {
  it('add_days and add_months past 9999-12-31 are refused, not a date no operator can compare', () => {
    const days = compileFormula('add_days(d, n)', () => true);
    const months = compileFormula('add_months(d, n)', () => true);
    if (!days.ok || !months.ok) throw new Error('formulas should compile');
    expect(days.formula.evaluate(new Map<string, unknown>([['d', '9999-12-30'], ['n', 1]]))).toBe('9999-12-31');
    expect(() => days.formula.evaluate(new Map<string, unknown>([['d', '9999-12-30'], ['n', 5]]))).toThrow(/超出 1000-01-01 至 9999-12-31/);
    expect(() => days.formula.evaluate(new Map<string, unknown>([['d', '2024-01-01'], ['n', 1e15]]))).toThrow(/超出/);
    expect(() => months.formula.evaluate(new Map<string, unknown>([['d', '1000-01-15'], ['n', -1]]))).toThrow(/超出/);
  });
});
