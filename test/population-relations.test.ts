import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadRuleSet, SourceTexts } from '../src/index.js';
import { generatePopulation } from '../src/impact/population-generator.js';

/** Generated applicants are plausible: relations between facts and declared realistic ranges hold. */
const sources = new SourceTexts('rules/sources');
const text = readFileSync('rules/hukou-settlement.yaml', 'utf8');
const loaded = loadRuleSet('rules/hukou-settlement.yaml', text, { sources });
if (!loaded.ok) throw new Error(JSON.stringify(loaded.findings.slice(0, 2)));
const hukou = loaded.ruleSet;
const asOf = '2025-06-01';
const years = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / (365.25 * 86_400_000);

describe('x-example-after (hukou-settlement)', () => {
  const people = [...generatePopulation(hukou.definition, 20_000, { seed: 3, asOf })];
  it('a child moving to a parent is at least 16 years younger; a parent moving to a child 16 years older', () => {
    const children = people.filter((p) => p.mover_relation === 'child' && p.mover_birth_date && p.applicant_birth_date);
    const parents = people.filter((p) => p.mover_relation === 'parent' && p.mover_birth_date && p.applicant_birth_date);
    expect(children.length).toBeGreaterThan(100);
    expect(parents.length).toBeGreaterThan(100);
    for (const c of children) expect(years(c.applicant_birth_date as string, c.mover_birth_date as string), JSON.stringify(c)).toBeGreaterThanOrEqual(15.99);
    for (const p of parents) expect(years(p.mover_birth_date as string, p.applicant_birth_date as string), JSON.stringify(p)).toBeGreaterThanOrEqual(15.99);
  });
  it('work starts after the 16th birthday (《劳动法》第十五条) and no date is after the decision date', () => {
    const workers = people.filter((p) => p.mover_relation === 'self' && p.mover_birth_date && p.work_start_date);
    expect(workers.length).toBeGreaterThan(100);
    for (const w of workers) expect(years(w.mover_birth_date as string, w.work_start_date as string), JSON.stringify(w)).toBeGreaterThanOrEqual(15.99);
    for (const p of people) for (const k of ['mover_birth_date', 'applicant_birth_date', 'work_start_date']) if (p[k]) expect((p[k] as string) <= asOf).toBe(true);
  });
  it('every generated record still meets the input schema', () => {
    for (const p of people.slice(0, 2000)) expect(hukou.validateInputs(p), JSON.stringify(p)).toBe(true);
  });
});

describe('x-example-range', () => {
  it('draws a number within the declared realistic range, thresholds included', () => {
    const yaml = text.replace(/(      x-unit: 元\/月\n      x-examples: \["800\.00"\]\n)/, '$1      x-example-range: ["500", "1500"]\n');
    expect(yaml).not.toBe(text);
    const r = loadRuleSet('draft.yaml', yaml, { sources });
    if (!r.ok) throw new Error(JSON.stringify(r.findings.slice(0, 2)));
    const values = [...generatePopulation(r.ruleSet.definition, 5000, { seed: 1, asOf })].map((p) => p.local_minimum_living_standard).filter((v) => v !== undefined).map(Number);
    expect(values.length).toBeGreaterThan(1000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...values)).toBeLessThanOrEqual(1500);
  });
});
