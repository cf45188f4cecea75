import { describe, it, expect } from 'vitest';
import { loadRulePaths, evaluate } from '../src/index.js';
import { formatDecision } from '../src/decision/format-text.js';
import { renderTemplate } from '../src/decision/render.js';
import { withUnit, moneyText } from '../web/number-words.js';

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

describe('numbers beside units and Chinese, one form on every screen (web/number-words.js)', () => {
  it('a space before a word unit, none before %, money grouped by thousands to the fen', () => {
    expect(withUnit('2', '届')).toBe('2 届');
    expect(withUnit('96.99', '%')).toBe('96.99%');
    expect(withUnit('12345.5', '元')).toBe('12,345.50 元');
    expect(withUnit('-1880000', '元')).toBe('-1,880,000 元');
    expect(withUnit('999', '元/月')).toBe('999 元/月');
    // An exact intermediate beyond the fen is shown whole, never rounded here.
    expect(moneyText('0.125')).toBe('0.125');
    expect(moneyText('（未提供）')).toBe('（未提供）');
    // Grouping is for money only: a count keeps its digits.
    expect(withUnit('6000', '人')).toBe('6000 人');
  });
  it('a template that writes no space still reads 连任 2 届, and one that does gets no second space', () => {
    const values: Record<string, string> = { n: '2 届', rate: '96.99%', amount: '900 元', title: '书记' };
    const fill = (t: string) => renderTemplate(t, (name) => values[name] ?? '');
    expect(fill('连任{{n}}：合计{{amount}}。')).toBe('连任 2 届：合计 900 元。');
    expect(fill('连任 {{n}}，比率{{rate}}的')).toBe('连任 2 届，比率 96.99% 的');
    expect(fill('职务为{{title}}，（{{n}}）')).toBe('职务为书记，（2 届）');
  });
  it('in a decision: subsidy reasons and outputs, and money over a thousand', async () => {
    const { registry: all } = loadRulePaths(['rules/subsidy-standards.yaml', 'rules/funding-shares.yaml'], 'rules/sources');
    const subsidy = all.latest('subsidy-standards');
    const funding = all.latest('funding-shares');
    if (!subsidy || !funding) throw new Error('rule sets not loaded');
    const d = await evaluate(subsidy, { subject: 'committee_member', role: 'secretary_or_director', in_term: true, terms_reelected: 2 }, { asOf: '2024-06-01' });
    const reason = d.reasons.find((r) => r.rule === 'committee_secretary_director')?.text ?? '';
    expect(reason).toContain('连任 2 届：');
    expect(reason).toContain('连任增加 100 元，月生活补贴合计 900 元。');
    expect(d.outputs.monthly_subsidy).toMatchObject({ value: '900', display: '900 元' });
    const f = await evaluate(funding, { subject: 'committee_staff_funding', staff_funding_total: 1880000, city_share_amount: 1504000, subdistrict_share_amount: 376000.5 }, { asOf: '2024-06-01' });
    expect(f.reasons.map((r) => r.text).join('')).toContain('人员经费 1,880,000 元');
    expect(f.reasons.map((r) => r.text).join('')).toContain('376,000.50 元');
    // The value itself stays exact and ungrouped.
    expect(f.facts.inputs.subdistrict_share_amount).toBe(376000.5);
  });
});
