import { EventEmitter } from 'node:events';
import type { SourceTexts } from '../load/source-texts.js';
import type { ImpactJob } from '../generated/impact-job.js';
import { runImpact, runImpactParallel } from './run-impact.js';
import { populationRecords, prepareSpec } from './job-chunks.js';
import type { JobSpec, JobStore, NewJob } from './job-store.js';

/**
 * Runs impact jobs in the background of this process: a job is submitted
 * (and answered with its id at once), decided on worker threads, its progress
 * written to the database every `progressMs` (the heartbeat other servers
 * read), and stopped between batches when anyone, on any server, asks for a
 * cancel. The report goes to the database; nothing of it stays here.
 */
export interface RunnerOptions {
  /** Worker threads for a large population (1 = this thread). */
  readonly workers: number;
  readonly sourcesDir: string;
  readonly progressMs?: number;
  /** Populations at least this large go to worker threads. */
  readonly parallelFrom?: number;
}

/** What the API needs of impact jobs, run in this process (PGlite) or through the queue (PostgreSQL). */
export interface ImpactJobs {
  readonly store: JobStore;
  submit(job: NewJob): Promise<ImpactJob>;
  /** False when the job had already ended. */
  cancel(id: string): Promise<boolean>;
  /** Resolves when the job has ended (done, failed or cancelled). */
  settled(id: string): Promise<void>;
  close(): Promise<void>;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

export class ImpactJobRunner extends EventEmitter implements ImpactJobs {
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private closed = false;

  constructor(
    readonly store: JobStore,
    private readonly sources: SourceTexts,
    private readonly options: RunnerOptions,
  ) {
    super();
  }

  async submit(job: NewJob): Promise<ImpactJob> {
    const created = await this.store.create(job);
    this.runLater(created.id);
    return created;
  }

  private runLater(id: string): void {
    const abort = new AbortController();
    const done = this.run(id, abort).finally(() => {
      this.running.delete(id);
      this.emit('settled', id);
    });
    this.running.set(id, { abort, done });
  }

  /** Resolves when this process has finished with the job (done, failed or cancelled). */
  async settled(id: string): Promise<void> {
    await this.running.get(id)?.done;
  }

  async cancel(id: string): Promise<boolean> {
    const asked = await this.store.requestCancel(id);
    this.running.get(id)?.abort.abort(new CancelledError());
    return asked;
  }

  private async run(id: string, abort: AbortController): Promise<void> {
    if (this.closed || !(await this.store.start(id))) return;
    let done = 0;
    let beating = Promise.resolve();
    const beat = () => {
      beating = beating
        .then(async () => {
          const { cancel } = await this.store.progress(id, done);
          this.emit('progress', id, done);
          if (cancel) abort.abort(new CancelledError());
        })
        .catch(() => undefined);
    };
    const timer = setInterval(beat, this.options.progressMs ?? 500);
    try {
      const spec = (await this.store.spec(id)) as JobSpec;
      const { from, to } = prepareSpec(spec, this.sources);
      const pop = spec.population;
      const count = 'records' in pop ? pop.records.length : 'count' in pop ? pop.count : 0;
      const records = populationRecords(spec, to, this.store.db, this.store.schema);
      const options = { from, to, asOf: spec.as_of, sampleSize: spec.sample, signal: abort.signal, onProgress: (n: number) => (done = n) };
      const parallel = this.options.workers > 1 && count >= (this.options.parallelFrom ?? 5000);
      const report = parallel ? await runImpactParallel(records, { ...options, workers: this.options.workers, sourcesDir: this.options.sourcesDir, concurrency: 512 }) : await runImpact(records, { ...options, concurrency: 256, yieldToEventLoop: true });
      clearInterval(timer);
      await beating;
      await this.store.finish(id, report);
    } catch (err) {
      clearInterval(timer);
      await beating;
      if (abort.signal.aborted) await this.store.end(id, 'cancelled', null);
      else await this.store.end(id, 'failed', `影响分析失败：${(err as Error).message}`);
    }
  }

  /** Stop every job of this process (shutdown): they end as cancelled, not left running. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.running.values()];
    for (const r of all) r.abort.abort(new CancelledError());
    await Promise.all(all.map((r) => r.done));
  }
}
