import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';

/**
 * A population file read one line at a time (never whole): NDJSON (one JSON
 * object of facts per line) or CSV with a header row naming input facts.
 * CSV cells are typed by the rule set's input schema; an empty cell is an
 * absent fact (unknown), never 0 or false.
 */
export interface PopulationRecord {
  /** 1-based line in the file. */
  readonly line: number;
  readonly facts?: Record<string, unknown>;
  /** Why the line could not be read as facts. */
  readonly error?: string;
  /** Optional per-record decision date (`as_of` column or key). */
  readonly asOf?: string;
}

export type PopulationFormat = 'ndjson' | 'csv';

export function formatOf(path: string): PopulationFormat {
  return /\.csv$/i.test(path) ? 'csv' : 'ndjson';
}

export function fileSize(path: string): number {
  return statSync(path).size;
}

export async function* readPopulation(path: string, rs: PreparedRuleSet, onBytes?: (bytes: number) => void): AsyncGenerator<PopulationRecord> {
  const format = formatOf(path);
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
  if (onBytes) stream.on('data', (chunk) => onBytes(Buffer.byteLength(chunk as string)));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  let header: string[] | undefined;
  for await (const raw of lines) {
    n += 1;
    const text = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue;
    if (format === 'ndjson') {
      yield parseJsonLine(n, text);
      continue;
    }
    const cells = splitCsv(text);
    if (!header) {
      header = cells.map((c) => c.trim());
      continue;
    }
    yield csvRecord(n, header, cells, rs);
  }
}

function parseJsonLine(line: number, text: string): PopulationRecord {
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { line, error: '不是 JSON 对象 (not a JSON object)' };
    const { as_of: asOf, ...facts } = value as Record<string, unknown>;
    return typeof asOf === 'string' ? { line, facts, asOf } : { line, facts };
  } catch (err) {
    return { line, error: `JSON 无法解析：${(err as Error).message}` };
  }
}

/** RFC 4180 fields: quoted fields may hold commas and doubled quotes. */
export function splitCsv(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function csvRecord(line: number, header: readonly string[], cells: readonly string[], rs: PreparedRuleSet): PopulationRecord {
  const facts: Record<string, unknown> = {};
  let asOf: string | undefined;
  for (const [i, name] of header.entries()) {
    const cell = cells[i] ?? '';
    if (cell === '') continue;
    if (name === 'as_of') {
      asOf = cell;
      continue;
    }
    const p = rs.definition.inputs.properties[name];
    if (!p) {
      facts[name] = cell; // refused by the input schema, reported as that record's error
      continue;
    }
    if (p.type === 'integer' || p.type === 'number') {
      const v = Number(cell);
      if (!Number.isFinite(v)) return { line, error: `${name}：“${cell}”不是数字` };
      facts[name] = v;
    } else if (p.type === 'boolean') {
      if (cell !== 'true' && cell !== 'false') return { line, error: `${name}：“${cell}”应为 true 或 false` };
      facts[name] = cell === 'true';
    } else facts[name] = cell;
  }
  return asOf ? { line, facts, asOf } : { line, facts };
}
