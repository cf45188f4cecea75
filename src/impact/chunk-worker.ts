import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import type { SourceTexts } from '../load/source-texts.js';
import type { JobSpec, JobStore } from './job-store.js';
import type { ChunkStore } from './chunk-store.js';
import { CHUNK_QUEUE, FAILED_QUEUE, MERGE_QUEUE } from './chunk-queue.js';
import { populationRecords, prepareSpec, type PreparedSpec } from './job-chunks.js';
import { aggregateImpact } from './run-impact.js';
import { finishReport, mergeReports } from './impact-report.js';
import { CancelledError } from './job-runner.js';

/**
 * Takes impact chunks from the queue, one at a time, in any process sharing
 * the database (`zhidu worker`, or a server's own worker): decides the chunk's
 * records with the compact evaluator, writes its progress as it goes (and
 * stops when the job is cancelled), and stores its partial. Whoever stores the
 * last one queues the merge, which any worker then does exactly (mergeReports).
 * A chunk that throws, or whose process dies, is retried by the queue.
 */
export interface ChunkData {
  readonly job: string;
  readonly chunk: number;
}

export interface WorkerOptions {
  /** Names this worker in the chunk table (default host:pid). */
  readonly name?: string;
  readonly progressMs?: number;
  readonly pollSeconds: number;
}

class ShutdownError extends Error {
  constructor() {
    super('工作进程正在停止');
  }
}

export class ChunkWorker {
  readonly name: string;
  private readonly running = new Set<AbortController>();
  /** Prepared versions of the job last seen: consecutive chunks of one job do not reload them. */
  private cached: { id: string; spec: JobSpec; prepared: PreparedSpec } | undefined;
  private readonly workIds: string[] = [];

  constructor(
    private readonly boss: PgBoss,
    private readonly jobs: JobStore,
    private readonly chunks: ChunkStore,
    private readonly sources: SourceTexts,
    private readonly options: WorkerOptions,
  ) {
    this.name = options.name ?? `${hostname()}:${process.pid}`;
  }

  async start(): Promise<void> {
    const opts = { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.options.pollSeconds } as const;
    const next = (id: string) => this.boss.notifyWorker(id);
    // Fetch the next chunk as soon as one is done, not after the polling interval.
    let chunkWorker = '';
    chunkWorker = await this.boss.work<ChunkData>(CHUNK_QUEUE, opts, async ([job]) => {
      try {
        if (job) await this.chunk(job.data);
      } finally {
        next(chunkWorker);
      }
    });
    this.workIds.push(chunkWorker);
    this.workIds.push(await this.boss.work<{ job: string }>(MERGE_QUEUE, opts, async ([job]) => job && this.merge(job.data.job)));
    this.workIds.push(await this.boss.work<ChunkData>(FAILED_QUEUE, opts, async ([job]) => job && this.failed(job)));
  }

  /** Stop taking chunks; a chunk in hand is given back (failed, so the queue retries it elsewhere). */
  async stop(): Promise<void> {
    for (const id of this.workIds.splice(0)) await this.boss.offWork({ id });
    for (const abort of this.running) abort.abort(new ShutdownError());
  }

  private async prepared(id: string): Promise<{ spec: JobSpec; prepared: PreparedSpec }> {
    if (this.cached?.id !== id) {
      const spec = await this.jobs.spec(id);
      if (!spec) throw new Error(`影响分析任务 ${id} 不存在`);
      this.cached = { id, spec, prepared: prepareSpec(spec, this.sources) };
    }
    return this.cached;
  }

  async chunk({ job: id, chunk: idx }: ChunkData): Promise<void> {
    const begin = await this.chunks.begin(id, idx, this.name);
    if (begin.run) {
      const { spec, prepared } = await this.prepared(id);
      const abort = new AbortController();
      this.running.add(abort);
      let done = 0;
      let beating = Promise.resolve();
      const timer = setInterval(() => {
        beating = beating
          .then(async () => {
            if ((await this.chunks.beat(id, idx, done)).stop) abort.abort(new CancelledError());
          })
          .catch(() => undefined);
      }, this.options.progressMs ?? 500);
      try {
        const records = populationRecords(spec, prepared.to, this.jobs.db, this.jobs.schema, begin.range);
        const partial = await aggregateImpact(records, { ...prepared, asOf: spec.as_of, sampleSize: spec.sample, signal: abort.signal, concurrency: 256, yieldToEventLoop: true, onProgress: (n) => (done = n) });
        clearInterval(timer);
        await beating;
        const { allDone } = await this.chunks.complete(id, idx, partial);
        if (!allDone) return;
      } catch (err) {
        clearInterval(timer);
        await beating;
        if (abort.signal.reason instanceof CancelledError) return this.chunks.stopped(id, idx);
        throw err;
      } finally {
        this.running.delete(abort);
      }
    } else if (begin.why === 'job-ended' || !(await this.chunks.allDone(id))) return;
    // The last chunk (or a retry of one whose worker stopped after storing it): one merge per job, by its id.
    await this.boss.send(MERGE_QUEUE, { job: id }, { id });
  }

  async merge(id: string): Promise<void> {
    const job = await this.jobs.get(id);
    if (!job || job.status !== 'running') return;
    const { prepared } = await this.prepared(id);
    const partial = mergeReports(await this.chunks.partials(id));
    const elapsed = job.started_at ? Date.now() - Date.parse(job.started_at) : 0;
    await this.jobs.finish(id, await finishReport(partial, prepared.from, prepared.to, elapsed));
  }

  /** A chunk or merge failed its last retry: the job fails, its other chunks are withdrawn. */
  async failed(job: PgBoss.JobWithMetadata<Partial<ChunkData>>): Promise<void> {
    const id = job.data.job;
    if (!id) return;
    const output = (job.output ?? {}) as { message?: string; value?: { message?: string } };
    const why = output.message ?? output.value?.message ?? '未知错误';
    const what = job.data.chunk === undefined ? '合并结果' : `第 ${job.data.chunk + 1} 段`;
    await this.jobs.end(id, 'failed', `影响分析失败：${what}重试 ${job.retryLimit} 次后仍未完成（${why}）`);
    const open = await this.chunks.openQueueIds(id);
    if (open.length > 0) await this.boss.cancel(CHUNK_QUEUE, open);
  }
}
