import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { loadRuleSet, SourceTexts, evaluate, ZhiduError, type PreparedRuleSet, type Decision } from '../src/index.js';
import { plainPathResolver, parsePath } from '../src/eval/path-resolver.js';
import { traceCondition, conditionTemplate } from '../src/decision/condition-trace.js';
import { parseYaml } from '../src/text/yaml-source.js';
import { runSuite } from '../src/testing/run-suite.js';
import { Registry } from '../src/load/registry.js';

const sources = new SourceTexts('rules/sources');

function load(yaml: string, file = 'inline.yaml'): PreparedRuleSet {
  const r = loadRuleSet(file, yaml, { sources });
  if (!r.ok) throw new Error(r.findings.map((f) => `${f.line}:${f.column} ${f.message}`).join('\n'));
  return r.ruleSet;
}

const SEMANTICS = 'test/fixtures/semantics';
const SPLIT = load(readFileSync(`${SEMANTICS}/split.yaml`, 'utf8'));

const rule = (d: Decision, id: string) => d.rules.find((r) => r.id === id)?.result;

describe('engine semantics as suite cases (test/fixtures/semantics/*.test.yaml)', () => {
  const suites = readdirSync(SEMANTICS).filter((f) => f.endsWith('.test.yaml'));
  it('cover every semantics rule set that has cases', () => {
    expect(suites.sort()).toEqual(['branch', 'conflict', 'matters', 'nested-branch', 'priority', 'split'].map((n) => `${n}.test.yaml`));
  });
  for (const name of suites) {
    it(`${name}: every case passes, and all the file lists ran`, async () => {
      const file = `${SEMANTICS}/${name}`;
      const text = readFileSync(file, 'utf8');
      const ruleSet = load(readFileSync(file.replace(/\.test\.yaml$/, '.yaml'), 'utf8'), file.replace(/\.test\.yaml$/, '.yaml'));
      const result = await runSuite(file, new Registry(sources), { ruleSet, text });
      expect(result.findings).toEqual([]);
      expect(result.cases.filter((c) => !c.ok).map((c) => `${c.line} ${c.name}: ${c.failures.join('; ')}`)).toEqual([]);
      expect(result.cases).toHaveLength((parse(text) as { cases: unknown[] }).cases.length);
    });
  }
});

describe('exact decimal arithmetic', () => {
  it('splits 1,880,000 into exactly 1,504,000 and 376,000', async () => {
    const d = await evaluate(SPLIT, { total: 1880000 }, { asOf: '2024-01-01' });
    expect(d.facts.derived.city).toBe('1504000');
    expect(d.facts.derived.district).toBe('376000');
    expect(d.outputs.city_share?.value).toBe('1504000');
    expect(d.reasons[0]?.text).toBe('市级 1504000，区级 376000。');
  });
  it('adds 0.1 and 0.2 to exactly 0.3', async () => {
    const d = await evaluate(SPLIT, { total: 1, a: '0.1', b: '0.2' }, { asOf: '2024-01-01' });
    expect(d.facts.derived.sum_ab).toBe('0.3');
    expect(rule(d, 'exact_sum')).toBe('true');
    expect(0.1 + 0.2 === 0.3).toBe(false); // what binary floating point would have said
  });
  it('keeps more digits than a double can hold', async () => {
    const d = await evaluate(SPLIT, { total: 1, a: '12345678901234567890.01', b: '0.02' }, { asOf: '2024-01-01' });
    expect(d.facts.derived.sum_ab).toBe('12345678901234567890.03');
  });
});

describe('missing, zero and false are three different things', () => {
  it('an absent fact leaves its rule unknown, never false', async () => {
    const d = await evaluate(SPLIT, { total: 1 }, { asOf: '2024-01-01' });
    expect(rule(d, 'zero_count')).toBe('unknown');
    expect(rule(d, 'no_contract')).toBe('unknown');
    expect(d.outputs.flags?.status).toBe('unknown');
    expect(d.missing.map((m) => m.fact)).toEqual(expect.arrayContaining(['count', 'has_contract', 'start', 'born', 'a', 'b']));
  });
  it('a derived fact missing one input asks only for that input, not the one supplied', async () => {
    const d = await evaluate(SPLIT, { total: 1, a: '0.1' }, { asOf: '2024-01-01' });
    const asked = d.missing.map((m) => m.fact);
    expect(asked).toContain('b');
    expect(asked).not.toContain('a');
  });
  it('false is a value, and a failed not() names the condition that should not hold', async () => {
    const no = await evaluate(SPLIT, { total: 1, has_contract: false }, { asOf: '2024-01-01' });
    expect(rule(no, 'no_contract')).toBe('true');
    const yes = await evaluate(SPLIT, { total: 1, has_contract: true }, { asOf: '2024-01-01' });
    expect(rule(yes, 'no_contract')).toBe('false');
    const failed = yes.failed.find((f) => f.rule === 'no_contract');
    expect(failed?.conditions[0]?.text).toBe('有合同不应为是');
  });
  it('a default applies only once every rule that could set the output is decided', async () => {
    const d = await evaluate(SPLIT, { total: 0 }, { asOf: '2024-01-01' });
    expect(d.outcome).toMatchObject({ status: 'set', value: true });
  });
});

describe('dates are compared as dates', () => {
  // dateBefore and impossible dates are suite cases (split.test.yaml); here what a suite cannot say: the derived age.
  it('ages count completed years (周岁), turning on the birthday', async () => {
    const eve = await evaluate(SPLIT, { total: 1, born: '2006-03-01' }, { asOf: '2024-02-29' });
    const day = await evaluate(SPLIT, { total: 1, born: '2006-03-01' }, { asOf: '2024-03-01' });
    expect(eve.facts.derived.age).toBe('17');
    expect(rule(eve, 'adult')).toBe('false');
    expect(day.facts.derived.age).toBe('18');
    expect(rule(day, 'adult')).toBe('true');
  });
  it('a leap-day birthday is completed on 1 March in common years', async () => {
    const d = await evaluate(SPLIT, { total: 1, born: '2004-02-29' }, { asOf: '2022-02-28' });
    expect(d.facts.derived.age).toBe('17');
  });
});

describe('facts are checked against the input schema first', () => {
  const refuse = async (facts: unknown) => {
    try {
      await evaluate(SPLIT, facts, { asOf: '2024-01-01' });
    } catch (err) {
      if (err instanceof ZhiduError) return err;
      throw err;
    }
    throw new Error('not refused');
  };
  it('a missing required fact', async () => {
    const err = await refuse({});
    expect(err.violations).toEqual([expect.objectContaining({ code: 'FACT_REQUIRED', pointer: '/total' })]);
    expect(err.violations[0]?.message).toContain('总额');
  });
  it('an undeclared fact', async () => {
    const err = await refuse({ total: 1, salary: 3 });
    expect(err.violations).toEqual([expect.objectContaining({ code: 'FACT_UNKNOWN', pointer: '/salary' })]);
  });
  it('a wrongly typed fact, with expected and found', async () => {
    const err = await refuse({ total: '1000' });
    expect(err.violations[0]).toMatchObject({ code: 'FACT_TYPE', pointer: '/total' });
    expect(err.violations[0]?.message).toMatch(/须为数字，如 \d+.*；现填 1000/);
    expect(err.violations[0]?.message_en).toBe('Fact "total" must be number, found "1000"');
  });
  it('a prototype key, never merged', async () => {
    const err = await refuse(JSON.parse('{"total": 1, "__proto__": {"polluted": true}}'));
    expect(err.violations[0]).toMatchObject({ code: 'FACT_FORBIDDEN_KEY', pointer: '/__proto__' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('a bad decision date', async () => {
    await expect(evaluate(SPLIT, { total: 1 }, { asOf: '2024-13-01' })).rejects.toMatchObject({ code: 'AS_OF_INVALID' });
  });
});

describe('fresh state per evaluation', () => {
  it('concurrent evaluations do not see each other, and the loaded rule set is frozen', async () => {
    const runs = await Promise.all(Array.from({ length: 50 }, (_, i) => evaluate(SPLIT, { total: i * 10 }, { asOf: '2024-01-01' })));
    runs.forEach((d, i) => expect(d.outputs.city_share?.value).toBe(String(i * 8)));
    expect(Object.isFrozen(SPLIT.definition)).toBe(true);
    expect(Object.isFrozen(SPLIT.definition.rules[0])).toBe(true);
  });
});

describe('a condition json-rules-engine never evaluated is shown as not evaluated', () => {
  it('maps an unevaluated leaf to not_evaluated and does not count it as failed', () => {
    const when = { all: [{ fact: 'total', operator: 'equal', value: 1 }, { fact: 'count', operator: 'equal', value: 0 }] };
    const engineResult = { all: [{ fact: 'total', operator: 'equal', value: 1, factResult: 2, result: false }, { fact: 'count', operator: 'equal', value: 0 }] };
    const trace = traceCondition(engineResult, conditionTemplate(when, SPLIT.facts), SPLIT.facts, new Map());
    expect(trace.result).toBe('false');
    if (trace.kind === 'fact') throw new Error('expected a boolean node');
    expect(trace.children.map((c) => c.result)).toEqual(['false', 'not_evaluated']);
  });
});

describe('paths are plain property paths', () => {
  it('resolves own properties only', () => {
    expect(plainPathResolver({ a: { b: [5, 6] } }, '$.a.b[1]')).toBe(6);
    expect(plainPathResolver({ a: {} }, '$.a.constructor')).toBeUndefined();
    expect(plainPathResolver({ a: {} }, '$.a.toString')).toBeUndefined();
  });
  it('refuses JSONPath filters, scripts and recursive descent', () => {
    for (const p of ['$..a', '$.a[?(@.b)]', "$[(process.exit())]", '$.a.__proto__', '$', 'a.b', '$.a[*]']) {
      expect(parsePath(p), p).toBeUndefined();
    }
  });
});

describe('hostile YAML', () => {
  it('refuses text over the size limit before parsing it', () => {
    const r = parseYaml('big.yaml', 'a: ' + 'x'.repeat(2000), { maxBytes: 1000, maxDepth: 40, maxAliases: 0 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.findings[0]).toMatchObject({ code: 'YAML_TOO_LARGE', line: 1, column: 1 });
  });
  it('refuses a billion-laughs alias bomb', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]'].join('\n');
    const r = parseYaml('bomb.yaml', bomb, { maxBytes: 10000, maxDepth: 40, maxAliases: 5 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.findings.some((f) => f.code === 'YAML_ALIAS_LIMIT')).toBe(true);
  });
});

describe('what a reason cannot fill in, it names', () => {
  const rs = load(readFileSync(`${SEMANTICS}/pending.yaml`, 'utf8'), `${SEMANTICS}/pending.yaml`);

  it('a missing input reads 未提供, a value that needs it names it, and a fact compared with an unknown one shows no empty brackets', async () => {
    const d = await evaluate(rs, { eligible: true }, { asOf: '2024-01-01' });
    expect(d.reasons.find((r) => r.rule === 'grant')?.text).toBe('合计（尚缺申报金额，无法计算），申报（未提供），两倍（尚缺申报金额，无法计算）。');
    const over = d.rules.find((r) => r.id === 'over_limit');
    expect(over?.condition.kind === 'all' && over.condition.children[0]?.kind === 'fact' ? over.condition.children[0].text : '').toBe('申报金额应大于 限额');
    const known = await evaluate(rs, { eligible: true, amount: '5', limit: '10' }, { asOf: '2024-01-01' });
    expect(known.reasons.find((r) => r.rule === 'grant')?.text).toBe('合计 10 元，申报 5，两倍 10。');
    const over2 = known.rules.find((r) => r.id === 'over_limit');
    expect(over2?.condition.kind === 'all' && over2.condition.children[0]?.kind === 'fact' ? over2.condition.children[0].text : '').toBe('申报金额应大于 限额（10）');
  });
});
