import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadRulePaths, evaluate } from '../src/index.js';

/**
 * The YAML suite compares decimals numerically ("1504000" equals "1504000.00");
 * here the exact text of money outputs is pinned, since callers store and
 * display these strings as they are.
 */
const { registry } = loadRulePaths(['rules/funding-shares.yaml'], 'rules/sources');
const rs = registry.latest('funding-shares');
if (!rs) throw new Error('funding-shares did not load');

const cases: { name: string; facts: Record<string, unknown>; exact: Record<string, string> }[] = [
  {
    name: '188万 split',
    facts: JSON.parse(readFileSync('docs/examples/funding-shares.json', 'utf8')) as Record<string, unknown>,
    exact: { city_share_required: '1504000', subdistrict_share_required: '376000', city_share_difference: '6000', subdistrict_share_difference: '-6000' },
  },
  {
    name: '90/10 of 3 yuan',
    facts: { subject: 'coop_consultation_fee', consultation_fees: 3, fee_fund_payment: 2.7, fee_patient_payment: 0.3 },
    exact: { fee_fund_share: '2.7', fee_patient_share: '0.3' },
  },
  {
    name: 'Head Start 2011 row',
    facts: { subject: 'head_start_federal_local', hs_total_funding: 8250000000, hs_federal_amount: 6435000000, hs_local_amount: 1815000000, hs_stated_federal_percent: 79, hs_stated_local_percent: 21 },
    exact: { hs_federal_share_percent: '78', hs_local_share_percent: '22', hs_federal_percent_difference: '1', hs_local_percent_difference: '-1' },
  },
  {
    name: 'uneven instalments',
    facts: { subject: 'head_start_instalments', hs_project_months: 12, hs_project_amount: 333333.33 },
    exact: { hs_first_instalment: '166666.665', hs_second_instalment: '99999.999', hs_third_instalment: '66666.666' },
  },
];

describe('funding-shares money outputs are exact strings', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const d = await evaluate(rs, c.facts, { asOf: '2024-01-01' });
      for (const [id, text] of Object.entries(c.exact)) expect(d.outputs[id]?.value, id).toBe(text);
    });
  }

  it('the documented example reports the document’s own split as not compliant, with both discrepancies', async () => {
    const facts = JSON.parse(readFileSync('docs/examples/funding-shares.json', 'utf8')) as Record<string, unknown>;
    const d = await evaluate(rs, facts, { asOf: '2024-01-01' });
    expect(d.status).toBe('decided');
    expect(d.outcome.value).toBe(false);
    expect(d.outputs.discrepancies?.value).toEqual(['市级负担金额不等于人员经费总额的80%', '街道办事处负担金额不等于人员经费总额的20%']);
    expect(d.ambiguities.map((a) => a.id)).toContain('document_rounded_split');
  });
});
