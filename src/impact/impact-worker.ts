import { parentPort, workerData } from 'node:worker_threads';
import { loadRuleSet } from '../load/load-rule-set.js';
import { SourceTexts } from '../load/source-texts.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { ImpactAggregator } from './impact-report.js';
import { decideBoth } from './run-impact.js';
import type { PopulationRecord } from './population-reader.js';

/**
 * One impact worker: its own prepared copies of both versions, its own
 * aggregator over the batches it is sent; its report is merged at the end.
 */
export interface WorkerInput {
  readonly from: { readonly file: string; readonly text: string };
  readonly to: { readonly file: string; readonly text: string };
  readonly sourcesDir: string;
  readonly asOf: string;
  readonly sampleSize: number;
}

const input = workerData as WorkerInput;
const sources = new SourceTexts(input.sourcesDir);
function prepare(v: { file: string; text: string }): PreparedRuleSet {
  const r = loadRuleSet(v.file, v.text, { sources });
  if (!r.ok) throw new Error(`${v.file} does not load in the impact worker`);
  return r.ruleSet;
}
const from = prepare(input.from);
const to = prepare(input.to);
const agg = new ImpactAggregator(from, to, input.asOf, input.sampleSize);
const port = parentPort as NonNullable<typeof parentPort>;

port.on('message', async (msg: { type: 'batch'; records: PopulationRecord[] } | { type: 'finish' }) => {
  if (msg.type === 'finish') {
    port.postMessage({ type: 'report', report: agg.finish(0) });
    return;
  }
  const results = await Promise.all(msg.records.map((rec) => decideBoth(rec, { from, to, asOf: input.asOf })));
  for (const [i, res] of results.entries()) {
    const rec = msg.records[i] as PopulationRecord;
    if ('error' in res) agg.invalid(rec.line, res.error);
    else agg.add(rec.line, rec.facts as Record<string, unknown>, res.from, res.to);
  }
  port.postMessage({ type: 'ack', count: msg.records.length });
});
port.postMessage({ type: 'ready' });
