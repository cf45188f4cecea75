import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { loadRulePaths, runSuite, evaluate } from '../src/index.js';
import { evaluateReference } from '../src/eval/evaluate.js';
import { EVALUATORS } from '../src/cli/main.js';

/** `zhidu test --engine reference`: the suite runs through json-rules-engine. */
describe('zhidu test --engine', () => {
  it('maps each engine name to its evaluator', () => {
    expect(EVALUATORS.compiled).toBe(evaluate);
    expect(EVALUATORS.reference).toBe(evaluateReference);
  });

  it('runSuite evaluates every case through the evaluator it is given', async () => {
    const { registry } = loadRulePaths(['rules/head-start.yaml'], 'rules/sources');
    let calls = 0;
    const counting: typeof evaluate = (...args) => {
      calls += 1;
      return evaluateReference(...args);
    };
    const result = await runSuite('rules/head-start.test.yaml', registry, { evaluator: counting });
    expect(result.cases.every((c) => c.ok)).toBe(true);
    expect(calls).toBe(result.cases.length);
  });

  it('passes a suite with --engine reference and rejects an unknown engine as a usage error', () => {
    const ok = spawnSync(process.execPath, ['bin/zhidu.js', 'test', 'rules/head-start.yaml', '--engine', 'reference'], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/\d+ passed, 0 failed/);
    const bad = spawnSync(process.execPath, ['bin/zhidu.js', 'test', 'rules/head-start.yaml', '--engine', 'fast'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--engine 应为 compiled 或 reference');
  });
});
