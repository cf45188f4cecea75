import { describe, it, expect } from 'vitest';
import { loadRulePaths, runSuite } from '../src/index.js';

describe('the example rule set in test/fixtures/good', () => {
  it('loads without findings and passes its own cases', async () => {
    const { registry, findings } = loadRulePaths(['test/fixtures/good/committee-subsidy.yaml'], 'rules/sources');
    expect(findings).toEqual([]);
    const result = await runSuite('test/fixtures/good/committee-subsidy.test.yaml', registry);
    expect(result.findings).toEqual([]);
    for (const c of result.cases) expect({ name: c.name, failures: c.failures }).toEqual({ name: c.name, failures: [] });
    expect(result.cases).toHaveLength(5);
  });
});
