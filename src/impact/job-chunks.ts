import { loadRuleSet } from '../load/load-rule-set.js';
import type { SourceTexts } from '../load/source-texts.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import type { SqlQueryable } from '../store/sql-client.js';
import { generatePopulation, GENERATOR_BLOCK } from './population-generator.js';
import type { PopulationRecord } from './population-reader.js';
import { decisionRecords } from './decision-records.js';
import type { JobSpec } from './job-store.js';

/**
 * A job's population as ranges of records (chunks) that any process can
 * produce on its own from the job's spec: a range of the seeded generator
 * (record i is the same whoever generates it) or a range of the uploaded
 * rows. Lines are the records' positions in the whole population, so the
 * merged report names the same cases as a run over all of it.
 */
export interface ChunkRange {
  /** 0-based index of the chunk's first record in the population. */
  readonly first: number;
  readonly count: number;
}

/** Records per chunk: one generator block, a few seconds of work, small enough to redo after a failure. */
export const CHUNK_RECORDS = GENERATOR_BLOCK;

/**
 * The chunks of a population. Recorded decisions are one chunk: the log is
 * read in its own order from a range of recording times, which does not split
 * by position without reading it.
 */
export function planChunks(population: JobSpec['population'], size: number = CHUNK_RECORDS): ChunkRange[] {
  const total = 'count' in population ? population.count : 'records' in population ? population.records.length : undefined;
  if (total === undefined) return [{ first: 0, count: 0 }];
  const out: ChunkRange[] = [];
  for (let first = 0; first < total; first += size) out.push({ first, count: Math.min(size, total - first) });
  return out.length > 0 ? out : [{ first: 0, count: 0 }];
}

export interface PreparedSpec {
  readonly from: PreparedRuleSet;
  readonly to: PreparedRuleSet;
}

export function prepareSpec(spec: JobSpec, sources: SourceTexts): PreparedSpec {
  const prepare = (v: { file: string; text: string }): PreparedRuleSet => {
    const r = loadRuleSet(v.file, v.text, { sources });
    if (!r.ok) throw new Error(`${v.file} 无法载入`);
    return r.ruleSet;
  };
  return { from: prepare(spec.from), to: prepare(spec.to) };
}

/** The records of a range of the job's population (the whole of it without a range). */
export function populationRecords(spec: JobSpec, to: PreparedRuleSet, db: SqlQueryable, schema: string, range?: ChunkRange): AsyncIterable<PopulationRecord> {
  const pop = spec.population;
  if ('records' in pop) return fromRecords(pop.records, range);
  if ('count' in pop) return generated(to, range ?? { first: 0, count: pop.count }, pop.seed, spec.as_of);
  return decisionRecords(db, schema, { ruleset: to.id, ...pop.decisions });
}

/** Given records; a record's own decision date (as_of, from an uploaded file's column) wins. */
async function* fromRecords(items: readonly Record<string, unknown>[], range?: ChunkRange): AsyncGenerator<PopulationRecord> {
  const first = range?.first ?? 0;
  const end = range ? first + range.count : items.length;
  for (let i = first; i < end; i++) {
    const item = items[i] as Record<string, unknown>;
    const { as_of: asOf, ...facts } = item;
    yield typeof asOf === 'string' ? { line: i + 1, facts, asOf } : { line: i + 1, facts: item };
  }
}

async function* generated(rs: PreparedRuleSet, range: ChunkRange, seed: number, asOf: string): AsyncGenerator<PopulationRecord> {
  let line = range.first;
  for (const facts of generatePopulation(rs.definition, range.count, { seed, asOf, start: range.first })) yield { line: ++line, facts };
}
