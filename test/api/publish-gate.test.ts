import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startTestApp, stopTestApp, as, type TestServer } from './harness.js';

/**
 * The publish gate of issue #12, through the API: a draft of committee-staffing dated
 * 2026-01-01 that makes "8000人以上" start at 7001 must fail at the gate — its own tests run
 * against it (not against the version in force on their dates), the 7001–8000 overlap is an
 * error despite the ambiguities on those rules, and a conflict lint cannot see is found in a
 * generated population.
 */
const ID = 'committee-staffing';
const V1 = readFileSync('rules/committee-staffing.yaml', 'utf8');
const TESTS = readFileSync('rules/committee-staffing.test.yaml', 'utf8');

function draft(version: string, effective: string, edit: (t: string) => string = (t) => t): string {
  return edit(V1.replace(/^version: .*$/m, `version: ${version}`).replace(/^effective_from: .*$/m, `effective_from: "${effective}"`));
}
/** The draft: 8000人以上 read as "more than 7000". */
const overlapping = (t: string) => t.replace('- { fact: residents, operator: greaterThan, value: 8000 }', '- { fact: residents, operator: greaterThan, value: 7000 }');

let server: TestServer;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zhidu-gate-'));
  copyFileSync('rules/committee-staffing.yaml', join(dir, 'committee-staffing.yaml'));
  copyFileSync('rules/committee-staffing.test.yaml', join(dir, 'committee-staffing.test.yaml'));
  server = await startTestApp({ rulesDir: dir, env: { ZHIDU_VERSION_POLL_MS: '0' } });
  // Starting the embedded database can take a minute on a loaded machine.
}, 180_000);
afterAll(async () => stopTestApp(server));

const inject = (opts: Parameters<typeof as>[1]) => server.app.inject(as('editor', opts));
type Finding = { code: string; severity: string; message: string; rules?: string[] };

describe('the gate: a draft is tested as itself', () => {
  it('runs every case against the draft: at its as_of inside the draft’s range, else at effective_from', async () => {
    const res = await inject({ method: 'POST', url: `/v1/rulesets/${ID}/test`, payload: { yaml: draft('1.1.0', '2026-01-01'), tests: TESTS } });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json() as { passed: number; failed: number; on_draft: number; cases: { name: string; as_of: string; version: string | null }[] };
    expect(r).toMatchObject({ passed: 23, failed: 0 });
    // Every case that reaches a decision decides the draft — none the version in force (1.0.0).
    expect(r.on_draft).toBe(r.cases.filter((c) => c.version !== null).length);
    expect(r.on_draft).toBe(19); // the other 4 cases expect an input error
    expect(new Set(r.cases.map((c) => c.version).filter(Boolean))).toEqual(new Set(['1.1.0']));
    // Undated cases (2024-01-01 by default) and the case dated 1950 run on the draft's first day.
    expect(new Set(r.cases.map((c) => c.as_of))).toEqual(new Set(['2026-01-01']));
  });

  it('keeps a case’s own date when it falls inside the draft’s range', async () => {
    const dated = TESTS.replace('  - name: 4999 residents → 3 positions\n', '  - name: 4999 residents → 3 positions\n    as_of: "2026-03-01"\n');
    const r = (await inject({ method: 'POST', url: `/v1/rulesets/${ID}/test`, payload: { yaml: draft('1.1.0', '2026-01-01'), tests: dated } })).json() as { cases: { name: string; as_of: string }[] };
    expect(r.cases.find((c) => c.name === '4999 residents → 3 positions')?.as_of).toBe('2026-03-01');
  });

  it('refuses the issue’s draft: its own tests meet the 7001–8000 conflict, and lint calls the overlap an error', async () => {
    const yaml = draft('1.1.0', '2026-01-01', overlapping);
    const lint = (await inject({ method: 'POST', url: '/v1/lint', payload: { yaml, tests: TESTS } })).json() as { findings: Finding[]; tests: { on_draft: number } };
    const overlap = lint.findings.find((f) => f.code === 'LINT_BAND_OVERLAP' && f.rules?.join() === 'band_5000_to_8000,band_over_8000');
    // band_edge_8000 sits on band_over_8000 and cites the same line: it once demoted this to 提示.
    expect(overlap).toMatchObject({ severity: 'error' });
    expect(overlap?.message).toContain('7001 至 8000');
    expect(overlap?.message).not.toContain('已记录为歧义');
    expect(lint.tests.on_draft).toBeGreaterThan(10);

    const res = await inject({ method: 'POST', url: `/v1/rulesets/${ID}/versions`, payload: { yaml, tests: TESTS } });
    expect(res.statusCode).toBe(422);
    const p = res.json() as { code: string; stage: string; detail: string; findings: Finding[] };
    expect(p).toMatchObject({ code: 'PUBLISH_REJECTED', stage: 'tests' });
    expect(p.detail).toMatch(/测试未通过（\d+ 个用例失败）/);
    expect(p.findings.some((f) => f.code === 'LINT_TEST_FAILS' && f.message.includes('8000 residents') && f.message.includes('OUTPUT_CONFLICT'))).toBe(true);
    expect(server.app.zhidu.registry.get(ID, '1.1.0')).toBeUndefined();
  });

  it('refuses a draft no test case decides', async () => {
    const onlyErrors = `ruleset: ${ID}\ncases:\n  - name: negative residents are refused\n    facts: { residents: -1 }\n    expect: { error: FACTS_INVALID }\n`;
    const res = await inject({ method: 'POST', url: `/v1/rulesets/${ID}/versions`, payload: { yaml: draft('1.1.0', '2026-01-01'), tests: onlyErrors } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'PUBLISH_REJECTED', stage: 'tests', tests: { passed: 1, on_draft: 0 } });
    expect(res.json().detail).toContain('没有任何测试用例按草稿版本作出决定');
  });
});

describe('the gate: a generated population', () => {
  /** A conflict lint cannot reason about (a derived fact and a boolean): 7000–8000 residents in a new estate get 4 and 5. */
  const hidden = (t: string) =>
    overlapping(t)
      .replace('- { fact: residents, operator: greaterThan, value: 7000 }', '- { fact: residents, operator: greaterThan, value: 8000 }')
      .replace(
        'derived:\n',
        'derived:\n  - id: residents_hundreds\n    title: 居民人数（百人）\n    type: integer\n    formula: "floor(residents / 100)"\n    citation: { file: 004_44ebc9396ef4097f.txt, lines: [39, 39], clause: 第2篇 二(一) }\n',
      )
      .replace(
        '  # ---- actual staffing against the quota (B:39) ----\n',
        [
          '  - id: band_large_estate',
          '    title: 7000人以上的新建小区：5人',
          '    group: staffing_band',
          '    when:',
          '      all:',
          '        - { fact: residents_hundreds, operator: greaterThanInclusive, value: 70 }',
          '        - { fact: new_estate, operator: equal, value: true }',
          '    then: { positions_total: 5, deputies: 2, members: 2, band: over_8000 }',
          '    citation: { file: 004_44ebc9396ef4097f.txt, lines: [39, 39], clause: 第2篇 二(一) }',
          '    reason: 新建小区居民 {{residents}}。',
          '',
          '  # ---- actual staffing against the quota (B:39) ----',
          '',
        ].join('\n'),
      );

  it('refuses a version that answers some applicant with OUTPUT_CONFLICT, showing the facts and the rules', async () => {
    const yaml = draft('1.1.0', '2026-01-01', hidden);
    const res = await inject({ method: 'POST', url: `/v1/rulesets/${ID}/versions`, payload: { yaml, tests: TESTS } });
    expect(res.statusCode, res.body).toBe(422);
    const p = res.json();
    expect(p).toMatchObject({ code: 'PUBLISH_REJECTED', stage: 'population', population: { records: 10000, seed: 1, as_of: '2026-01-01' } });
    expect(p.tests.failed).toBe(0);
    expect(p.findings.filter((f: Finding) => f.severity === 'error')).toEqual([]);
    expect(p.population.failed).toBeGreaterThan(0);
    expect(Object.keys(p.population.failures_by_code)).toEqual(['OUTPUT_CONFLICT']);
    const sample = p.population.samples[0];
    expect(sample.rules.map((r: { id: string }) => r.id).sort()).toEqual(['band_5000_to_8000', 'band_large_estate']);
    expect(sample.facts.new_estate).toBe(true);
    expect(sample.facts.residents).toBeGreaterThanOrEqual(7000);
    expect(sample.facts.residents).toBeLessThanOrEqual(8000);
    expect(sample.facts_text).toContainEqual({ id: 'new_estate', title: '是否为已新建或拟建的住宅小区', value: true, text: '已新建或拟建的住宅小区' });
    expect(sample.output).toEqual({ id: 'positions_total', title: '应配职数（总人数）' });
    expect(p.detail).toMatch(/^版本未发布：10000 名模拟申请人中有 \d+ 名无法作出决定，例如第 \d+ 名：多条同优先级规则对输出/);
  });

  it('publishes a correct dated draft after deciding the population, and reports it', async () => {
    const res = await inject({ method: 'POST', url: `/v1/rulesets/${ID}/versions`, payload: { yaml: draft('1.1.0', '2027-01-01'), tests: TESTS } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ stage: 'passed', tests: { failed: 0 }, population: { ok: true, records: 10000, failed: 0 } });
  });

  it('refuses to publish under a version already scheduled after the draft', async () => {
    const res = await inject({ method: 'POST', url: `/v1/rulesets/${ID}/versions`, payload: { yaml: draft('1.2.0', '2026-06-01'), tests: TESTS } });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('VERSION_SUPERSEDED');
    expect(res.json().detail).toContain('版本 v1.1.0 已定于 2027-01-01 起施行，晚于本草稿的生效日期（2026-06-01）');
  });
});

describe('no false alarms', () => {
  it('an effective date does not make every rule "uncovered"', async () => {
    const lint = (await inject({ method: 'POST', url: '/v1/lint', payload: { yaml: draft('1.3.0', '2028-01-01'), tests: TESTS } })).json() as { findings: Finding[] };
    expect(lint.findings.filter((f) => f.code === 'LINT_COVERAGE_RULE' && f.severity === 'warning')).toEqual([]);
  });

  it('an unknown operator gets a did-you-mean', async () => {
    const yaml = draft('1.3.0', '2028-01-01', (t) => t.replace('{ fact: residents, operator: greaterThanInclusive, value: 5000 }', '{ fact: residents, operator: greaterThanOrEqual, value: 5000 }'));
    const lint = (await inject({ method: 'POST', url: '/v1/lint', payload: { yaml, tests: TESTS } })).json() as { findings: (Finding & { suggestion?: string })[] };
    const f = lint.findings.find((x) => x.code === 'SCHEMA_ENUM');
    expect(f?.message).toContain('实际为 "greaterThanOrEqual"；是否要写 greaterThanInclusive？');
    expect(f?.suggestion).toBe('greaterThanInclusive');
  });
});
