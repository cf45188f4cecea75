import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { evaluate } from '../eval/evaluate.js';
import type { Decision } from '../generated/decision.js';
import { ZhiduError } from '../errors/finding.js';
import { ImpactAggregator, type ImpactReport } from './impact-report.js';
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

async function decideBoth(rec: PopulationRecord, o: ImpactOptions): Promise<{ error: string } | { from: Decision; to: Decision }> {
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
