import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { lintPaths, lintText } from '../src/lint/lint-rule-set.js';
import { SourceTexts } from '../src/index.js';
import { dec, point, below, above, union, complement, intersect, subtract, describeSet, ALL, type IntervalSet } from '../src/lint/interval.js';

interface Expectation {
  code: string;
  severity: string;
  line?: number;
  rules?: string[];
  contains: string[];
  absent?: boolean;
}

const expected = JSON.parse(readFileSync('test/fixtures/lint/expected.json', 'utf8')) as Record<string, Expectation[]>;

describe('zhidu lint on the bad fixtures in test/fixtures/lint', () => {
  for (const [fixture, expectations] of Object.entries(expected)) {
    describe(fixture, async () => {
      const [report] = await lintPaths([`test/fixtures/lint/${fixture}`], 'rules/sources');
      for (const e of expectations) {
        it(`${e.absent ? 'does not report' : 'reports'} ${e.code} (${e.severity}) with “${e.contains.join('”, “')}”`, () => {
          const matches = (report?.findings ?? []).filter(
            (f) =>
              f.code === e.code &&
              f.severity === e.severity &&
              (e.line === undefined || f.line === e.line) &&
              (e.rules === undefined || JSON.stringify(f.rules ?? []) === JSON.stringify(e.rules)) &&
              e.contains.every((w) => f.message.includes(w)),
          );
          if (e.absent) expect(matches).toEqual([]);
          else expect(matches.length, JSON.stringify(report?.findings.map((f) => `${f.line} ${f.severity} ${f.code} ${f.message}`), null, 1)).toBeGreaterThan(0);
        });
      }
    });
  }

  it('reports an acknowledged band overlap as info only, and the unacknowledged one as an error', async () => {
    const [plain, acknowledged] = await lintPaths(['test/fixtures/lint/committee-bands.yaml', 'test/fixtures/lint/committee-bands-acknowledged.yaml'], 'rules/sources');
    expect(plain?.counts.error).toBe(2);
    expect(acknowledged?.counts).toEqual({ error: 0, warning: 0, info: 2 });
  });

  it('finds nothing wrong with a band ladder that has no overlap or gap', async () => {
    const text = readFileSync('test/fixtures/lint/committee-bands.yaml', 'utf8')
      .replace('operator: lessThanInclusive, value: 5000', 'operator: lessThan, value: 5000')
      .replace('operator: lessThanInclusive, value: 8000', 'operator: lessThan, value: 8000');
    const tests = { file: 'committee-bands.test.yaml', text: readFileSync('test/fixtures/lint/committee-bands.test.yaml', 'utf8') };
    const report = await lintText('committee-bands.yaml', text, { sources: new SourceTexts('rules/sources'), tests });
    expect(report.findings.filter((f) => f.code.startsWith('LINT_BAND'))).toEqual([]);
  });

  it('counts narrower terms on yes/no facts when looking for a gap: closed where they are jointly exhaustive, reported where one combination is left open', async () => {
    // head-start 五(三): in 2,500–10,000 USD either 托收承付 holds (异地 and 商品交易) or only 委托收款
    // (同城, or not a commodity transaction): every combination is covered, so there is no gap there.
    const text = readFileSync('rules/head-start.yaml', 'utf8');
    const sources = new SourceTexts('rules/sources');
    const whole = await lintText('head-start.yaml', text, { sources });
    expect(whole.findings.filter((f) => f.code === 'LINT_BAND_GAP').map((f) => f.message)).toEqual([]);
    // Drop the "not a commodity transaction" branch: 异地, non-commodity, 2,500–10,000 USD now decides nothing.
    const open = text.replace('            - { fact: commodity_transaction, operator: equal, value: false }\n', '');
    expect(open).not.toBe(text);
    const gaps = (await lintText('head-start.yaml', open, { sources })).findings.filter((f) => f.code === 'LINT_BAND_GAP');
    expect(gaps.map((f) => f.message)).toEqual([expect.stringContaining('2500 至 10000')]);
  });

  it('says a rule set without tests has none, and reports load errors instead of linting', async () => {
    const text = readFileSync('test/fixtures/good/committee-subsidy.yaml', 'utf8');
    const untested = await lintText('x.yaml', text, { sources: new SourceTexts('rules/sources') });
    expect(untested.findings.map((f) => f.code)).toContain('LINT_NO_TESTS');
    const broken = await lintText('x.yaml', text.replace('outcome: eligible', 'outcome: nothing'), { sources: new SourceTexts('rules/sources') });
    expect(broken.findings.map((f) => f.code)).toEqual(['OUTCOME_UNKNOWN']);
    expect(broken.counts.error).toBe(1);
  });
});

describe('interval sets (exact decimal)', () => {
  const show = (s: IntervalSet) => describeSet(s);
  const cases: [string, IntervalSet, boolean, string][] = [
    ['x ≤ 5 ∪ x ≥ 10, gap in integers', subtract(ALL, union(below(dec(5), true), above(dec(10), true)), true), true, '6 至 9'],
    ['x ≤ 5 ∪ x ≥ 10, gap in decimals', subtract(ALL, union(below(dec(5), true), above(dec(10), true))), false, '大于 5 且小于 10'],
    ['≤ 5000 ∩ ≥ 5000', intersect(below(dec(5000), true), above(dec(5000), true)), false, '5000'],
    ['< 5000 ∩ ≥ 5000', intersect(below(dec(5000), false), above(dec(5000), true)), false, ''],
    ['complement of a point', complement(point(dec('0.1'))), false, '小于 0.1、大于 0.1'],
    ['x > 3 in integers', intersect(above(dec(3), false), ALL, true), true, '4 及以上'],
    ['0.1 + 0.2 band edge is exact', intersect(above(dec('0.3'), true), below(dec('0.30'), true)), false, '0.3'],
  ];
  for (const [name, set, , text] of cases) it(name, () => expect(show(set)).toBe(text));
});

describe('contradictions are reported where the author wrote them together', async () => {
  const { writtenTogether } = await import('../src/lint/satisfiability.js');
  it.each([
    [['/rules/0/when/all/0', '/rules/0/when/all/1'], true],
    [['/rules/0/when/all/0', '/rules/0/when/all/2/all/1'], true],
    [['/rules/0/when/all/3/any/0/all/0', '/rules/0/when/all/4/any/1/all/0'], false],
    [['/rules/0/when/any/0', '/rules/0/when/any/1'], false],
  ])('%j → %s', (pointers, expected) => expect(writtenTogether(pointers)).toBe(expected));

  it('the bundled settlement rules have no contradiction between branches of different “any”s', async () => {
    const [report] = await lintPaths(['rules/hukou-settlement.yaml'], 'rules/sources');
    expect(report?.findings.filter((f) => f.code === 'LINT_CONTRADICTION' || f.code === 'LINT_NEVER_FIRES')).toEqual([]);
  });
});
