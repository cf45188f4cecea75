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
});
