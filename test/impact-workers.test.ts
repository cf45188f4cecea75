import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type SqlClient } from '../src/store/sql-client.js';
import { SourceTexts } from '../src/load/source-texts.js';
import { openDistributedJobs, type DistributedJobs } from '../src/impact/distributed-jobs.js';
import { ChunkStore } from '../src/impact/chunk-store.js';
import { bossSchema, type QueueSettings } from '../src/impact/chunk-queue.js';
import { populationRecords, prepareSpec } from '../src/impact/job-chunks.js';
import { runImpact } from '../src/impact/run-impact.js';
import type { JobSpec, NewJob } from '../src/impact/job-store.js';
import type { ImpactJob } from '../src/generated/impact-job.js';

/**
 * Impact jobs beyond one machine (issue #12): the same population through two
 * `zhidu worker` processes and through one gives the same report as a run in
 * one process, chunk partials merged exactly; a worker killed in the middle of
 * a chunk leaves that chunk to be retried, and the report is still the same.
 * Every wait is on the job's or a chunk's state in the database.
 */
const url = process.env.DATABASE_URL;
const SCHEMA = 'zt_impact_workers';
const CHUNK = 1_500; // 8 chunks of 12,000 records; one of them straddles the generator's 10,000-record block
const COUNT = 12_000;
const settings: QueueSettings = { retries: 2, chunkTimeoutSeconds: 20, maintenanceSeconds: 1, pollSeconds: 0.5 };
const workerEnv = { DATABASE_URL: url ?? '', ZHIDU_IMPACT_RETRIES: '2', ZHIDU_IMPACT_CHUNK_TIMEOUT: '20', ZHIDU_IMPACT_MAINTENANCE: '1', ZHIDU_IMPACT_POLL: '0.5' };

const text = readFileSync('rules/hukou-settlement.yaml', 'utf8');
// The draft of test/impact-merge.test.ts: work years 2 → 1, children's age limits moved.
const draft = text
  .replace(/^version: 1\.0\.0$/m, 'version: 1.1.0')
  .replace(/\{ fact: work_years, operator: greaterThanInclusive, value: 2 \}/g, '{ fact: work_years, operator: greaterThanInclusive, value: 1 }')
  .replace(/\{ fact: mover_age, operator: lessThan, value: 18 \}/g, '{ fact: mover_age, operator: lessThan, value: 16 }')
  .replace(/\{ fact: mover_age, operator: lessThan, value: 22 \}/g, '{ fact: mover_age, operator: lessThan, value: 24 }');
const spec: JobSpec = {
  from: { file: 'rules/hukou-settlement.yaml', text, version: '1.0.0' },
  to: { file: 'draft.yaml', text: draft, version: '1.1.0', draft: true },
  as_of: '2025-06-01',
  population: { count: COUNT, seed: 3 },
  sample: 10,
};
const newJob: NewJob = { ruleset: 'hukou-settlement', spec, population_text: `生成 ${COUNT} 人`, total: COUNT, created_by: 'test' };
const timeless = (r: unknown) => JSON.stringify({ ...(r as Record<string, unknown>), elapsed_ms: 0, records_per_second: 0 });

interface WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

async function startWorker(name: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['bin/zhidu.js', 'worker', '--schema', SCHEMA, '--name', name], { env: { ...process.env, ...workerEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('已就绪')) resolve();
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`worker ${name} exited with ${code}:\n${out}`)));
  });
  return { child, exited };
}

async function stopWorker(w: WorkerProcess): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await w.exited;
}

/** Poll the database until `check` holds: the state another process writes is the event. */
async function until<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!url)('impact jobs across worker processes (PostgreSQL)', () => {
  let db: SqlClient;
  let jobs: DistributedJobs;
  let chunks: ChunkStore;
  let inProcess = '';

  beforeAll(async () => {
    db = await connect({ databaseUrl: url, poolSize: 4, timeoutMs: 30_000 });
    await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await db.query(`DROP SCHEMA IF EXISTS ${bossSchema(SCHEMA)} CASCADE`);
    // The coordinator only: every chunk is decided by a `zhidu worker` child process.
    jobs = await openDistributedJobs(db, { databaseUrl: url as string, schema: SCHEMA, sources: new SourceTexts('rules/sources'), settings, worker: false, chunkRecords: CHUNK, onError: () => undefined });
    chunks = await ChunkStore.open(db, SCHEMA);
    const { from, to } = prepareSpec(spec, new SourceTexts('rules/sources'));
    inProcess = timeless(JSON.parse(JSON.stringify(await runImpact(populationRecords(spec, to, db, SCHEMA), { from, to, asOf: spec.as_of, sampleSize: spec.sample }))));
  }, 300_000);

  afterAll(async () => {
    await jobs?.close();
    await db?.close();
  });

  const finished = async (id: string) => until<ImpactJob | undefined>('the job to end', () => jobs.store.get(id), (j) => j !== undefined && ['done', 'failed', 'cancelled'].includes(j.status));

  it('the population changes (the comparison means something) and spans several chunks', () => {
    const report = JSON.parse(inProcess) as { records: number; changed: number; sample: unknown[] };
    expect(report.records).toBe(COUNT);
    expect(report.changed).toBeGreaterThan(20);
    expect(report.sample).toHaveLength(10);
  });

  it('two worker processes and one give the report of a run in one process', async () => {
    const reports: Record<string, string> = {};
    for (const names of [['w1', 'w2'], ['solo']]) {
      const workers = await Promise.all(names.map(startWorker));
      try {
        const job = await jobs.submit(newJob);
        const ended = await finished(job.id);
        expect(ended, ended?.error ?? '').toMatchObject({ status: 'done', progress: { done: COUNT, total: COUNT } });
        const rows = await chunks.list(job.id);
        expect(rows).toHaveLength(COUNT / CHUNK);
        expect(rows.every((r) => r.status === 'done' && r.done === r.count)).toBe(true);
        // Every chunk was decided by one of these worker processes.
        expect(new Set(rows.map((r) => r.worker)).size).toBeLessThanOrEqual(names.length);
        for (const r of rows) expect(names).toContain(r.worker);
        if (names.length === 2) expect(new Set(rows.map((r) => r.worker))).toEqual(new Set(names));
        reports[names.join('+')] = timeless(await jobs.store.report(job.id));
      } finally {
        await Promise.all(workers.map(stopWorker));
      }
    }
    expect(reports['w1+w2']).toBe(inProcess);
    expect(reports.solo).toBe(inProcess);
  }, 600_000);

  it('a worker killed in the middle of a chunk: the chunk is retried and the report is the same', async () => {
    // Chunks of 6,000: long enough that the kill lands inside the one under way.
    const coarse = await openDistributedJobs(db, { databaseUrl: url as string, schema: SCHEMA, sources: new SourceTexts('rules/sources'), settings, worker: false, chunkRecords: 6_000, onError: () => undefined });
    const doomed = await startWorker('doomed');
    const job = await coarse.submit(newJob);
    const taken = await until('a chunk under way in the doomed worker', () => chunks.list(job.id), (rows) => rows.some((r) => r.worker === 'doomed' && r.status === 'running'));
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const lost = taken.find((r) => r.worker === 'doomed' && r.status === 'running') as (typeof taken)[number];
    const rescuer = await startWorker('rescuer');
    try {
      const ended = await finished(job.id);
      expect(ended, ended?.error ?? '').toMatchObject({ status: 'done', progress: { done: COUNT } });
      const again = (await chunks.list(job.id)).find((r) => r.idx === lost.idx);
      expect(again).toMatchObject({ status: 'done', worker: 'rescuer', attempts: 2 });
      const { rows } = await db.query<{ retry_count: number }>(`SELECT retry_count FROM ${bossSchema(SCHEMA)}.job WHERE id = (SELECT queue_id FROM ${SCHEMA}.impact_chunk WHERE job_id = $1 AND idx = $2)::uuid`, [job.id, lost.idx]);
      expect(rows[0]?.retry_count).toBe(1);
      expect(timeless(await jobs.store.report(job.id))).toBe(inProcess);
    } finally {
      await stopWorker(rescuer);
      await coarse.close();
    }
  }, 600_000);

  it('a cancel withdraws the chunks not started and stops the running one', async () => {
    // 200,000 records in chunks of 50,000: the one under way is still deciding when its next heartbeat reads the cancel.
    const coarse = await openDistributedJobs(db, { databaseUrl: url as string, schema: SCHEMA, sources: new SourceTexts('rules/sources'), settings, worker: false, chunkRecords: 50_000, onError: () => undefined });
    const worker = await startWorker('w-cancel');
    try {
      const job = await coarse.submit({ ...newJob, spec: { ...spec, population: { count: 200_000, seed: 3 } }, total: 200_000 });
      await until('a chunk under way', () => chunks.list(job.id), (rows) => rows.some((r) => r.status === 'running'));
      expect(await coarse.cancel(job.id)).toBe(true);
      expect((await jobs.store.get(job.id))?.status).toBe('cancelled');
      const rows = await until('no chunk running', () => chunks.list(job.id), (rs) => rs.every((r) => r.status !== 'running'));
      expect(rows.some((r) => r.status === 'stopped')).toBe(true);
      expect(rows.filter((r) => r.status === 'queued').length).toBeGreaterThan(0);
      const { rows: states } = await db.query<{ state: string }>(`SELECT state FROM ${bossSchema(SCHEMA)}.job WHERE id IN (SELECT queue_id::uuid FROM ${SCHEMA}.impact_chunk WHERE job_id = $1 AND status = 'queued')`, [job.id]);
      expect(states.length).toBeGreaterThan(0);
      expect(states.every((s) => s.state === 'cancelled')).toBe(true);
      expect(await jobs.store.report(job.id)).toBeUndefined();
    } finally {
      await stopWorker(worker);
      await coarse.close();
    }
  }, 600_000);
});
