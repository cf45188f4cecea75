import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { evaluate } from '../eval/evaluate.js';
import type { Decision } from '../generated/decision.js';
import { ZhiduError } from '../errors/finding.js';
import { ImpactAggregator, mergeReports, type ImpactReport } from './impact-report.js';
import type { PopulationRecord } from './population-reader.js';

export interface ImpactOptions {
  readonly from: PreparedRuleSet;
  readonly to: PreparedRuleSet;
  /** Decision date for both versions (a record's own as_of wins). */
  readonly asOf: string;
  /** Cases evaluated at once; bounds memory whatever the population size. */
  readonly concurrency?: number;
  readonly sampleSize?: number;
  readonly onProgress?: (records: number) => void;
}

/**
 * Re-decide every case of a stream under both versions and aggregate the
 * differences. Reads at most `concurrency` records ahead of the aggregation,
 * so a population of millions runs in constant memory.
 */
export async function runImpact(records: AsyncIterable<PopulationRecord>, options: ImpactOptions): Promise<ImpactReport> {
  const started = performance.now();
  const agg = new ImpactAggregator(options.from, options.to, options.asOf, options.sampleSize ?? 10);
  const limit = Math.max(1, options.concurrency ?? 64);
  let batch: PopulationRecord[] = [];
  let seen = 0;
  const flush = async () => {
    const results = await Promise.all(batch.map((rec) => decideBoth(rec, options)));
    for (const [i, res] of results.entries()) {
      const rec = batch[i] as PopulationRecord;
      if ('error' in res) agg.invalid(rec.line, res.error);
      else agg.add(rec.line, rec.facts as Record<string, unknown>, res.from, res.to);
    }
    seen += batch.length;
    batch = [];
    options.onProgress?.(seen);
  };
  for await (const rec of records) {
    batch.push(rec);
    if (batch.length >= limit) await flush();
  }
  if (batch.length > 0) await flush();
  return agg.finish(performance.now() - started);
}

export async function decideBoth(rec: PopulationRecord, o: Pick<ImpactOptions, "from" | "to" | "asOf">): Promise<{ error: string } | { from: Decision; to: Decision }> {
  if (rec.error || !rec.facts) return { error: rec.error ?? '空记录' };
  const asOf = rec.asOf ?? o.asOf;
  try {
    const [from, to] = await Promise.all([evaluate(o.from, rec.facts, { asOf }), evaluate(o.to, rec.facts, { asOf })]);
    return { from, to };
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
 * with its own copy of both versions). Batches go to whichever worker is
 * free; each worker has at most two batches queued, so memory stays bounded.
 */
export async function runImpactParallel(records: AsyncIterable<PopulationRecord>, options: ImpactOptions & { workers: number; sourcesDir: string }): Promise<ImpactReport> {
  const { Worker } = await import('node:worker_threads');
  const started = performance.now();
  const sampleSize = options.sampleSize ?? 10;
  const input = {
    from: { file: options.from.file, text: options.from.text },
    to: { file: options.to.file, text: options.to.text },
    sourcesDir: options.sourcesDir,
    asOf: options.asOf,
    sampleSize,
  };
  const batchSize = Math.max(1, options.concurrency ?? 64);
  const workers = Array.from({ length: Math.max(1, options.workers) }, () => {
    const w = new Worker(new URL('./impact-worker-boot.mjs', import.meta.url), { workerData: input });
    const state = { worker: w, inFlight: 0, ready: false, waiters: [] as (() => void)[], report: undefined as ImpactReport | undefined, error: undefined as Error | undefined };
    w.on('message', (m: { type: string; report?: ImpactReport }) => {
      if (m.type === 'ready') state.ready = true;
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
  let seen = 0;
  let next = 0;
  const send = async (batch: PopulationRecord[]) => {
    // Round-robin, waiting while the chosen worker has two batches queued.
    const s = workers[next++ % workers.length] as State;
    while (!s.error && s.inFlight >= 2) await wait(s);
    if (s.error) throw s.error;
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
    const reports: ImpactReport[] = [];
    for (const s of workers) {
      while (!s.error && s.inFlight > 0) await wait(s);
      s.worker.postMessage({ type: 'finish' });
      while (!s.error && !s.report) await wait(s);
      if (s.error) throw s.error;
      reports.push(s.report as ImpactReport);
    }
    const report = mergeReports(reports, sampleSize);
    const elapsed = performance.now() - started;
    report.elapsed_ms = Math.round(elapsed);
    report.records_per_second = elapsed > 0 ? Math.round((report.records / elapsed) * 1000) : 0;
    return report;
  } finally {
    await Promise.all(workers.map((s) => s.worker.terminate()));
  }
}
