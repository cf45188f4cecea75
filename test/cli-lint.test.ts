import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';

/** `zhidu lint` as a CI runs it: exit codes and the --json shape. */
function lint(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/zhidu.js', 'lint', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('zhidu lint (CLI)', () => {
  const cases: [string, string[], number, string][] = [
    ['errors fail the run', ['test/fixtures/lint/committee-bands.yaml'], 1, '2 个错误'],
    ['warnings alone pass', ['test/fixtures/lint/county-ladder.yaml'], 0, '2 个警告'],
    ['--max-warnings 1 fails on 2 warnings', ['test/fixtures/lint/county-ladder.yaml', '--max-warnings', '1'], 1, '警告超过上限 1'],
    ['--max-warnings 2 passes on 2 warnings', ['test/fixtures/lint/county-ladder.yaml', '--max-warnings', '2'], 0, '2 个警告'],
    ['info findings pass', ['test/fixtures/lint/committee-bands-acknowledged.yaml'], 0, '2 个提示'],
    ['a bad option is a usage error', ['test/fixtures/lint', '--severity', 'loud'], 2, ''],
  ];
  for (const [name, args, code, words] of cases) {
    it(name, () => {
      const r = lint(...args);
      expect(r.code, r.err).toBe(code);
      expect(r.out).toContain(words);
    });
  }

  it('prints file:line:column, severity, code and rule ids; --json carries the same findings', () => {
    const text = lint('test/fixtures/lint/county-ladder.yaml');
    expect(text.out).toMatch(/^test\/fixtures\/lint\/county-ladder\.yaml:32:19: warning \[LINT_BAND_GAP\] .*6 至 9 起时.*〔office_head_talk, deputy_head_talk, written_review〕$/m);
    const json = JSON.parse(lint('test/fixtures/lint/county-ladder.yaml', '--json').out) as { counts: Record<string, number>; reports: { findings: { code: string; line: number; column: number; rules: string[]; message_en: string }[] }[] };
    expect(json.counts).toEqual({ error: 0, warning: 2, info: 0 });
    const gap = json.reports[0]?.findings.find((f) => f.code === 'LINT_BAND_GAP');
    expect(gap).toMatchObject({ line: 32, column: 19, rules: ['office_head_talk', 'deputy_head_talk', 'written_review'] });
    expect(gap?.message_en).toContain('[6, 9]');
  });
});
