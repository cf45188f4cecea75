import { parentPort, workerData } from 'node:worker_threads';
import { loadRuleSet } from '../load/load-rule-set.js';
import { SourceTexts } from '../load/source-texts.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { ImpactAggregator } from './impact-report.js';
import { addRecord } from './run-impact.js';
import type { PopulationRecord } from './population-reader.js';

/**
 * One impact worker thread: its own prepared copies of both versions, its own
 * aggregator over the batches it is sent; its partial is merged at the end.
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

port.on('message', (msg: { type: 'batch'; records: PopulationRecord[] } | { type: 'finish' }) => {
  if (msg.type === 'finish') {
    port.postMessage({ type: 'report', report: agg.partial() });
    return;
  }
  for (const rec of msg.records) addRecord(agg, rec, { from, to, asOf: input.asOf });
  port.postMessage({ type: 'ack', count: msg.records.length });
});
port.postMessage({ type: 'ready' });
