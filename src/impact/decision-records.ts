import type { SqlQueryable } from '../store/sql-client.js';
import { quoteIdent } from '../store/migrations.js';
import type { PopulationRecord } from './population-reader.js';

/**
 * Recorded decisions as an impact population: the facts each caseworker's
 * decision was made on, and its decision date, read from the decision log
 * page by page in log order (constant memory, however long the range).
 * `from`/`to` bound the recording time: from inclusive, to exclusive.
 */
export interface DecisionRange {
  readonly ruleset: string;
  readonly from?: string;
  readonly to?: string;
}

/** "2025-01-01..2025-07-01", either end optional ("..2025-07-01"). */
export function parseRange(text: string): { from?: string; to?: string } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?)?\.\.(\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?)?$/.exec(text);
  if (!m) return undefined;
  return { ...(m[1] ? { from: m[1] } : {}), ...(m[2] ? { to: m[2] } : {}) };
}

export async function* decisionRecords(db: SqlQueryable, schema: string, range: DecisionRange, pageSize = 1000): AsyncGenerator<PopulationRecord> {
  const s = quoteIdent(schema);
  let after = 0;
  for (;;) {
    const params: unknown[] = [range.ruleset, after];
    const where = [`kind = 'decision'`, 'ruleset_id = $1', 'seq > $2'];
    if (range.from) where.push(`recorded_at >= $${params.push(range.from)}`);
    if (range.to) where.push(`recorded_at < $${params.push(range.to)}`);
    params.push(pageSize);
    const { rows } = await db.query<{ seq: string | number; content: string }>(`SELECT seq, content FROM ${s}.log WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${params.length}`, params);
    if (rows.length === 0) return;
    for (const row of rows) {
      after = Number(row.seq);
      const content = JSON.parse(row.content) as { facts?: unknown; as_of?: string };
      const facts = content.facts;
      if (facts === null || typeof facts !== 'object' || Array.isArray(facts)) yield { line: after, error: '记录中没有事实对象' };
      else yield { line: after, facts: facts as Record<string, unknown>, ...(content.as_of ? { asOf: content.as_of } : {}) };
    }
    if (rows.length < pageSize) return;
  }
}

/** How many recorded decisions a range holds (the total a job's progress is measured against). */
export async function countDecisionRecords(db: SqlQueryable, schema: string, range: DecisionRange): Promise<number> {
  const s = quoteIdent(schema);
  const params: unknown[] = [range.ruleset];
  const where = [`kind = 'decision'`, 'ruleset_id = $1'];
  if (range.from) where.push(`recorded_at >= $${params.push(range.from)}`);
  if (range.to) where.push(`recorded_at < $${params.push(range.to)}`);
  const { rows } = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${s}.log WHERE ${where.join(' AND ')}`, params);
  return Number(rows[0]?.n ?? 0);
}
