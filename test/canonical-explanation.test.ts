import { describe, expect, it } from 'vitest';
import { loadRulePaths } from '../src/load/registry.js';
import { evaluateCompact, explain } from '../src/eval/evaluate.js';
import { generatePopulation } from '../src/impact/population-generator.js';
import { ZhiduError } from '../src/errors/finding.js';
import { canonicalText } from '../src/store/log-record.js';
import { canonicalExplanation } from '../src/store/canonical-explanation.js';

describe('canonicalExplanation', () => {
  const { registry } = loadRulePaths(['rules'], 'rules/sources');
  it.each(registry.ids())('writes exactly canonicalText on a generated population of %s', (id) => {
    const rs = registry.latest(id);
    if (!rs) throw new Error(id);
    let n = 0;
    for (const facts of generatePopulation(rs.definition, 150, { seed: 7, asOf: '2024-06-01', missingRate: 0.1 })) {
      let d;
      try {
        d = explain(rs, evaluateCompact(rs, facts, { asOf: '2024-06-01' }));
      } catch (err) {
        if (err instanceof ZhiduError) continue;
        throw err;
      }
      expect(canonicalExplanation(d)).toBe(canonicalText(d));
      n += 1;
    }
    expect(n).toBeGreaterThan(0);
  });

  it('keeps a key the schema does not name, sorted, and values of any shape', () => {
    const rs = registry.latest('hukou-settlement');
    if (!rs) throw new Error('hukou-settlement');
    const [facts] = generatePopulation(rs.definition, 1, { seed: 3, asOf: '2024-06-01' });
    const d = explain(rs, evaluateCompact(rs, facts, { asOf: '2024-06-01' })) as unknown as Record<string, unknown>;
    const odd = { ...d, zz_added: { b: 1, a: [{ y: 2, x: null }] }, aa_first: '先', outcome: { ...(d.outcome as object), extra: true } };
    expect(canonicalExplanation(odd)).toBe(canonicalText(odd));
    expect(canonicalExplanation(odd)).toContain('"zz_added":{"a":[{"x":null,"y":2}],"b":1}');
  });
});
