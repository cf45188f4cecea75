import { describe, it, expect } from 'vitest';
import { loadRulePaths, evaluate } from '../src/index.js';
import { formatDecision } from '../src/decision/format-text.js';

/** The CLI's reading: rules that fail on a required (case-frame) fact are counted, not listed as unmet pathways. */
const { registry } = loadRulePaths(['test/fixtures/good/committee-subsidy.yaml'], 'rules/sources');
const rs = registry.latest('committee-subsidy-example');

describe('formatDecision', () => {
  it('counts rules that do not apply to the case frame in one line and lists the unmet pathway', async () => {
    if (!rs) throw new Error('fixture not loaded');
    const d = await evaluate(rs, { role: 'member', terms_reelected: 0, birth_date: '1950-01-01' }, { asOf: '2024-06-01' });
    const text = formatDecision(d, { frame: rs.definition.inputs.required ?? [] });
    expect(text).toContain('未满足的途径：\n  ✘ 委员补贴');
    expect(text).not.toContain('✘ 书记、主任补贴');
    expect(text).toContain('另有 1 条规则因职务不同而不适用');
  });
  it('without a frame lists every failed rule', async () => {
    if (!rs) throw new Error('fixture not loaded');
    const d = await evaluate(rs, { role: 'member', terms_reelected: 0, birth_date: '1950-01-01' }, { asOf: '2024-06-01' });
    const text = formatDecision(d);
    expect(text).toContain('✘ 书记、主任补贴');
    expect(text).not.toContain('不适用的规则');
  });
  it('says what would change a refusal, and nothing of the kind for a grant', async () => {
    const rules = loadRulePaths(['rules/hukou-settlement.yaml'], 'rules/sources').registry.latest('hukou-settlement');
    if (!rules) throw new Error('hukou-settlement not loaded');
    const base = { matter: 'residence_and_livelihood', destination_area: 'city_district', destination_locality: 'urban', mover_relation: 'self', housing_type: 'purchased', has_property_certificate: true, housing_let_out: false, employment_kind: 'employee', labour_contract_filed: true, social_insurance_paid: true };
    const refused = formatDecision(await evaluate(rules, { ...base, housing_let_out: true, work_start_date: '2020-01-01' }, { asOf: '2024-06-01' }));
    expect(refused).toContain('怎样可以改变结论：\n  → 若“该住房已出租给他人”为“否”，可满足“合法固定住所和稳定职业或生活来源（二(二)1）”，结论为：准予落户（迁入）。');
    const granted = formatDecision(await evaluate(rules, { ...base, work_start_date: '2020-01-01' }, { asOf: '2024-06-01' }));
    expect(granted).not.toContain('怎样可以改变结论');
  });
});
