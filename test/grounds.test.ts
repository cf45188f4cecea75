import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadRulePaths, evaluate, SourceTexts } from '../src/index.js';
import { lintText } from '../src/lint/lint-rule-set.js';
import { formatDecision } from '../src/decision/format-text.js';

/**
 * Issue #11 item 1: a refusal names every ground (false conditions under
 * unknown branches too, grouped 不符合 / 尚待核实), rules for another matter
 * stay out, and outputs that apply only to a given outcome are not shown as
 * decided on a refusal.
 */
const { registry } = loadRulePaths(['rules/hukou-settlement.yaml'], 'rules/sources');
const rs = registry.latest('hukou-settlement');
if (!rs) throw new Error('hukou-settlement not loaded');

const rented = {
  matter: 'residence_and_livelihood',
  destination_area: 'city_district',
  destination_locality: 'urban',
  mover_relation: 'self',
  housing_type: 'private_rented',
  has_property_certificate: false,
  housing_let_out: false,
  employment_kind: 'employee',
  work_start_date: '2023-01-01',
  labour_contract_filed: true,
  social_insurance_paid: true,
};

describe('grounds of a refusal', () => {
  it('list the job condition hidden under the unknown livelihood branch, and what to ask for the pending one', async () => {
    const d = await evaluate(rs, rented, { asOf: '2024-07-01' });
    const g = d.grounds?.find((x) => x.rule === 'residence_and_livelihood');
    expect(g?.result).toBe('false');
    expect(g?.pathway).toBe(true);
    expect(g?.unmet.map((c) => c.text)).toContain('现职工作或经营年限（满周年）应大于或等于 2 年');
    // The county branch ("满 1 年", 四县) is another case than this 市区 applicant's.
    expect(g?.unmet.map((c) => c.fact)).not.toContain('destination_area');
    expect(g?.pending.map((c) => c.fact)).toEqual(['stable_income_monthly']);
    expect(g?.ask.map((a) => a.fact)).toEqual(['stable_income_monthly', 'local_minimum_living_standard']);
    // failed carries the same conditions as the ground.
    expect(d.failed.find((f) => f.rule === 'residence_and_livelihood')?.conditions).toEqual(g?.unmet);
  });

  it('leave out rules for another matter even when the applicant also fails their own conditions', async () => {
    const d = await evaluate(rs, rented, { asOf: '2024-07-01' });
    const rules = new Set(d.grounds?.map((g) => g.rule));
    // spouse_reunion is for family_reunion; the applicant also fails its relation condition.
    expect(rules.has('spouse_reunion')).toBe(false);
    expect(d.failed.some((f) => f.rule === 'spouse_reunion')).toBe(false);
  });

  it('mark outputs that apply only when settling as not applicable on a refusal, applicable on a grant', async () => {
    const refused = await evaluate(rs, rented, { asOf: '2024-07-01' });
    expect(refused.outputs.family_members?.applicable).toBe('no');
    expect(refused.outputs.approver?.applicable).toBe('no');
    expect(refused.outputs.result?.applicable).toBeUndefined();
    const granted = await evaluate(rs, { ...rented, housing_type: 'purchased', has_property_certificate: true, work_start_date: '2020-01-01' }, { asOf: '2024-07-01' });
    expect(granted.outcome.value).toBe('settle');
    expect(granted.outputs.family_members?.applicable).toBe('yes');
    const pending = await evaluate(rs, { ...rented, housing_type: 'purchased', has_property_certificate: true }, { asOf: '2024-07-01' });
    expect(pending.status).toBe('undetermined');
    expect(pending.outputs.family_members?.applicable).toBe('pending');
  });

  it('are printed by the CLI grouped as 不符合 and 尚待核实, without the outputs that do not apply', async () => {
    const d = await evaluate(rs, rented, { asOf: '2024-07-01' });
    const text = formatDecision(d);
    expect(text).toMatch(/✘ 合法固定住所和稳定职业或生活来源（二\(二\)1）.*\n    不符合：\n(.*\n){2}      现职工作或经营年限（满周年）应大于或等于 2 年；实际：1 年\n    尚待核实（需询问：每月稳定生活来源、当地最低生活保障标准）：\n      每月稳定生活来源应大于或等于 当地最低生活保障标准/);
    expect(text).not.toContain('可随迁的家庭成员');
  });
});

describe('lint: every output says when it applies', () => {
  const sources = new SourceTexts('rules/sources');
  const text = readFileSync('rules/hukou-settlement.yaml', 'utf8');
  const codes = async (t: string) => (await lintText('h.yaml', t, { sources })).findings.filter((f) => f.code === 'LINT_OUTPUT_APPLIES_UNSTATED');
  it('finds nothing in the bundled rule set', async () => {
    expect(await codes(text)).toEqual([]);
  });
  it('warns on an output without applies_when, and refuses an outcome value the headline cannot take', async () => {
    const unstated = await codes(text.replace('    title: 可随迁的家庭成员\n    applies_when: { outcome: [settle] }\n', '    title: 可随迁的家庭成员\n'));
    expect(unstated.map((f) => [f.severity, f.message])).toEqual([['warning', expect.stringContaining('family_members（可随迁的家庭成员）未写明何时适用')]]);
    const wrong = await codes(text.replace('applies_when: { outcome: [settle] }', 'applies_when: { outcome: [granted] }'));
    expect(wrong.map((f) => [f.severity, f.pointer])).toEqual([['error', '/outputs/family_members/applies_when/outcome/0']]);
  });
});

describe('lint: every ambiguity names what it concerns', () => {
  const sources = new SourceTexts('rules/sources');
  const text = readFileSync('rules/hukou-settlement.yaml', 'utf8');
  const found = async (t: string) => (await lintText('h.yaml', t, { sources })).findings.filter((f) => f.code === 'LINT_AMBIGUITY_CONCERNS_UNSTATED');
  it('finds nothing in the bundled rule set', async () => {
    expect(await found(text)).toEqual([]);
  });
  it('warns on a note without concerns and refuses one naming a rule that does not exist', async () => {
    const line = '        concerns: [{ fact: stable_income_monthly }]\n';
    expect(text).toContain(line);
    const unstated = await found(text.replace(line, ''));
    expect(unstated.map((f) => [f.severity, f.message])).toEqual([['warning', expect.stringContaining('歧义 livelihood_measure 未写明涉及哪些条件或结果')]]);
    const wrong = await found(text.replace(line, '        concerns: [{ rule: no_such_rule }]\n'));
    expect(wrong.map((f) => [f.severity, f.message])).toEqual([['error', expect.stringContaining('规则 no_such_rule 不存在')]]);
  });
});

describe('display', () => {
  const fs = loadRulePaths(['rules/funding-shares.yaml'], 'rules/sources').registry.latest('funding-shares');
  if (!fs) throw new Error('funding-shares not loaded');
  it('shows a derived percent with at most its x-display-decimals, without a space before %, while the value stays exact', async () => {
    const d = await evaluate(fs, { subject: 'head_start_federal_local', hs_total_funding: 3, hs_federal_amount: 1.1, hs_local_amount: 1.9 }, { asOf: '2024-06-01' });
    const out = d.outputs.hs_federal_share_percent;
    expect(out?.value).toBe('36.66666666666666666666666666666666666667');
    expect(out?.display).toBe('36.67%');
    // Money (美元) to the cent: the facts 1.1 and 1.9 read 1.10 and 1.90.
    expect(d.reasons.map((r) => r.text).join('')).toContain('总经费 3 美元 中，联邦政府 1.10 美元 占 36.67%，地方政府 1.90 美元 占 63.33%');
  });
  it('names the headline granted, refused or pending (outcome_kind)', async () => {
    const refused = await evaluate(rs, rented, { asOf: '2024-07-01' });
    expect(refused.outcome_kind).toBe('negative');
    const granted = await evaluate(rs, { ...rented, housing_type: 'purchased', has_property_certificate: true, work_start_date: '2020-01-01' }, { asOf: '2024-07-01' });
    expect(granted.outcome_kind).toBe('positive');
    const pending = await evaluate(rs, { ...rented, housing_type: 'purchased', has_property_certificate: true }, { asOf: '2024-07-01' });
    expect(pending.outcome_kind).toBe('pending');
  });
});
