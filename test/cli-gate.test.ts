import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

/** `zhidu gate`: the server's publish gate on a draft file, before it is submitted for review. */
function gateCli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/zhidu.js', 'gate', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const V1 = readFileSync('rules/committee-staffing.yaml', 'utf8');
function draftDir(edit: (t: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'zhidu-cli-gate-'));
  writeFileSync(join(dir, 'draft.yaml'), edit(V1.replace(/^version: .*$/m, 'version: 1.1.0').replace(/^effective_from: .*$/m, 'effective_from: "2026-01-01"')));
  copyFileSync('rules/committee-staffing.test.yaml', join(dir, 'draft.test.yaml'));
  return dir;
}

describe('zhidu gate (CLI)', () => {
  it('refuses issue #12’s draft: its own tests meet the conflict, the overlap is an error (exit 1)', () => {
    const dir = draftDir((t) => t.replace('- { fact: residents, operator: greaterThan, value: 8000 }', '- { fact: residents, operator: greaterThan, value: 7000 }'));
    const r = gateCli(join(dir, 'draft.yaml'), '--rules', 'rules/committee-staffing.yaml');
    expect(r.code, r.err).toBe(1);
    expect(r.out).toContain('[LINT_BAND_OVERLAP] 数值区间重叠：社区居民人数为 7001 至 8000 人时');
    expect(r.out).toMatch(/不能发布（测试）：测试未通过（\d+ 个用例失败）/);
  });

  it('passes a correct dated draft: every case decided by it, 10 000 applicants answered (exit 0)', () => {
    const dir = draftDir((t) => t);
    const r = gateCli(join(dir, 'draft.yaml'), '--rules', 'rules/committee-staffing.yaml', '--json');
    expect(r.code, r.err).toBe(0);
    const v = JSON.parse(r.out);
    expect(v).toMatchObject({ ok: true, stage: 'passed', tests: { passed: 23, failed: 0, on_draft: 19 }, population: { records: 10000, failed: 0 }, ruleset: { version: '1.1.0' } });
  });
});
