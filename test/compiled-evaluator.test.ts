import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { loadRulePaths, testFileFor, type PreparedRuleSet } from '../src/index.js';
import { evaluate, evaluateReference } from '../src/eval/evaluate.js';
import { loadSuite } from '../src/testing/run-suite.js';
import { generatePopulation } from '../src/impact/population-generator.js';
import { ZhiduError } from '../src/errors/finding.js';
import { loadRuleSet, SourceTexts } from '../src/index.js';

/**
 * The compiled evaluator plus explain() must give, byte for byte, the Decision
 * json-rules-engine's path gives (or the same error), on every bundled test
 * case and on a seeded generated population of every rule set. The
 * condition-by-condition differential against raw json-rules-engine, on
 * 2,000 applicants per rule set, is test/differential.test.ts.
 */
const loaded = loadRulePaths(['rules'], 'rules/sources');
const POPULATION = 300;
/** Error outcomes seen, so the error half of the comparison is known to have been exercised. */
const errorsSeen = new Set<string>();

async function outcome(f: () => Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await f());
  } catch (err) {
    if (err instanceof ZhiduError) return `error ${err.code}`;
    throw err;
  }
}

interface Sample {
  readonly rs: PreparedRuleSet;
  readonly facts: unknown;
  readonly asOf: string;
}

function samples(file: string): { id: string; cases: Sample[]; population: Sample[] } {
  const { suite } = loadSuite(testFileFor(file), readFileSync(testFileFor(file), 'utf8'));
  if (!suite) throw new Error(`unreadable test file for ${file}`);
  const cases: Sample[] = [];
  for (const c of suite.cases) {
    const asOf = c.as_of ?? '2024-01-01';
    let rs: PreparedRuleSet;
    try {
      rs = loaded.registry.inForce(suite.ruleset, asOf);
    } catch {
      continue;
    }
    cases.push({ rs, facts: c.facts, asOf });
  }
  const rs = loaded.registry.latest(suite.ruleset) as PreparedRuleSet;
  const asOf = rs.effectiveFrom && rs.effectiveFrom > '2024-06-01' ? rs.effectiveFrom : '2024-06-01';
  const population = [...generatePopulation(rs.definition, POPULATION, { seed: 20261202, asOf, missingRate: 0.15 })].map((facts) => ({ rs, facts, asOf }));
  return { id: suite.ruleset, cases, population };
}

/** What no bundled rule set uses: a path on a scalar fact (the almanac gives the value itself), fact references, a not over a nested any, and a conflict. */
const cite = '{ file: 004_44ebc9396ef4097f.txt, lines: [45, 45], clause: 第2篇 三(一) }';
const edgeLoad = loadRuleSet('edge.yaml', `
id: edge
title: 边界
version: 1.0.0
effective_from: null
source: { document: B, file: 004_44ebc9396ef4097f.txt, lines: [45, 45] }
inputs:
  type: object
  properties:
    x: { type: integer, title: X }
    limit: { type: string, format: decimal, title: 限额 }
    flag: { type: boolean, title: 标记 }
    age: { type: integer, title: 年龄 }
outputs: { level: { title: 等级, type: string }, note: { title: 备注, type: string } }
outcome: level
rules:
  - { id: one, title: 一, when: { all: [ { fact: x, operator: greaterThan, value: 0 } ] }, then: { level: A }, citation: ${cite}, reason: 一 }
  - { id: two, title: 二, when: { all: [ { fact: x, operator: greaterThan, value: 1 } ] }, then: { level: B }, citation: ${cite}, reason: 二 }
  - { id: ref, title: 比较, when: { any: [ { fact: x, operator: lessThanInclusive, value: { fact: limit } }, { fact: flag, operator: equal, value: true } ] }, then: { note: R }, citation: ${cite}, reason: 比较 }
  - id: nested
    title: 嵌套
    when: { all: [ { not: { any: [ { fact: age, path: $.years, operator: greaterThan, value: 40 }, { fact: flag, operator: equal, value: false } ] } }, { fact: age, path: $.years, operator: greaterThanInclusive, value: 18 } ] }
    then: { note: N }
    priority: 2
    citation: ${cite}
    reason: 嵌套
    reason_not: 不嵌套
`, { sources: new SourceTexts('rules/sources') });

const files = loaded.files.filter((f) => existsSync(testFileFor(f)));

describe('compiled evaluator', () => {
  it('covers all 13 bundled rule sets', () => {
    expect(files.length).toBe(13);
  });

  for (const file of files) {
    describe(file, () => {
      const { cases, population } = samples(file);

      it('gives the reference Decision byte for byte on every test case and generated applicant', async () => {
        expect(cases.length).toBeGreaterThan(0);
        expect(population.length).toBe(POPULATION);
        const diffs: string[] = [];
        for (const [i, s] of [...cases, ...population].entries()) {
          const compiled = await outcome(() => evaluate(s.rs, s.facts, { asOf: s.asOf }));
          const reference = await outcome(() => evaluateReference(s.rs, s.facts, { asOf: s.asOf }));
          if (reference.startsWith('error ')) errorsSeen.add(reference);
          if (compiled !== reference) diffs.push(`#${i}: ${compiled.slice(0, 200)} ≠ ${reference.slice(0, 200)}`);
        }
        expect(diffs.slice(0, 3)).toEqual([]);
      });
    });
  }

  it('gives the reference Decision on paths, fact references, not, nested any and conflicts', async () => {
    if (!edgeLoad.ok) throw new Error(edgeLoad.findings.map((f) => f.message).join('\n'));
    const rs = edgeLoad.ruleSet;
    const outcomes = new Set<string>();
    for (const x of [undefined, 0, 1, 5])
      for (const limit of [undefined, '3'])
        for (const flag of [undefined, true, false])
          for (const age of [undefined, 10, 30, 50]) {
            const facts = Object.fromEntries(Object.entries({ x, limit, flag, age }).filter(([, v]) => v !== undefined));
            const compiled = await outcome(() => evaluate(rs, facts, { asOf: '2024-01-01' }));
            const reference = await outcome(() => evaluateReference(rs, facts, { asOf: '2024-01-01' }));
            expect(compiled, JSON.stringify(facts)).toBe(reference);
            outcomes.add(reference.startsWith('error ') ? reference : 'decision');
          }
    expect([...outcomes].sort()).toEqual(['decision', 'error OUTPUT_CONFLICT']);
  });

  it('compared error outcomes too', () => {
    expect([...errorsSeen].sort()).toContain('error FACTS_INVALID');
  });
});
