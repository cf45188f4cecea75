/**
 * The OpenAPI examples of POST /v1/rulesets/{id}/evaluate, one per explain
 * level, built from one real decision: the example rule set
 * (test/fixtures/good/committee-subsidy.yaml, small and stable) and fixed
 * facts, id and time. Called by scripts/gen-types.ts.
 */
import { join } from 'node:path';
import { loadRulePaths } from '../src/load/registry.js';
import { evaluateCompact, explain } from '../src/eval/evaluate.js';
import { atLevel, EXPLAIN_LEVELS } from '../src/decision/explain-level.js';

const root = new URL('..', import.meta.url).pathname;

const SUMMARIES = {
  full: 'explain=full (default): the whole decision, with every rule and condition',
  summary: 'explain=summary: outcome, outputs, reasons, failed pathways with their failing conditions, missing facts, ambiguities; no per-condition trace',
  none: 'explain=none: outputs and status only',
} as const;

export async function writeApiExamples(): Promise<string> {
  const { registry } = loadRulePaths([join(root, 'test/fixtures/good/committee-subsidy.yaml')], join(root, 'rules/sources'), root);
  const rs = registry.latest('committee-subsidy-example');
  if (!rs) throw new Error('example rule set did not load');
  const asOf = '2024-06-01';
  const decision = explain(rs, evaluateCompact(rs, { role: 'member', terms_reelected: 1 }, { asOf }));
  const out: Record<string, { summary: string; value: unknown }> = {};
  for (const level of EXPLAIN_LEVELS) {
    out[level] = { summary: SUMMARIES[level], value: { id: '0b9e5c0e-4a8f-4a53-9f57-3d2a4f6c1e21', recorded_at: '2024-06-01T02:30:00.000Z', explain: level, decision: atLevel(decision, level) } };
  }
  return JSON.stringify(out, null, 2) + '\n';
}
