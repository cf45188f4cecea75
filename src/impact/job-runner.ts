import { EventEmitter } from 'node:events';
import { loadRuleSet } from '../load/load-rule-set.js';
import type { SourceTexts } from '../load/source-texts.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import type { ImpactJob } from '../generated/impact-job.js';
import { generatePopulation } from './population-generator.js';
import type { PopulationRecord } from './population-reader.js';
import { runImpact, runImpactParallel } from './run-impact.js';
import { decisionRecords } from './decision-records.js';
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

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

export class ImpactJobRunner extends EventEmitter {
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
      const from = this.prepare(spec.from);
      const to = this.prepare(spec.to);
      const pop = spec.population;
      const count = 'records' in pop ? pop.records.length : 'count' in pop ? pop.count : 0;
      const records =
        'records' in pop
          ? fromRecords(pop.records)
          : 'count' in pop
            ? generated(to, pop.count, pop.seed, spec.as_of)
            : decisionRecords(this.store.db, this.store.schema, { ruleset: to.id, ...pop.decisions });
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

  private prepare(v: { file: string; text: string }): PreparedRuleSet {
    const r = loadRuleSet(v.file, v.text, { sources: this.sources });
    if (!r.ok) throw new Error(`${v.file} 无法载入`);
    return r.ruleSet;
  }

  /** Stop every job of this process (shutdown): they end as cancelled, not left running. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.running.values()];
    for (const r of all) r.abort.abort(new CancelledError());
    await Promise.all(all.map((r) => r.done));
  }
}

/** Given records; a record's own decision date (as_of, from an uploaded file's column) wins. */
async function* fromRecords(items: readonly Record<string, unknown>[]): AsyncGenerator<PopulationRecord> {
  let line = 0;
  for (const item of items) {
    const { as_of: asOf, ...facts } = item;
    line += 1;
    yield typeof asOf === 'string' ? { line, facts, asOf } : { line, facts: item };
  }
}

async function* generated(rs: PreparedRuleSet, count: number, seed: number, asOf: string): AsyncGenerator<PopulationRecord> {
  let line = 0;
  for (const facts of generatePopulation(rs.definition, count, { seed, asOf })) yield { line: ++line, facts };
}
