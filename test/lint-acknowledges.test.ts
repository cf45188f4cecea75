import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { lintText } from '../src/lint/lint-rule-set.js';
import { SourceTexts } from '../src/index.js';

/** An ambiguity silences only the band finding it names (kind + exactly its rules), nothing else. */
const FILE = 'test/fixtures/lint/committee-bands-acknowledged.yaml';
const TEXT = readFileSync(FILE, 'utf8');
const sources = new SourceTexts('rules/sources');
const lint = (text: string) => lintText(FILE, text, { sources });
const band = (r: Awaited<ReturnType<typeof lint>>) => r.findings.filter((f) => f.code === 'LINT_BAND_OVERLAP').map((f) => [f.rules?.join(), f.severity]);

describe('acknowledges', () => {
  it('demotes exactly the named overlaps to info', async () => {
    expect(band(await lint(TEXT))).toEqual([
      ['small_committee,medium_committee', 'info'],
      ['medium_committee,large_committee', 'info'],
    ]);
  });

  it('leaves an overlap it does not name as it is, and says which acknowledgement matches nothing', async () => {
    const one = TEXT.replace('          - { kind: overlap, rules: [medium_committee, large_committee] }\n', '          - { kind: gap, rules: [medium_committee, large_committee] }\n');
    const r = await lint(one);
    expect(band(r)).toEqual([
      ['small_committee,medium_committee', 'info'],
      ['medium_committee,large_committee', 'warning'],
    ]);
    const stale = r.findings.find((f) => f.code === 'LINT_ACK_UNUSED');
    expect(stale).toMatchObject({ severity: 'warning', rules: ['medium_committee', 'large_committee'] });
    expect(stale?.message).toBe('歧义记录的问题不存在：歧义 boundary_5000_8000 记录的区间空档（规则 medium_committee、large_committee）在本版本中不存在；请删除或更正这条 acknowledges');
  });

  it('an ambiguity sitting on the rules, without acknowledges, silences nothing', async () => {
    const none = TEXT.replace(/        acknowledges:\n(          - .*\n)+/, '');
    expect(band(await lint(none)).map(([, s]) => s)).toEqual(['warning', 'warning']);
  });
});
