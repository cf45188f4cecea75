import { describe, it, expect, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadRuleSet, SourceTexts } from '../src/index.js';
import { aggregateImpact, runImpact, runImpactParallel, fromArray } from '../src/impact/run-impact.js';
import { ImpactAggregator, mergeReports, finishReport, type ImpactPartial } from '../src/impact/impact-report.js';
import { decideBoth } from '../src/impact/run-impact.js';
import { generatePopulation, mulberry32 } from '../src/impact/population-generator.js';
import { formatImpact } from '../src/impact/format-impact.js';
import type { PopulationRecord } from '../src/impact/population-reader.js';
import * as evaluateModule from '../src/eval/evaluate.js';

/**
 * Parallel and serial runs must give the same report, to the last sample
 * case: the caps of the aggregation (samples, groups, transitions) are chosen
 * by key order, never by arrival, so any split of the population and any
 * order of the parts merges into the serial result.
 */
const sources = new SourceTexts('rules/sources');
const text = readFileSync('rules/hukou-settlement.yaml', 'utf8');
const load = (file: string, yaml: string) => {
  const r = loadRuleSet(file, yaml, { sources });
  if (!r.ok) throw new Error(JSON.stringify(r.findings.slice(0, 3)));
  return r.ruleSet;
};
const v1 = load('rules/hukou-settlement.yaml', text);
// A draft that lowers the work years for 二(二)1 from 2 to 1 and raises the children's age limit.
const draftText = text
  .replace(/^version: 1\.0\.0$/m, 'version: 1.1.0')
  .replace(/\{ fact: work_years, operator: greaterThanInclusive, value: 2 \}/g, '{ fact: work_years, operator: greaterThanInclusive, value: 1 }')
  .replace(/\{ fact: mover_age, operator: lessThan, value: 18 \}/g, '{ fact: mover_age, operator: lessThan, value: 16 }')
  .replace(/\{ fact: mover_age, operator: lessThan, value: 22 \}/g, '{ fact: mover_age, operator: lessThan, value: 24 }')
  .replace(/\{ fact: applicant_age, operator: greaterThanInclusive, value: 18 \}/g, '{ fact: applicant_age, operator: greaterThanInclusive, value: 20 }');
const v2 = load('draft.yaml', draftText);
const asOf = '2025-06-01';
const people = [...generatePopulation(v1.definition, 4000, { seed: 7, asOf })];
const records: PopulationRecord[] = people.map((facts, i) => ({ line: i + 1, facts }));
const opts = { from: v1, to: v2, asOf };

// Decided once; the splits below re-aggregate the same compact decisions.
const decided = records.map((rec) => ({ rec, res: decideBoth(rec, opts) }));
type Decided = (typeof decided)[number];

function partialOf(part: readonly Decided[], caps?: { groups?: number; transitions?: number; sample_per_rule?: number }, sample = 10): ImpactPartial {
  const agg = new ImpactAggregator(v1, v2, asOf, sample, caps);
  for (const { rec, res } of part) {
    if ('error' in res) agg.invalid(rec.line, res.error);
    else agg.add(rec.line, rec.facts as Record<string, unknown>, res.asOf, res.from, res.to);
  }
  return agg.partial();
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const rand = mulberry32(seed);
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Split into n parts at random (not contiguous), each part in random order. */
function randomSplit<T>(xs: readonly T[], n: number, seed: number): T[][] {
  const rand = mulberry32(seed);
  const parts: T[][] = Array.from({ length: n }, () => []);
  for (const x of shuffled(xs, seed + 1)) (parts[Math.floor(rand() * n)] as T[]).push(x);
  return parts;
}

describe('mergeReports is exact and order-independent', () => {
  const serial = partialOf(decided);

  it('the population changes in many ways (the test means something)', () => {
    expect(serial.changed).toBeGreaterThan(30);
    expect(serial.by_rule.length).toBeGreaterThan(3);
    expect(serial.sample).toHaveLength(10);
  });

  it('any split, any order of records and of parts, gives the serial partial', () => {
    for (const [n, seed] of [[2, 1], [3, 2], [7, 3]] as const) {
      const parts = randomSplit(decided, n, seed).map((p) => partialOf(p));
      expect(mergeReports(shuffled(parts, seed))).toEqual(serial);
    }
  });

  it('merging is associative: merged merges equal one merge', () => {
    const parts = randomSplit(decided, 4, 9).map((p) => partialOf(p));
    const nested = mergeReports([mergeReports(parts.slice(0, 2)), mergeReports(parts.slice(2))]);
    expect(nested).toEqual(mergeReports(parts));
  });

  it('stays exact when the caps bite: groups and transitions beyond the cap are summed in 其他, the same in every split', () => {
    const caps = { groups: 2, transitions: 1, sample_per_rule: 1 };
    const whole = partialOf(decided, caps, 3);
    expect(whole.by_rule).toHaveLength(2);
    expect(whole.other_group.count).toBeGreaterThan(0);
    expect(whole.outcome.transitions_other).toBeGreaterThan(0);
    // Nothing is lost: kept groups plus 其他 count every changed record.
    expect(whole.by_rule.reduce((n, g) => n + g.count, 0) + whole.other_group.count).toBe(whole.changed);
    // The groups kept are those with the smallest keys, whatever came first.
    const keys = serial.by_rule.map((g) => g.rules.join(',')).sort();
    expect(whole.by_rule.map((g) => g.rules.join(',')).sort()).toEqual(keys.slice(0, 2));
    expect(partialOf(shuffled(decided, 8), caps, 3)).toEqual(whole);
    for (const seed of [4, 5, 6]) {
      const parts = randomSplit(decided, 3, seed).map((p) => partialOf(p, caps, 3));
      expect(mergeReports(parts)).toEqual(whole);
    }
  });

  it('refuses to merge partials of different runs', () => {
    const other = new ImpactAggregator(v1, v2, '2025-07-01').partial();
    expect(() => mergeReports([serial, other])).toThrow(/different runs/);
  });
});

describe('impact on the compact path', () => {
  it('builds explanations only for the sample cases the report shows', async () => {
    // The full evaluation (evaluate = compact + explain) is what an explanation costs.
    const spy = vi.spyOn(evaluateModule, 'evaluate');
    try {
      const partial = await aggregateImpact(records.slice(0, 2000), opts);
      expect(spy).not.toHaveBeenCalled();
      const report = await finishReport(partial, v1, v2, 1);
      const shown = new Set([...report.sample.map((c) => c.line), ...report.by_rule.flatMap((g) => g.sample.map((c) => c.line))]);
      expect(shown.size).toBeGreaterThan(5);
      expect(spy).toHaveBeenCalledTimes(2 * shown.size);
      expect(report.sample[0]?.from.explanation.length).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
  });

  it('a run across worker threads gives the same report as one thread, samples and explanations included', async () => {
    const one = await runImpact(fromArray(people), { ...opts, concurrency: 100 });
    const two = await runImpactParallel(fromArray(people), { ...opts, workers: 2, concurrency: 100, sourcesDir: 'rules/sources' });
    const timeless = (r: typeof one) => ({ ...r, elapsed_ms: 0, records_per_second: 0 });
    expect(one.changed).toBeGreaterThan(0);
    expect(timeless(two)).toEqual(timeless(one));
    // Worker threads load TypeScript through tsx: slow on a loaded machine, never hung.
  }, 300_000);
});

describe('the report reads like an analyst’s', () => {
  it('sums money but never deadlines in days; gives the distribution of changes, pathways gained and lost, and readable samples', async () => {
    const r = await finishReport(partialOf(decided), v1, v2, 1);
    const deadline = r.amounts.find((a) => a.output === 'processing_deadline_working_days');
    expect(deadline).toMatchObject({ unit: '个工作日', summable: false, total_from: null, total_to: null, total_change: null });
    const pathways = r.collected.find((c) => c.output === 'pathways');
    const moved = pathways?.values.filter((v) => v.gained || v.lost) ?? [];
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.map((v) => v.title).join()).toMatch(/（二\(二\)\d+）/);
    const c = r.sample[0];
    expect(c?.facts_text.some((t) => /^办理事项：/.test(t))).toBe(true);
    expect(c?.changes.find((x) => x.output === 'result')).toMatchObject({ title: '办理结论' });
    const text = formatImpact(r);
    expect(text).not.toContain('{"');
    expect(text).not.toMatch(/办结期限：.*合计/);
    expect(text).toMatch(/    办理结论：.+ → .+/);
  });
});
