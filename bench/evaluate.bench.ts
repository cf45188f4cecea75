/**
 * npm run bench — decisions per second on each bundled rule set with the full
 * explanation, side by side in one run with plain json-rules-engine on the same
 * rules and facts, plus the heap held after loading every rule set.
 *
 * Workload: the decided cases of each rule set's own test file (real facts an
 * editor wrote). The plain engine gets the same conditions with its default
 * operators and the same facts, derived values precomputed, so it does the
 * same comparisons minus our input validation, exact decimals and explanation.
 * The compiled evaluator is measured twice more against the same plain engine:
 * compact (evaluateCompact, no explanation) and compact+explain (the full Decision).
 * BENCH_POPULATION=N replays N generated applicants per rule set instead.
 * Last, the price of the counterfactual search (what would change a refusal): the full
 * Decision with it against without it, on the same cases in alternating rounds.
 * BENCH_ONLY=counterfactuals measures only that.
 */
import { Engine } from 'json-rules-engine';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadRulePaths, evaluate, testFileFor, type PreparedRuleSet } from '../src/index.js';
import { evaluateCompact, explain } from '../src/eval/evaluate.js';
import type { TestSuite } from '../src/generated/test-suite.js';
import { generatePopulation } from '../src/impact/population-generator.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const gc = (globalThis as { gc?: () => void }).gc;

function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

const before = heap();
const paths = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['rules'];
const { registry, files } = loadRulePaths(paths, 'rules/sources');
const held = heap() - before;

function plainEngine(rs: PreparedRuleSet): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true });
  const cmp = (f: (a: string, b: string) => boolean) => (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && f(a, b);
  engine.addOperator('dateBefore', cmp((a, b) => a < b));
  engine.addOperator('dateOnOrBefore', cmp((a, b) => a <= b));
  engine.addOperator('dateAfter', cmp((a, b) => a > b));
  engine.addOperator('dateOnOrAfter', cmp((a, b) => a >= b));
  for (const r of rs.rules) engine.addRule({ name: r.id, conditions: structuredClone(r.definition.when) as never, event: { type: r.id } });
  return engine;
}

/** Decisions per second over about `ms` milliseconds of fn. */
async function rate(fn: () => unknown, ms: number): Promise<number> {
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() - start < limit) {
    // A synchronous side is not awaited: a microtask per call would be measured as its cost.
    for (let i = 0; i < 20; i++) {
      const r = fn();
      if (r instanceof Promise) await r;
    }
    n += 20;
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * The two sides in alternating short rounds, each ratio taken from one pair
 * of adjacent rounds: on a shared virtual machine the speed drifts by tens of
 * percent within seconds, and a pair sees nearly the same machine. Reports
 * the medians.
 */
async function compare(explained: () => unknown, plain: () => unknown): Promise<{ explained: number; plain: number; ratio: number; speedup: number }> {
  const rounds = Math.max(5, Math.round(seconds * 10));
  const ms = 100;
  // Warm-up until the JIT has settled.
  await rate(explained, seconds * 250);
  await rate(plain, seconds * 250);
  const e: number[] = [];
  const p: number[] = [];
  const r: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const a = await rate(explained, ms);
    const b = await rate(plain, ms);
    e.push(a);
    p.push(b);
    r.push(b / a);
    s.push(a / b);
  }
  return { explained: median(e), plain: median(p), ratio: median(r), speedup: median(s) };
}

interface Work {
  readonly facts: Record<string, unknown>;
  readonly asOf: string;
  readonly plain: Record<string, unknown>;
}

const rows: string[] = [];
const compiledRows: string[] = [];
const whatIfRows: string[] = [];
const only = process.env.BENCH_ONLY;
for (const file of files) {
  const testFile = testFileFor(file);
  if (!existsSync(testFile)) continue;
  const suite = parse(readFileSync(testFile, 'utf8')) as TestSuite;
  const rs = registry.latest(suite.ruleset);
  if (!rs) continue;
  const workload: Work[] = [];
  // BENCH_POPULATION=N: N generated applicants instead (every question answered, so every rule runs).
  const population = Number(process.env.BENCH_POPULATION ?? 0);
  const cases = population > 0
    ? [...generatePopulation(rs.definition, population, { seed: 1, asOf: '2025-06-01' })].map((facts) => ({ facts, as_of: '2025-06-01', expect: {} as { error?: unknown } }))
    : suite.cases;
  for (const c of cases) {
    if (c.expect.error) continue;
    const asOf = c.as_of ?? '2024-01-01';
    try {
      const d = await evaluate(rs, c.facts, { asOf });
      const plain: Record<string, unknown> = { as_of: asOf, ...c.facts };
      for (const [k, v] of Object.entries(d.facts.derived)) if (v !== null) plain[k] = typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
      workload.push({ facts: c.facts as Record<string, unknown>, asOf, plain });
    } catch {
      // cases that expect 422 and the like are not part of the speed workload
    }
  }
  if (workload.length === 0) continue;
  if (only !== 'counterfactuals') await againstPlain(rs, workload);
  await counterfactualCost(rs, workload);
}

async function againstPlain(rs: PreparedRuleSet, workload: readonly Work[]): Promise<void> {
  const engine = plainEngine(rs);
  let i = 0;
  let j = 0;
  const { explained, plain, ratio } = await compare(
    () => {
      const w = workload[i++ % workload.length]!;
      return evaluate(rs, w.facts, { asOf: w.asOf });
    },
    () => engine.run(workload[j++ % workload.length]!.plain),
  );
  rows.push(`| ${rs.id} | ${rs.rules.length} | ${workload.length} | ${Math.round(explained).toLocaleString('en')} | ${Math.round(plain).toLocaleString('en')} | ${ratio.toFixed(2)}× |`);
  console.error(`${rs.id}: explained ${Math.round(explained)}/s, plain ${Math.round(plain)}/s`);

  // The compiled evaluator alone (what a caller that needs only the outcome pays), and with explain().
  let k = 0;
  let l = 0;
  let m = 0;
  let n = 0;
  const compact = await compare(
    () => {
      const w = workload[k++ % workload.length]!;
      return evaluateCompact(rs, w.facts, { asOf: w.asOf });
    },
    () => engine.run(workload[l++ % workload.length]!.plain),
  );
  const full = await compare(
    () => {
      const w = workload[m++ % workload.length]!;
      return explain(rs, evaluateCompact(rs, w.facts, { asOf: w.asOf }));
    },
    () => engine.run(workload[n++ % workload.length]!.plain),
  );
  compiledRows.push(
    `| ${rs.id} | ${Math.round(compact.explained).toLocaleString('en')} | ${compact.speedup.toFixed(1)}× | ${Math.round(full.explained).toLocaleString('en')} | ${full.speedup.toFixed(1)}× |`,
  );
  console.error(`${rs.id}: compact ${Math.round(compact.explained)}/s (${compact.speedup.toFixed(1)}×), compact+explain ${Math.round(full.explained)}/s (${full.speedup.toFixed(1)}×)`);
}

/** Full decisions with the counterfactual search against without it; cost = without/with, median of paired rounds. */
async function counterfactualCost(rs: PreparedRuleSet, workload: readonly Work[]): Promise<void> {
  const decide = (w: Work, counterfactuals: boolean) => explain(rs, evaluateCompact(rs, w.facts, { asOf: w.asOf }), { counterfactuals });
  // Only decisions that do not grant what was asked search; the share says how much of the workload pays.
  const searching = workload.filter((w) => decide(w, true).counterfactuals !== undefined).length;
  let a = 0;
  let b = 0;
  const r = await compare(
    () => decide(workload[a++ % workload.length]!, true),
    () => decide(workload[b++ % workload.length]!, false),
  );
  whatIfRows.push(`| ${rs.id} | ${workload.length} | ${searching} | ${Math.round(r.plain).toLocaleString('en')} | ${Math.round(r.explained).toLocaleString('en')} | ${r.ratio.toFixed(2)}× |`);
  console.error(`${rs.id}: explain ${Math.round(r.plain)}/s, explain+counterfactuals ${Math.round(r.explained)}/s (${r.ratio.toFixed(2)}× cost)`);
}

console.log(`node ${process.version}, ${seconds}s per measurement, ${gc ? 'with' : 'without'} --expose-gc`);
console.log('');
if (only !== 'counterfactuals') {
  console.log('| rule set | rules | cases | zhidu explained decisions/s | plain json-rules-engine runs/s | cost ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(r);
  console.log('');
  console.log('Compiled evaluator, each paired with plain json-rules-engine (speed-up = compiled/plain, median of paired rounds):');
  console.log('');
  console.log('| rule set | compact decisions/s | compact vs plain | compact+explain decisions/s | compact+explain vs plain |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of compiledRows) console.log(r);
  console.log('');
}
console.log('The counterfactual search, paired rounds of the full Decision with and without it (cost = without/with):');
console.log('');
console.log('| rule set | cases | cases searched | explain decisions/s | explain+counterfactuals decisions/s | cost |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of whatIfRows) console.log(r);
console.log('');
console.log(`Heap held after loading ${files.length} rule files (${registry.ids().length} rule sets): ${(held / 1024 / 1024).toFixed(1)} MiB`);
