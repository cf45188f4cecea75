import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { loadRulePaths, testFileFor, type PreparedRuleSet } from '../src/index.js';
import { evaluateCompact, runEngine } from '../src/eval/evaluate.js';
import { CODE_FALSE, CODE_NOT_EVALUATED, CODE_TRUE, CODE_UNKNOWN } from '../src/eval/compile.js';
import { loadSuite } from '../src/testing/run-suite.js';
import { generatePopulation } from '../src/impact/population-generator.js';
import { ZhiduError } from '../src/errors/finding.js';

/**
 * Differential against the reference implementation: the compiled evaluator
 * and raw json-rules-engine (zhidu's operators, no explanation) on every YAML
 * case of every rule set and on 2,000 generated applicants per rule set,
 * condition by condition (docs/benchmarks.md, "Differential"):
 *
 * - where zhidu's three-valued result of a rule or condition is true or
 *   false, the engine's must be the same;
 * - an unknown condition on a fact (a fact it reads has no value) must be
 *   false in the engine: its operators answer false on a missing value; an
 *   unknown all/any/not has no counterpart and follows from its children,
 *   which are compared themselves;
 * - a condition zhidu did not evaluate must have no result in the engine.
 */
const GENERATED = 2_000;
const loaded = loadRulePaths(['rules', 'test/fixtures/semantics', 'test/fixtures/good'], 'rules/sources');
const files = loaded.files.filter((f) => existsSync(testFileFor(f)));

interface EngineNode {
  all?: EngineNode[];
  any?: EngineNode[];
  not?: EngineNode;
  fact?: string;
  result?: boolean;
}

/** Compare one rule's engine result tree with the codes, node for node in pre-order; returns the next code index. */
function compareTree(node: EngineNode, codes: Uint8Array, at: number, path: string, out: string[]): number {
  const code = codes[at] as number;
  const leaf = node.fact !== undefined;
  if (code === CODE_TRUE || code === CODE_FALSE) {
    if (node.result !== (code === CODE_TRUE)) out.push(`${path}: zhidu ${code === CODE_TRUE}, engine ${String(node.result)}`);
  } else if (code === CODE_UNKNOWN) {
    if (leaf && node.result !== false) out.push(`${path}: zhidu unknown, engine ${String(node.result)} (a missing value must fail)`);
  } else if (code === CODE_NOT_EVALUATED) {
    if (node.result !== undefined) out.push(`${path}: zhidu not evaluated, engine ${String(node.result)}`);
  }
  let next = at + 1;
  const children = node.all ?? node.any ?? (node.not ? [node.not] : []);
  children.forEach((c, i) => {
    next = compareTree(c, codes, next, `${path}/${node.all ? 'all' : node.any ? 'any' : 'not'}${node.not ? '' : `/${i}`}`, out);
  });
  return next;
}

function samples(file: string): { id: string; list: { rs: PreparedRuleSet; facts: unknown; asOf: string }[]; cases: number } {
  const { suite } = loadSuite(testFileFor(file), readFileSync(testFileFor(file), 'utf8'));
  if (!suite) throw new Error(`unreadable test file for ${file}`);
  const list: { rs: PreparedRuleSet; facts: unknown; asOf: string }[] = [];
  for (const c of suite.cases) {
    const asOf = c.as_of ?? '2024-01-01';
    try {
      list.push({ rs: loaded.registry.inForce(suite.ruleset, asOf), facts: c.facts, asOf });
    } catch {
      // a case dated where no version is in force has nothing to compare
    }
  }
  const cases = list.length;
  const rs = loaded.registry.latest(suite.ruleset) as PreparedRuleSet;
  const asOf = rs.effectiveFrom && rs.effectiveFrom > '2024-06-01' ? rs.effectiveFrom : '2024-06-01';
  // Half with every question answered, half with some left out (so unknowns are compared too).
  for (const facts of generatePopulation(rs.definition, GENERATED / 2, { seed: 1, asOf })) list.push({ rs, facts, asOf });
  for (const facts of generatePopulation(rs.definition, GENERATED / 2, { seed: 20261204, asOf, missingRate: 0.2 })) list.push({ rs, facts, asOf });
  return { id: suite.ruleset, list, cases };
}

describe('differential: compiled evaluator against json-rules-engine', () => {
  it('covers the 13 bundled rule sets and the fixtures', () => {
    expect(files.filter((f) => f.startsWith('rules')).length).toBe(13);
  });

  for (const file of files) {
    it(`${file}: every condition of every case and of ${GENERATED.toLocaleString('en')} generated applicants`, async () => {
      const { list, cases } = samples(file);
      expect(cases).toBeGreaterThan(0);
      const tally = { decided: 0, unknown: 0, compared: 0 };
      const differences: string[] = [];
      for (const [n, s] of list.entries()) {
        let compact;
        try {
          compact = evaluateCompact(s.rs, s.facts, { asOf: s.asOf });
        } catch (err) {
          // Refused facts (or a conflict of outputs) decide nothing to compare.
          if (err instanceof ZhiduError) continue;
          throw err;
        }
        tally.compared += 1;
        const raw = await runEngine(s.rs, s.facts, { asOf: s.asOf });
        for (const [i, rule] of s.rs.compiled.rules.entries()) {
          const id = (s.rs.rules[i] as { id: string }).id;
          const code = compact.codes[rule.offset] as number;
          if (code === CODE_TRUE || code === CODE_FALSE) tally.decided += 1;
          else if (code === CODE_UNKNOWN) tally.unknown += 1;
          const result = raw.get(id);
          if (!result) {
            differences.push(`#${n} ${id}: no engine result`);
            continue;
          }
          const out: string[] = [];
          // The engine leaves the root's result on the rule (whether it fired), not on the condition.
          const root = { ...(result.conditions as unknown as EngineNode), result: result.result };
          const end = compareTree(root, compact.codes, rule.offset, id, out);
          if (end !== rule.offset + rule.size) out.push(`${id}: engine tree has ${end - rule.offset} nodes, zhidu ${rule.size}`);
          for (const o of out) differences.push(`#${n} ${o}`);
        }
      }
      expect(differences.slice(0, 5)).toEqual([]);
      // Not vacuous: most applicants were decided and compared, with rules decided both ways.
      expect(tally.compared).toBeGreaterThan(cases / 2 + GENERATED / 2);
      // The semantics fixtures are one or two rules built around unknown branches: there, at least
      // one decided rule per two applicants; in the bundled rule sets, more than one per applicant.
      expect(tally.decided).toBeGreaterThan(file.startsWith('rules') ? tally.compared : tally.compared / 2);
    });
  }
});
