/**
 * Impact as a job, end to end: hukou-settlement, a generated population of N
 * applicants, the version on file against a draft (work years 2 → 1, age
 * limits moved), run by the job runner with 2 worker threads, report stored
 * in the database. Prints elapsed seconds, records per second and the peak
 * RSS of the process (its worker threads included).
 *
 *   npx tsx bench/impact-job.bench.ts 100000
 *   npx tsx bench/impact-job.bench.ts 1000000
 *
 * One size per process: peak RSS is a high-water mark.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { connect } from '../src/store/sql-client.js';
import { JobStore } from '../src/impact/job-store.js';
import { ImpactJobRunner } from '../src/impact/job-runner.js';
import { SourceTexts } from '../src/load/source-texts.js';

const count = Number(process.argv[2] ?? 100_000);
const text = readFileSync('rules/hukou-settlement.yaml', 'utf8');
const draft = text
  .replace(/^version: 1\.0\.0$/m, 'version: 1.1.0')
  .replace(/\{ fact: work_years, operator: greaterThanInclusive, value: 2 \}/g, '{ fact: work_years, operator: greaterThanInclusive, value: 1 }')
  .replace(/\{ fact: mover_age, operator: lessThan, value: 22 \}/g, '{ fact: mover_age, operator: lessThan, value: 24 }');
const db = await connect({ memory: true });
const store = await JobStore.open(db, 'bench');
const runner = new ImpactJobRunner(store, new SourceTexts('rules/sources'), { workers: 2, sourcesDir: 'rules/sources' });
const load = loadavg()[0]?.toFixed(2);
const started = performance.now();
const job = await runner.submit({
  ruleset: 'hukou-settlement',
  spec: { from: { file: 'rules/hukou-settlement.yaml', text, version: '1.0.0' }, to: { file: 'draft.yaml', text: draft, version: '1.1.0', draft: true }, as_of: '2025-06-01', population: { count, seed: 1 }, sample: 10 },
  population_text: `生成 ${count} 人`,
  total: count,
  created_by: 'bench',
});
await runner.settled(job.id);
const seconds = (performance.now() - started) / 1000;
const done = await store.get(job.id);
const report = await store.report(job.id);
const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify({ count, status: done?.status, records: report?.records, changed: report?.changed, seconds: Number(seconds.toFixed(1)), records_per_second: Math.round(count / seconds), peak_rss_mb: rssMb, load_at_start: load, load_at_end: loadavg()[0]?.toFixed(2) }));
await db.close();
