import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, basename } from 'node:path';
import { loadRulePaths, evaluate } from '../src/index.js';

/**
 * docs/examples/<rule-set id>[-<variant>].json is a typical case a caseworker would
 * enter: it must be accepted, decided, and decide the headline outcome.
 */
const loaded = loadRulePaths(['rules'], 'rules/sources');
const dir = 'docs/examples';
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

/**
 * The headline outcome each example must reach and the rules that set it: checking
 * only `status` let a qualifying and a refused example pass alike.
 */
const expected: Record<string, { value: unknown; rules: string[] }> = {
  'cadre-travel.json': { value: 'awaiting_after_reminder', rules: ['awaiting_after_reminder'] },
  'committee-staffing.json': { value: 4, rules: ['band_5000_to_8000'] },
  'community-worker.json': { value: false, rules: ['some_standard_missed'] },
  'family-planning.json': { value: 'targets_missed', rules: ['some_target_missed'] },
  'funding-shares.json': { value: false, rules: ['staff_city_mismatch', 'staff_subdistrict_mismatch'] },
  'gov-transparency.json': { value: 'deadline_missing', rules: ['part3_deadline_blank'] },
  'head-start.json': { value: 'gap_only_entrusted_collection', rules: ['settlement_gap_1000_2500'] },
  'housing-project.json': { value: 'eligible', rules: ['application_eligible'] },
  'hukou-qualifies.json': { value: 'settle', rules: ['residence_and_livelihood'] },
  // Refused by default: no settling rule holds, which is why `rules` is empty.
  'hukou-refused.json': { value: 'refuse', rules: [] },
  'illegal-building.json': { value: 'county_gap_no_consequence', rules: ['county_gap_6_to_9'] },
  'pension-fund.json': { value: true, rules: ['balance_matches'] },
  'subsidy-standards.json': { value: 'doctor_wage_standard', rules: ['doctor_wage_standard'] },
  'village-clinic.json': { value: false, rules: ['some_standard_missed'] },
};

describe('example fact files', () => {
  for (const file of files) {
    // <id>.json, or <id>-<variant>.json for several examples of one rule set;
    // or <first word of id>-<variant>.json when exactly one rule set has that first word (hukou-qualifies.json).
    const name = basename(file, '.json');
    const ids = loaded.registry.ids();
    const byShortName = ids.filter((x) => name.startsWith(`${x.split('-')[0]}-`));
    const id = ids.filter((x) => name === x || name.startsWith(`${x}-`)).sort((a, b) => b.length - a.length)[0] ?? (byShortName.length === 1 ? byShortName[0] : undefined) ?? name;
    it(`${file} decides its headline outcome against ${id}`, async () => {
      const rs = loaded.registry.latest(id);
      expect(rs, `no rule set with id ${id}`).toBeDefined();
      const facts: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const decision = await evaluate(rs!, facts, { asOf: '2024-01-01' });
      // Decided; secondary outputs may still ask for a figure the source text itself lacks.
      expect(decision.status).toBe('decided');
      const want = expected[file];
      expect(want, `add the expected outcome of ${file} to this test`).toBeDefined();
      expect({ value: decision.outcome.value, rules: decision.outcome.rules }).toEqual(want);
      // Each rule named as setting the outcome appears among the reasons, as holding.
      for (const rule of want!.rules) expect(decision.reasons.find((r) => r.rule === rule)?.holds, rule).toBe(true);
    });
  }
});
