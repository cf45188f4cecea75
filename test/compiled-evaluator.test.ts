import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { loadRulePaths, testFileFor, type PreparedRuleSet } from '../src/index.js';
import { evaluate, evaluateReference, evaluateCompact, runEngine } from '../src/eval/evaluate.js';
import { TRUTH_OF_CODE } from '../src/eval/compile.js';
import { loadSuite } from '../src/testing/run-suite.js';
import { generatePopulation } from '../src/impact/population-generator.js';
import { ZhiduError } from '../src/errors/finding.js';

/**
 * The compiled evaluator plus explain() must give, byte for byte, the Decision
 * json-rules-engine's path gives (or the same error), on every bundled test
 * case and on a seeded generated population of every rule set.
 */
const loaded = loadRulePaths(['rules'], 'rules/sources');
const POPULATION = 300;

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
          if (compiled !== reference) diffs.push(`#${i}: ${compiled.slice(0, 200)} ≠ ${reference.slice(0, 200)}`);
        }
        expect(diffs.slice(0, 3)).toEqual([]);
      });

      it("agrees with json-rules-engine's raw result wherever zhidu's three-valued result is true or false", async () => {
        let decided = 0;
        const disagreements: string[] = [];
        for (const s of [...cases, ...population]) {
          let compact;
          try {
            compact = evaluateCompact(s.rs, s.facts, { asOf: s.asOf });
          } catch (err) {
            if (err instanceof ZhiduError) continue;
            throw err;
          }
          const raw = await runEngine(s.rs, s.facts, { asOf: s.asOf });
          for (const [i, rule] of s.rs.compiled.rules.entries()) {
            const truth = TRUTH_OF_CODE[compact.codes[rule.offset] as number];
            // Unknown has no counterpart in the engine: a missing fact makes its comparison false, so
            // the engine says false under all/any and true under a not; such rules are not compared.
            if (truth !== 'true' && truth !== 'false') continue;
            decided += 1;
            const id = (s.rs.rules[i] as { id: string }).id;
            const engine = raw.get(id)?.result;
            if (engine !== (truth === 'true')) disagreements.push(`${id}: zhidu ${truth}, engine ${String(engine)}`);
          }
        }
        expect(decided).toBeGreaterThan(0);
        expect(disagreements.slice(0, 3)).toEqual([]);
      });
    });
  }
});
