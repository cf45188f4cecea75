import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { loadRulePaths, loadSuite, testFileFor, evaluate, ZhiduError } from '../src/index.js';
import type { Decision } from '../src/index.js';
import { favourableValues } from '../src/decision/counterfactual.js';
import { asDecimal } from '../src/eval/decimal.js';
import { evaluateCompact, explain } from '../src/eval/evaluate.js';

/**
 * Counterfactuals checked from outside the module that proposes them: for every
 * case of every bundled suite, each proposal made through input facts is applied
 * to the case's facts and the decision re-made through the public evaluate();
 * the pathway must then hold and the headline be favourable. And no proposal
 * ever changes a known fact marked x-immutable (or the matter asked).
 */
const loaded = loadRulePaths(['rules'], 'rules/sources');

/** A value beyond an exclusive bound, as the form would take it. */
function applied(to: unknown, relation: string, type: string | undefined): unknown {
  if (relation === 'more_than' || relation === 'less_than') {
    const d = asDecimal(to);
    if (!d) return to;
    const step = d.plus(relation === 'more_than' ? '0.000001' : '-0.000001');
    return type === 'string' ? step.toString() : step.toNumber();
  }
  if (type === 'number' || type === 'integer') return typeof to === 'string' ? Number(to) : to;
  return to;
}

describe('counterfactuals of every bundled test case', () => {
  for (const file of loaded.files) {
    const testFile = testFileFor(file);
    if (!existsSync(testFile)) continue;
    it(`${file}: proposals flip their pathway; immutable facts are never changed`, async () => {
      const { suite } = loadSuite(testFile, readFileSync(testFile, 'utf8'));
      if (!suite) throw new Error(`cannot read ${testFile}`);
      const rs = loaded.registry.latest(suite.ruleset);
      if (!rs) throw new Error(`no rule set ${suite.ruleset}`);
      const props = rs.definition.inputs.properties;
      let checked = 0;
      for (const c of suite.cases) {
        const asOf = c.as_of ?? '2024-01-01';
        let d: Decision;
        try {
          d = await evaluate(rs, c.facts, { asOf });
        } catch (err) {
          if (err instanceof ZhiduError) continue;
          throw err;
        }
        for (const cf of d.counterfactuals ?? []) {
          for (const ch of cf.changes) {
            if (ch.from === null) continue;
            const prop = props[ch.fact];
            expect(prop?.['x-immutable'], `${c.name}: ${cf.rule} changes immutable ${ch.fact}`).not.toBe(true);
            expect(prop?.['x-selector'], `${c.name}: ${cf.rule} changes the matter`).not.toBe(true);
          }
          if (!cf.reachable || !cf.changes.every((ch) => props[ch.fact])) continue;
          const facts: Record<string, unknown> = { ...(c.facts as Record<string, unknown>) };
          for (const ch of cf.changes) facts[ch.fact] = applied(ch.to, ch.relation, props[ch.fact]?.type);
          const after = await evaluate(rs, facts, { asOf });
          const rule = after.rules.find((r) => r.id === cf.rule);
          expect(rule?.result, `${c.name}: applying ${JSON.stringify(cf.changes)} should make ${cf.rule} hold`).toBe('true');
          const favourable = favourableValues(rs, after.outcome.id);
          expect(favourable.some((v) => JSON.stringify(v) === JSON.stringify(after.outcome.value)), `${c.name}: headline after ${cf.rule}`).toBe(true);
          checked += 1;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(0);
    });
  }
});

describe('counterfactual wording and data', () => {
  const rs = loaded.registry.latest('hukou-settlement');
  if (!rs) throw new Error('hukou-settlement missing');
  const base = { matter: 'residence_and_livelihood', destination_area: 'city_district', destination_locality: 'urban', mover_relation: 'self', housing_type: 'purchased', has_property_certificate: true, housing_let_out: false, employment_kind: 'employee', labour_contract_filed: true, social_insurance_paid: true };

  it('says the issue example in words and as data: work years from 1 to 2', async () => {
    const d = await evaluate(rs, { ...base, work_start_date: '2023-01-01', stable_income_monthly: '0', local_minimum_living_standard: '800' }, { asOf: '2024-06-01' });
    const cf = d.counterfactuals?.find((c) => c.changes.length === 1 && c.changes[0]?.fact === 'work_years');
    expect(cf?.changes[0]).toMatchObject({ fact: 'work_years', from: 1, to: 2, relation: 'at_least' });
    expect(cf?.text).toBe('若现职工作或经营年限（满周年）达到 2 年，可满足“合法固定住所和稳定职业或生活来源（二(二)1）”，结论为：准予落户（迁入）。');
  });

  it('explain without the search (the benchmark baseline) is the same decision minus counterfactuals', async () => {
    const facts = { ...base, work_start_date: '2023-01-01', stable_income_monthly: '0', local_minimum_living_standard: '800' };
    const compact = evaluateCompact(rs, facts, { asOf: '2024-06-01' });
    const { counterfactuals, ...rest } = explain(rs, compact);
    expect(counterfactuals?.length).toBeGreaterThan(0);
    expect(explain(rs, evaluateCompact(rs, facts, { asOf: '2024-06-01' }), { counterfactuals: false })).toEqual(rest);
  });

  it('a granted decision carries no counterfactuals key at all', async () => {
    const d = await evaluate(rs, { ...base, work_start_date: '2020-01-01' }, { asOf: '2024-06-01' });
    expect(d.outcome.value).toBe('settle');
    expect('counterfactuals' in d).toBe(false);
  });

  it('an unreachable pathway names the unchangeable facts in its way', async () => {
    const d = await evaluate(rs, { ...base, mover_relation: 'child', mover_sex: 'male', mover_birth_date: '2000-01-01', lives_with_applicant: true, work_start_date: '2020-01-01' }, { asOf: '2024-06-01' });
    const cf = d.counterfactuals?.find((c) => c.rule === 'residence_and_livelihood');
    expect(cf?.reachable).toBe(false);
    expect(cf?.changes).toEqual([]);
    expect(cf?.blocked_by).toEqual(expect.arrayContaining(['mover_relation', 'mover_age']));
    expect(cf?.text).toContain('无法通过改变可变事实达到');
  });

  it('a decimal fact with an exclusive bound gives the bound and "more than", not an invented step', async () => {
    const fs = loaded.registry.latest('funding-shares');
    if (!fs) throw new Error('funding-shares missing');
    const d = await evaluate(fs, { subject: 'head_start_instalments', hs_project_months: 6, hs_project_amount: 1000000, hs_planned_payment_mode: 'instalments', hs_planned_first_instalment: 500000, hs_planned_second_instalment: 300000, hs_planned_third_instalment: 200000 }, { asOf: '2024-06-01' });
    const months = d.counterfactuals?.find((c) => c.changes.some((x) => x.fact === 'hs_project_months'));
    expect(months?.changes).toEqual([expect.objectContaining({ fact: 'hs_project_months', from: 6, to: '6', relation: 'more_than' })]);
    expect(months?.text).toContain('项目工期超过 6 月');
  });
});
