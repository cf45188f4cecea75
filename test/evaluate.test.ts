import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadRuleSet, SourceTexts, evaluate, ZhiduError, type PreparedRuleSet, type Decision } from '../src/index.js';
import { plainPathResolver, parsePath } from '../src/eval/path-resolver.js';
import { traceCondition, conditionTemplate } from '../src/decision/condition-trace.js';
import { parseYaml } from '../src/text/yaml-source.js';
import { runSuite } from '../src/testing/run-suite.js';
import { Registry } from '../src/load/registry.js';

const sources = new SourceTexts('rules/sources');
const cite = '{ file: 004_44ebc9396ef4097f.txt, lines: [45, 45], clause: 第2篇 三(一) }';

function load(yaml: string, file = 'inline.yaml'): PreparedRuleSet {
  const r = loadRuleSet(file, yaml, { sources });
  if (!r.ok) throw new Error(r.findings.map((f) => `${f.line}:${f.column} ${f.message}`).join('\n'));
  return r.ruleSet;
}

const SPLIT_FILE = 'test/fixtures/semantics/split.yaml';
const SPLIT = load(readFileSync(SPLIT_FILE, 'utf8'));;

const rule = (d: Decision, id: string) => d.rules.find((r) => r.id === id)?.result;

describe('engine semantics as suite cases (test/fixtures/semantics/split.test.yaml)', () => {
  it('every case passes, and there are as many as the file lists', async () => {
    const file = 'test/fixtures/semantics/split.test.yaml';
    const result = await runSuite(file, new Registry(sources), { ruleSet: SPLIT, text: readFileSync(file, 'utf8') });
    expect(result.findings).toEqual([]);
    expect(result.cases.filter((c) => !c.ok).map((c) => `${c.line} ${c.name}: ${c.failures.join('; ')}`)).toEqual([]);
    expect(result.cases).toHaveLength(9);
  });
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
  it('facts under a branch already decided false are not asked for', async () => {
    const rs = load(`
id: branch
title: 分支
version: 1.0.0
effective_from: null
source: { document: B, file: 004_44ebc9396ef4097f.txt, lines: [45, 45] }
inputs: { type: object, properties: { months: { type: number, title: 工期 }, mode: { type: string, title: 方式 }, first: { type: number, title: 第一期 } } }
outputs: { ok: { title: 合规, type: boolean } }
outcome: ok
rules:
  - id: plan_ok
    title: 合规
    when:
      any:
        - all: [ { fact: months, operator: lessThanInclusive, value: 6 }, { fact: mode, operator: equal, value: lump_sum } ]
        - all: [ { fact: months, operator: greaterThan, value: 6 }, { fact: first, operator: equal, value: 50 } ]
    then: { ok: true }
    citation: ${cite}
    reason: 合规
`);
    const d = await evaluate(rs, { months: 6 }, { asOf: '2024-01-01' });
    expect(d.status).toBe('undetermined');
    expect(d.missing.map((m) => m.fact)).toEqual(['mode']);
  });
  it('facts under a nested branch already decided are not asked for', async () => {
    const rs = load(`
id: branch
title: 分支
version: 1.0.0
effective_from: null
source: { document: B, file: 004_44ebc9396ef4097f.txt, lines: [45, 45] }
inputs:
  type: object
  properties:
    flag: { type: boolean, title: 标志 }
    x: { type: integer, title: 甲数 }
    y: { type: integer, title: 乙数 }
outputs:
  ok: { title: 合规, type: boolean }
outcome: ok
rules:
  - id: r
    title: 规则
    when: { any: [ { all: [ { fact: flag, operator: equal, value: true }, { fact: x, operator: greaterThan, value: 1 } ] }, { fact: y, operator: equal, value: 1 } ] }
    then: { ok: true }
    citation: ${cite}
    reason: 成立。
`);
    const d = await evaluate(rs, { flag: false }, { asOf: '2024-01-01' });
    expect(d.status).toBe('undetermined');
    expect(d.missing.map((m) => m.fact)).toEqual(['y']);
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

describe('outputs', () => {
  it('the higher-priority rule wins', async () => {
    const d = await evaluate(SPLIT, { total: 1, count: 9 }, { asOf: '2024-01-01' });
    expect(d.outputs.level).toMatchObject({ status: 'set', value: 'A', rules: ['level_a'] });
  });
  it('a lower-priority holding rule does not decide while a higher one is unknown', async () => {
    const rs = load(`
id: prio
title: 优先
version: 1.0.0
effective_from: null
source: { document: B, file: 004_44ebc9396ef4097f.txt, lines: [45, 45] }
inputs: { type: object, properties: { x: { type: integer, title: X }, y: { type: integer, title: Y } } }
outputs: { level: { title: 等级, type: string } }
outcome: level
rules:
  - { id: hi, title: 高, priority: 5, when: { all: [ { fact: x, operator: equal, value: 1 } ] }, then: { level: H }, citation: ${cite}, reason: 高 }
  - { id: lo, title: 低, when: { all: [ { fact: y, operator: equal, value: 1 } ] }, then: { level: L }, citation: ${cite}, reason: 低 }
`);
    const d = await evaluate(rs, { y: 1 }, { asOf: '2024-01-01' });
    expect(d.status).toBe('undetermined');
    expect(d.missing.map((m) => m.fact)).toEqual(['x']);
  });
  it('equal-priority rules that disagree are a 422, not a silent pick', async () => {
    const rs = load(`
id: clash
title: 冲突
version: 1.0.0
effective_from: null
source: { document: B, file: 004_44ebc9396ef4097f.txt, lines: [45, 45] }
inputs: { type: object, properties: { x: { type: integer, title: X } } }
outputs: { level: { title: 等级, type: string } }
outcome: level
rules:
  - { id: one, title: 一, when: { all: [ { fact: x, operator: greaterThan, value: 0 } ] }, then: { level: A }, citation: ${cite}, reason: 一 }
  - { id: two, title: 二, when: { all: [ { fact: x, operator: greaterThan, value: 1 } ] }, then: { level: B }, citation: ${cite}, reason: 二 }
`);
    await expect(evaluate(rs, { x: 5 }, { asOf: '2024-01-01' })).rejects.toMatchObject({ code: 'OUTPUT_CONFLICT', status: 422 });
    await expect(evaluate(rs, { x: 1 }, { asOf: '2024-01-01' })).resolves.toMatchObject({ outcome: { value: 'A' } });
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

describe('selector facts', () => {
  it('a rule failing only on a selector fact did not apply and is not a failed pathway', async () => {
    const rs = load(`
id: matters
title: 事项
version: 1.0.0
effective_from: null
source: { document: B, file: 004_44ebc9396ef4097f.txt, lines: [45, 45] }
inputs:
  type: object
  required: [matter]
  properties:
    matter: { type: string, title: 事项, enum: [buy, sell], x-selector: true }
    area: { type: number, title: 面积 }
outputs: { ok: { title: 合规, type: boolean, default: false } }
outcome: ok
rules:
  - { id: buy_ok, title: 购买, when: { all: [ { fact: matter, operator: equal, value: buy }, { fact: area, operator: lessThan, value: 60 } ] }, then: { ok: true }, citation: ${cite}, reason: 可购买 }
  - { id: sell_ok, title: 出售, when: { all: [ { fact: matter, operator: equal, value: sell }, { fact: area, operator: lessThan, value: 90 } ] }, then: { ok: true }, citation: ${cite}, reason: 可出售 }
`);
    const d = await evaluate(rs, { matter: 'buy', area: 70 }, { asOf: '2024-01-01' });
    expect(d.failed.map((f) => f.rule)).toEqual(['buy_ok']);
    expect(d.rules.find((r) => r.id === 'sell_ok')?.result).toBe('false');
  });
});

describe('what a reason cannot fill in, it names', () => {
  const rs = load(`
id: pending
title: 待补
version: 1.0.0
effective_from: null
source: { document: B, file: 004_44ebc9396ef4097f.txt, lines: [45, 45] }
inputs:
  type: object
  required: [eligible]
  properties:
    eligible: { type: boolean, title: 符合条件 }
    amount: { type: string, format: decimal, title: 申报金额 }
    limit: { type: string, format: decimal, title: 限额 }
derived:
  - { id: doubled, title: 两倍金额, type: decimal, formula: "amount * 2" }
outputs:
  ok: { title: 结论, type: boolean }
  total: { title: 合计, type: decimal, x-unit: 元 }
outcome: ok
rules:
  - id: grant
    title: 发放
    when: { all: [ { fact: eligible, operator: equal, value: true } ] }
    then: { ok: true, total: { formula: "doubled" } }
    citation: ${cite}
    reason: 合计{{total}}，申报{{amount}}，两倍{{doubled}}。
  - id: over_limit
    title: 超限
    when: { all: [ { fact: amount, operator: greaterThan, value: { fact: limit } } ] }
    then: { ok: false }
    priority: 2
    citation: ${cite}
    reason: 超限。
`);

  it('a missing input reads 未提供, a value that needs it names it, and a fact compared with an unknown one shows no empty brackets', async () => {
    const d = await evaluate(rs, { eligible: true }, { asOf: '2024-01-01' });
    expect(d.reasons.find((r) => r.rule === 'grant')?.text).toBe('合计（尚缺申报金额，无法计算），申报（未提供），两倍（尚缺申报金额，无法计算）。');
    const over = d.rules.find((r) => r.id === 'over_limit');
    expect(over?.condition.kind === 'all' && over.condition.children[0]?.kind === 'fact' ? over.condition.children[0].text : '').toBe('申报金额应大于 限额');
    const known = await evaluate(rs, { eligible: true, amount: '5', limit: '10' }, { asOf: '2024-01-01' });
    expect(known.reasons.find((r) => r.rule === 'grant')?.text).toBe('合计10 元，申报5，两倍10。');
    const over2 = known.rules.find((r) => r.id === 'over_limit');
    expect(over2?.condition.kind === 'all' && over2.condition.children[0]?.kind === 'fact' ? over2.condition.children[0].text : '').toBe('申报金额应大于 限额（10）');
  });
});
