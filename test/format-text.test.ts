import { describe, it, expect } from 'vitest';
import { loadRulePaths, evaluate } from '../src/index.js';
import { formatDecision } from '../src/decision/format-text.js';

const { registry } = loadRulePaths(['test/fixtures/good/committee-subsidy.yaml'], 'rules/sources');
const rs = registry.latest('committee-subsidy-example');

describe('the CLI reading of a decision', () => {
  it('lists a pathway that failed only on a framing (required) fact in one summary line', async () => {
    if (!rs) throw new Error('fixture not loaded');
    const d = await evaluate(rs, { role: 'member', terms_reelected: 0, birth_date: '1954-05-01' }, { asOf: '2024-05-01' });
    const framed = formatDecision(d, { framing: ['role'] });
    expect(framed).not.toContain('✘ 书记、主任补贴');
    expect(framed).toContain('另有 1 条规则因职务不同而不适用');
    // A pathway that failed on another fact is still shown in full.
    expect(framed).toContain('✘ 委员补贴');
    const plain = formatDecision(d);
    expect(plain).toContain('✘ 书记、主任补贴');
    expect(plain).not.toContain('不适用');
  });
});
