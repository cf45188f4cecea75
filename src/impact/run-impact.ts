import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { evaluateCompact, type CompactDecision } from '../eval/evaluate.js';
import { ZhiduError } from '../errors/finding.js';
import { ImpactAggregator, mergeReports, finishReport, type ImpactPartial, type ImpactReport } from './impact-report.js';
import type { PopulationRecord } from './population-reader.js';

export interface ImpactOptions {
  readonly from: PreparedRuleSet;
  readonly to: PreparedRuleSet;
  /** Decision date for both versions (a record's own as_of wins). */
  readonly asOf: string;
  /** Records between progress reports (and, across threads, per batch); bounds memory whatever the population size. */
  readonly concurrency?: number;
  readonly sampleSize?: number;
  readonly onProgress?: (records: number) => void;
  /** Stops the run between batches; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Give the event loop a turn between batches (a server running a job on its own thread). */
  readonly yieldToEventLoop?: boolean;
}

/**
 * Re-decide every case of a stream under both versions with the compact
 * evaluator (no explanation per record) and aggregate the differences;
 * explanations are built at the end for the sample cases only. Reads records
 * one at a time, so a population of millions runs in constant memory.
 */
export async function runImpact(records: AsyncIterable<PopulationRecord>, options: ImpactOptions): Promise<ImpactReport> {
  const started = performance.now();
  const partial = await aggregateImpact(records, options);
  return finishReport(partial, options.from, options.to, performance.now() - started);
}

/** The mergeable partial of a stream (one thread, one chunk of a job). */
export async function aggregateImpact(records: AsyncIterable<PopulationRecord> | Iterable<PopulationRecord>, options: ImpactOptions): Promise<ImpactPartial> {
  const agg = new ImpactAggregator(options.from, options.to, options.asOf, options.sampleSize ?? 10);
  const every = Math.max(1, options.concurrency ?? 64);
  let seen = 0;
  for await (const rec of records) {
    addRecord(agg, rec, options);
    seen += 1;
    if (seen % every === 0) {
      options.signal?.throwIfAborted();
      options.onProgress?.(seen);
      // An async iterator of ready records never leaves the microtask queue: let timers,
      // requests and a cancel in, between batches.
      if (options.yieldToEventLoop) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  options.signal?.throwIfAborted();
  options.onProgress?.(seen);
  return agg.partial();
}

export function addRecord(agg: ImpactAggregator, rec: PopulationRecord, o: Pick<ImpactOptions, 'from' | 'to' | 'asOf'>): void {
  const res = decideBoth(rec, o);
  if ('error' in res) agg.invalid(rec.line, res.error);
  else agg.add(rec.line, rec.facts as Record<string, unknown>, res.asOf, res.from, res.to);
}

export function decideBoth(rec: PopulationRecord, o: Pick<ImpactOptions, 'from' | 'to' | 'asOf'>): { error: string } | { from: CompactDecision; to: CompactDecision; asOf: string } {
  if (rec.error || !rec.facts) return { error: rec.error ?? '空记录' };
  const asOf = rec.asOf ?? o.asOf;
  try {
    return { from: evaluateCompact(o.from, rec.facts, { asOf }), to: evaluateCompact(o.to, rec.facts, { asOf }), asOf };
  } catch (err) {
    if (err instanceof ZhiduError) return { error: `${err.code}：${err.messageZh}${err.violations.length ? `（${err.violations.map((v) => v.message).join('；')}）` : ''}` };
    throw err;
  }
}

export async function* fromArray(items: readonly Record<string, unknown>[]): AsyncGenerator<PopulationRecord> {
  let line = 0;
  for (const facts of items) yield { line: ++line, facts };
}

/**
 * The same report, with the population split across worker threads (each
 * with its own copy of both versions). Batches go round-robin; each worker has
 * at most two batches queued, so memory stays bounded. The workers' partials
 * merge exactly (mergeReports), so the report equals a one-thread run's.
 */
export async function runImpactParallel(records: AsyncIterable<PopulationRecord>, options: ImpactOptions & { workers: number; sourcesDir: string }): Promise<ImpactReport> {
  const started = performance.now();
  const partial = await aggregateParallel(records, options);
  return finishReport(partial, options.from, options.to, performance.now() - started);
}

export async function aggregateParallel(records: AsyncIterable<PopulationRecord>, options: ImpactOptions & { workers: number; sourcesDir: string }): Promise<ImpactPartial> {
  const { Worker } = await import('node:worker_threads');
  const sampleSize = options.sampleSize ?? 10;
  const input = {
    from: { file: options.from.file, text: options.from.text },
    to: { file: options.to.file, text: options.to.text },
    sourcesDir: options.sourcesDir,
    asOf: options.asOf,
    sampleSize,
  };
  const batchSize = Math.max(1, options.concurrency ?? 256);
  const workers = Array.from({ length: Math.max(1, options.workers) }, () => {
    const w = new Worker(new URL('./impact-worker-boot.mjs', import.meta.url), { workerData: input });
    const state = { worker: w, inFlight: 0, waiters: [] as (() => void)[], report: undefined as ImpactPartial | undefined, error: undefined as Error | undefined };
    w.on('message', (m: { type: string; report?: ImpactPartial }) => {
      if (m.type === 'ack') state.inFlight -= 1;
      if (m.type === 'report') state.report = m.report;
      state.waiters.splice(0).forEach((f) => f());
    });
    w.on('error', (err) => {
      state.error = err;
      state.waiters.splice(0).forEach((f) => f());
    });
    return state;
  });
  type State = (typeof workers)[number];
  const wait = (s: State) => new Promise<void>((resolve) => s.waiters.push(resolve));
  const aborted = new Promise<never>((_, reject) => {
    options.signal?.addEventListener('abort', () => reject(options.signal?.reason as Error), { once: true });
  });
  aborted.catch(() => undefined);
  const until = (s: State) => Promise.race([wait(s), aborted]);
  let seen = 0;
  let next = 0;
  const send = async (batch: PopulationRecord[]) => {
    const s = workers[next++ % workers.length] as State;
    while (!s.error && s.inFlight >= 2) await until(s);
    if (s.error) throw s.error;
    options.signal?.throwIfAborted();
    s.inFlight += 1;
    s.worker.postMessage({ type: 'batch', records: batch });
    seen += batch.length;
    options.onProgress?.(seen);
  };
  try {
    let batch: PopulationRecord[] = [];
    for await (const rec of records) {
      batch.push(rec);
      if (batch.length >= batchSize) {
        await send(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await send(batch);
    const reports: ImpactPartial[] = [];
    for (const s of workers) {
      while (!s.error && s.inFlight > 0) await until(s);
      s.worker.postMessage({ type: 'finish' });
      while (!s.error && !s.report) await until(s);
      if (s.error) throw s.error;
      reports.push(s.report as ImpactPartial);
    }
    return mergeReports(reports);
  } finally {
    await Promise.all(workers.map((s) => s.worker.terminate()));
  }
}
