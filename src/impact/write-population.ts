import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { RuleSet } from '../generated/rule-set.js';
import { generatePopulation } from './population-generator.js';
import { formatOf } from './population-reader.js';

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Stream N generated records to a file (NDJSON, or CSV by extension) or stdout, honouring backpressure. */
export async function writePopulation(rs: RuleSet, count: number, seed: number, out?: string, asOf?: string): Promise<void> {
  const stream: WriteStream | NodeJS.WriteStream = out ? createWriteStream(out) : process.stdout;
  const csv = out ? formatOf(out) === 'csv' : false;
  const columns = Object.keys(rs.inputs.properties);
  const write = async (text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  if (csv) await write(columns.join(',') + '\n');
  let chunk = '';
  let n = 0;
  for (const facts of generatePopulation(rs, count, { seed, ...(asOf ? { asOf } : {}) })) {
    chunk += csv ? columns.map((c) => csvCell(facts[c])).join(',') + '\n' : JSON.stringify(facts) + '\n';
    if (++n % 1000 === 0) {
      await write(chunk);
      chunk = '';
    }
  }
  if (chunk) await write(chunk);
  if (out) {
    (stream as WriteStream).end();
    await once(stream, 'finish');
  }
}
