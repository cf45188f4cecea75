import { describe, it, expect } from 'vitest';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { loadRuleSet, SourceTexts } from '../src/index.js';
import { runImpact, runImpactParallel, fromArray } from '../src/impact/run-impact.js';
import { readPopulation, splitCsv } from '../src/impact/population-reader.js';
import { generatePopulation } from '../src/impact/population-generator.js';
import { formatImpact } from '../src/impact/format-impact.js';

const sources = new SourceTexts('rules/sources');
const load = (file: string) => {
  const r = loadRuleSet(file, readFileSync(file, 'utf8'), { sources });
  if (!r.ok) throw new Error(JSON.stringify(r.findings));
  return r.ruleSet;
};
const v1 = load('test/fixtures/good/committee-subsidy.yaml');
const v2 = load('test/fixtures/versions/committee-subsidy-v1.1.yaml');

describe('impact of v1.0.0 → v1.1.0 on a hand-checked population', () => {
  // director +100 (800→900); deputy newly eligible (0→700+50); member aged 67 loses 600 (limit 70→65); member aged 40 unchanged.
  const people = [
    { role: 'secretary_or_director', terms_reelected: 0 },
    { role: 'deputy_director', terms_reelected: 1 },
    { role: 'member', terms_reelected: 0, birth_date: '1958-01-01' },
    { role: 'member', terms_reelected: 0, birth_date: '1985-01-01' },
  ];
  it('counts outcomes, directions and the exact total change, grouped by the rule that made the difference', async () => {
    const r = await runImpact(fromArray(people), { from: v1, to: v2, asOf: '2025-06-01' });
    expect({ records: r.records, changed: r.changed, unchanged: r.unchanged, invalid: r.invalid }).toEqual({ records: 4, changed: 3, unchanged: 1, invalid: 0 });
    expect({ newly: r.outcome.newly_eligible, lost: r.outcome.no_longer_eligible }).toEqual({ newly: 1, lost: 1 });
    expect(r.amounts).toEqual([{ output: 'monthly_subsidy', title: '月生活补贴', unit: '元', summable: true, up: 2, down: 1, total_from: '2000', total_to: '2250', total_change: '250', changes: { '-600': 1, '100': 1, '750': 1 } }]);
    const groups = Object.fromEntries(r.by_rule.map((g) => [g.rules.join('+'), { count: g.count, newly: g.newly_eligible, lost: g.no_longer_eligible, amounts: g.amount_change }]));
    expect(groups).toEqual({
      director_subsidy: { count: 1, newly: 0, lost: 0, amounts: { monthly_subsidy: '100' } },
      deputy_subsidy: { count: 1, newly: 1, lost: 0, amounts: { monthly_subsidy: '750' } },
      member_subsidy: { count: 1, newly: 0, lost: 1, amounts: { monthly_subsidy: '-600' } },
    });
    const lostCase = r.sample.find((c) => c.rules.includes('member_subsidy'));
    expect(lostCase?.from.display).toBe('享受');
    expect(lostCase?.to.display).toBe('不享受');
    expect(lostCase?.from.explanation.join('')).toContain('月补贴 600 元');
    expect(formatImpact(r)).toContain('新增符合 1 人，不再符合 1 人');
  });

  it('names the person the lowered age limit (70 → 65) excludes, and the rule responsible, and leaves a member under 65 alone', async () => {
    const aged67 = people[2] as Record<string, unknown>;
    const aged64 = { role: 'member', terms_reelected: 0, birth_date: '1961-01-01' };
    const r = await runImpact(fromArray([aged67, aged64]), { from: v1, to: v2, asOf: '2025-06-01' });
    expect({ changed: r.changed, unchanged: r.unchanged, lost: r.outcome.no_longer_eligible, newly: r.outcome.newly_eligible }).toEqual({ changed: 1, unchanged: 1, lost: 1, newly: 0 });
    expect(r.by_rule.map((g) => g.rules)).toEqual([['member_subsidy']]);
    expect(r.sample).toHaveLength(1);
    const [only] = r.sample;
    expect(only?.facts).toMatchObject({ birth_date: '1958-01-01' });
    expect({ rules: only?.rules, from: only?.from.display, to: only?.to.display }).toEqual({ rules: ['member_subsidy'], from: '享受', to: '不享受' });
  });
});

describe('impact across worker threads', () => {
  it('gives the same report as one thread (counts, exact totals, groups)', async () => {
    const people = [...generatePopulation(v1.definition, 3000, { seed: 11, asOf: '2025-06-01' })];
    const opts = { from: v1, to: v2, asOf: '2025-06-01', concurrency: 50 };
    const one = await runImpact(fromArray(people), opts);
    const three = await runImpactParallel(fromArray(people), { ...opts, workers: 3, sourcesDir: 'rules/sources' });
    const strip = (r: typeof one) => ({ ...r, elapsed_ms: 0, records_per_second: 0, sample: r.sample.map((c) => c.line), by_rule: r.by_rule.map((g) => ({ ...g, sample: g.sample.length })) });
    expect(three.changed).toBeGreaterThan(0);
    expect(strip(three)).toEqual({ ...strip(one), sample: strip(three).sample, by_rule: strip(one).by_rule.map((g) => ({ ...g, sample: strip(three).by_rule.find((x) => x.rules.join() === g.rules.join())?.sample })) });
    // Samples too: the cases with the smallest lines, whichever thread decided them.
    expect(three.sample).toEqual(one.sample);
  }, 300_000);
});

describe('population files are streamed line by line', () => {
  it('splits CSV fields with quotes and doubled quotes', () => {
    expect(splitCsv('a,"b,c","d""e",')).toEqual(['a', 'b,c', 'd"e', '']);
  });
  it('types CSV cells by the input schema, treats empty cells as unknown, and counts bad records', async () => {
    const r = await runImpact(readPopulation('test/fixtures/impact/population.csv', v1), { from: v1, to: v2, asOf: '2025-06-01' });
    expect(r.records).toBe(7);
    expect(r.invalid).toBe(2);
    expect(r.invalid_sample.map((e) => e.line)).toEqual([7, 8]);
    expect(r.invalid_sample[0]?.message).toContain('FACTS_INVALID');
    expect(r.invalid_sample[1]?.message).toContain('terms_reelected：“x”不是数字');
    // The member with no birth date is undetermined under both versions: no change.
    expect(r.changed).toBe(3);
  });
});

describe('synthetic populations', () => {
  const take = (seed: number) => [...generatePopulation(v1.definition, 200, { seed })];
  it('are deterministic for a seed and differ between seeds', () => {
    expect(JSON.stringify(take(42))).toBe(JSON.stringify(take(42)));
    expect(JSON.stringify(take(42))).not.toBe(JSON.stringify(take(43)));
  });
  it('respect the input schema: required facts present, enums and ranges kept', () => {
    const validate = v1.validateInputs;
    for (const facts of take(5)) {
      expect(validate(facts), JSON.stringify(facts)).toBe(true);
      expect(facts).toHaveProperty('role');
    }
  });
});

describe('zhidu gen-population and zhidu impact (CLI)', () => {
  it('generate a population and report the impact with its speed, no progress bar when not a terminal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-impact-'));
    const pop = join(dir, 'pop.ndjson');
    const gen = spawnSync(process.execPath, ['bin/zhidu.js', 'gen-population', 'test/fixtures/good/committee-subsidy.yaml', '--count', '500', '--seed', '3', '--out', pop], { encoding: 'utf8' });
    expect(gen.status, gen.stderr).toBe(0);
    expect(readFileSync(pop, 'utf8').trim().split('\n')).toHaveLength(500);
    const run = spawnSync(process.execPath, ['bin/zhidu.js', 'impact', 'committee-subsidy-example', '--rules', 'test/fixtures/good', '--to', 'test/fixtures/versions/committee-subsidy-v1.1.yaml', '--population', pop, '--json'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as { records: number; from: { version: string }; as_of: string; records_per_second: number; changed: number };
    expect(report).toMatchObject({ records: 500, from: { version: '1.0.0' }, as_of: '2025-01-01' });
    expect(report.changed).toBeGreaterThan(0);
    expect(report.records_per_second).toBeGreaterThan(0);
    writeFileSync(join(dir, 'empty.ndjson'), '');
    const text = spawnSync(process.execPath, ['bin/zhidu.js', 'impact', 'committee-subsidy-example', '--rules', 'test/fixtures/good', '--to', 'test/fixtures/versions/committee-subsidy-v1.1.yaml', '--population', pop], { encoding: 'utf8' });
    expect(text.stdout).toContain('条/秒');
    expect(text.stdout).toContain('按造成差异的规则');
    // Three CLI processes, each loading TypeScript through tsx: slow on a loaded machine, never hung.
  }, 300_000);
});
