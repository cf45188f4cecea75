/**
 * Impact as a distributed job, end to end on PostgreSQL: hukou-settlement, N
 * generated applicants, the draft of bench/impact-job.bench.ts, split into
 * chunks and decided by W `zhidu worker` child processes (the coordinator here
 * takes none), the partials merged and the report stored. Prints the time
 * from submit to the stored report, records per second, and each worker's
 * peak RSS (VmHWM from /proc: a high-water mark, so one size per run).
 *
 *   DATABASE_URL=postgres://… npm run bench:impact-workers -- 1000000 2
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { connect } from '../src/store/sql-client.js';
import { SourceTexts } from '../src/load/source-texts.js';
import { openDistributedJobs } from '../src/impact/distributed-jobs.js';
import { bossSchema, DEFAULT_QUEUE_SETTINGS } from '../src/impact/chunk-queue.js';

const count = Number(process.argv[2] ?? 100_000);
const workers = Number(process.argv[3] ?? 2);
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const schema = 'bench_impact_workers';
const text = readFileSync('rules/hukou-settlement.yaml', 'utf8');
const draft = text
  .replace(/^version: 1\.0\.0$/m, 'version: 1.1.0')
  .replace(/\{ fact: work_years, operator: greaterThanInclusive, value: 2 \}/g, '{ fact: work_years, operator: greaterThanInclusive, value: 1 }')
  .replace(/\{ fact: mover_age, operator: lessThan, value: 22 \}/g, '{ fact: mover_age, operator: lessThan, value: 24 }');

const db = await connect({ databaseUrl: url, poolSize: 4, timeoutMs: 60_000 });
await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
await db.query(`DROP SCHEMA IF EXISTS ${bossSchema(schema)} CASCADE`);
const settings = { ...DEFAULT_QUEUE_SETTINGS, pollSeconds: 0.5 };
const jobs = await openDistributedJobs(db, { databaseUrl: url, schema, sources: new SourceTexts('rules/sources'), settings, worker: false, onError: (e) => console.error(e.message) });

function vmHwmMb(pid: number | undefined): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

const children: ChildProcess[] = [];
for (let i = 0; i < workers; i++) {
  const child = spawn(process.execPath, ['bin/zhidu.js', 'worker', '--schema', schema, '--name', `bench-${i + 1}`], { env: { ...process.env, ZHIDU_IMPACT_POLL: '0.5' }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout?.on('data', (d: Buffer) => d.toString().includes('已就绪') && resolve()));
  children.push(child);
}
const load = loadavg()[0]?.toFixed(2);
const started = performance.now();
const job = await jobs.submit({
  ruleset: 'hukou-settlement',
  spec: { from: { file: 'rules/hukou-settlement.yaml', text, version: '1.0.0' }, to: { file: 'draft.yaml', text: draft, version: '1.1.0', draft: true }, as_of: '2025-06-01', population: { count, seed: 1 }, sample: 10 },
  population_text: `生成 ${count} 人`,
  total: count,
  created_by: 'bench',
});
await jobs.settled(job.id);
const seconds = (performance.now() - started) / 1000;
const rss = children.map((c) => vmHwmMb(c.pid));
const done = await jobs.store.get(job.id);
const report = await jobs.store.report(job.id);
for (const c of children) c.kill('SIGTERM');
await Promise.all(children.map((c) => new Promise((r) => c.on('exit', r))));
console.log(JSON.stringify({ count, worker_processes: workers, status: done?.status, records: report?.records, changed: report?.changed, seconds: Number(seconds.toFixed(1)), records_per_second: Math.round(count / seconds), worker_peak_rss_mb: rss, coordinator_peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), load_at_start: load, load_at_end: loadavg()[0]?.toFixed(2) }));
await jobs.close();
await db.close();
