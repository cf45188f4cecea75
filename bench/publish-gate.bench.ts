// The publish gate's population stage (src/versions/population-check.ts): how long deciding
// 10 000 generated applicants takes per rule set, the generator's share apart. Rounds alternate
// generator-only and full check so both see the same machine load; medians are reported.
//   npm run bench:gate                      # every rule set in rules/
//   npm run bench:gate -- rules/hukou-settlement.yaml

import { loadRulePaths } from '../src/load/registry.js';
import { generatePopulation } from '../src/impact/population-generator.js';
import { checkPopulation, GATE_POPULATION } from '../src/versions/population-check.js';
import { loadavg } from 'node:os';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const paths = process.argv.slice(2);
const { registry } = loadRulePaths(paths.length ? paths : ['rules'], 'rules/sources');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${GATE_POPULATION} applicants, seed 1, ${ROUNDS} rounds`);
console.log('| rule set | rules | population check (ms) | of which generator (ms) | µs per applicant | failures |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const id of registry.ids()) {
  const rs = registry.latest(id);
  if (!rs) continue;
  const asOf = rs.effectiveFrom ?? '2026-01-01';
  checkPopulation(rs, { asOf, count: 1000 }); // warm-up
  const gen: number[] = [];
  const full: number[] = [];
  let failed = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    let n = 0;
    for (const _ of generatePopulation(rs.definition, GATE_POPULATION, { seed: 1, asOf })) n++;
    gen.push(performance.now() - t);
    const c = checkPopulation(rs, { asOf });
    full.push(c.elapsed_ms);
    failed = c.failed;
  }
  const m = median(full);
  console.log(`| ${id} | ${rs.rules.length} | ${Math.round(m)} | ${Math.round(median(gen))} | ${((m * 1000) / GATE_POPULATION).toFixed(1)} | ${failed} |`);
}
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
