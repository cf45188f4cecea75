import { describe, it, expect } from 'vitest';
import { loadRuleSet, SourceTexts, evaluate } from '../src/index.js';

/** The caseworker is asked only for facts that can still change the answer. */
const cite = '{ file: 004_44ebc9396ef4097f.txt, lines: [45, 45], clause: 第2篇 三(一) }';
const loaded = loadRuleSet(
  'inline.yaml',
  `
id: branch
title: 分支
version: 1.0.0
effective_from: null
source: { document: B, file: 004_44ebc9396ef4097f.txt, lines: [45, 45] }
inputs:
  type: object
  properties:
    years: { type: integer, title: 年限 }
    relation: { type: string, title: 关系, enum: [self, child] }
    age: { type: integer, title: 年龄 }
outputs: { ok: { title: 可以, type: boolean, default: false } }
outcome: ok
rules:
  - id: r
    title: 规则
    when:
      all:
        - { fact: years, operator: greaterThanInclusive, value: 2 }
        - any:
            - { fact: relation, operator: equal, value: self }
            - all:
                - { fact: relation, operator: equal, value: child }
                - { fact: age, operator: lessThan, value: 22 }
    then: { ok: true }
    citation: ${cite}
    reason: 可以
`,
  { sources: new SourceTexts('rules/sources') },
);

describe('missing facts', () => {
  if (!loaded.ok) throw new Error(loaded.findings.map((f) => f.message).join('\n'));
  const rs = loaded.ruleSet;
  it('are not asked below a branch already decided (an any with a true child)', async () => {
    const d = await evaluate(rs, { relation: 'self' }, { asOf: '2024-01-01' });
    expect(d.status).toBe('undetermined');
    expect(d.missing.map((m) => m.fact)).toEqual(['years']);
  });
  it('are asked where the branch is still open', async () => {
    const d = await evaluate(rs, { relation: 'child' }, { asOf: '2024-01-01' });
    expect(d.missing.map((m) => m.fact).sort()).toEqual(['age', 'years']);
  });
});
