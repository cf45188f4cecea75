import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { checkFacts } from '../eval/check-facts.js';
import { ZhiduError } from '../errors/finding.js';
import { isIsoDate } from '../eval/calendar.js';
import { splitCsv } from './population-reader.js';

/**
 * Real (anonymised) records an editor uploads for an impact job, as NDJSON or
 * CSV text: every row checked against the rule set's input schema before the
 * job starts, each problem named by row and column (第 3 行第 2 列“出生日期”：…)
 * so the file can be fixed in a spreadsheet. An upload with any bad row is
 * refused whole: an impact figure over silently dropped rows would mislead.
 */
export interface UploadProblem {
  readonly row: number;
  /** 1-based column (CSV), absent for NDJSON and for whole-row problems. */
  readonly column?: number;
  readonly fact?: string;
  readonly message: string;
}

export interface ParsedUpload {
  readonly records: Record<string, unknown>[];
  readonly problems: UploadProblem[];
}

/** Problems reported at most; a file wrong throughout needs the first few, not thousands. */
export const MAX_PROBLEMS = 50;

export function parseUpload(rs: PreparedRuleSet, format: 'csv' | 'ndjson', text: string, maxRecords: number): ParsedUpload {
  const records: Record<string, unknown>[] = [];
  const problems: UploadProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const props = rs.definition.inputs.properties;
  const title = (fact: string) => props[fact]?.title ?? fact;
  let header: string[] | undefined;
  for (const [i, raw] of lines.entries()) {
    if (problems.length >= MAX_PROBLEMS) break;
    const row = i + 1;
    if (raw.trim() === '') continue;
    let facts: Record<string, unknown> = {};
    let columnOf = (_fact: string): number | undefined => undefined;
    if (format === 'ndjson') {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        problems.push({ row, message: '不是有效的 JSON（每行应为一个对象，如 {"matter": "settle"}）' });
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        problems.push({ row, message: '应为一个 JSON 对象（每行一名申请人的事实）' });
        continue;
      }
      facts = { ...(value as Record<string, unknown>) };
    } else {
      const cells = splitCsv(raw);
      if (!header) {
        header = cells.map((c) => c.trim());
        for (const [k, name] of header.entries()) {
          if (name !== 'as_of' && !props[name]) problems.push({ row, column: k + 1, fact: name, message: `列名“${name}”不是本规则集的事实；可用：${Object.keys(props).join('、')}` });
        }
        if (problems.length > 0) break;
        continue;
      }
      const names = header;
      columnOf = (fact) => {
        const k = names.indexOf(fact);
        return k >= 0 ? k + 1 : undefined;
      };
      let bad = false;
      for (const [k, name] of names.entries()) {
        const cell = (cells[k] ?? '').trim();
        if (cell === '') continue; // an empty cell is an unknown fact, never 0 or false
        const p = props[name];
        if (name === 'as_of' || !p) {
          facts[name] = cell;
          continue;
        }
        if (p.type === 'integer' || p.type === 'number') {
          const v = Number(cell);
          if (!Number.isFinite(v) || !/^-?\d+(\.\d+)?$/.test(cell)) {
            problems.push({ row, column: k + 1, fact: name, message: `“${title(name)}”应为数字，实际为“${cell}”` });
            bad = true;
            continue;
          }
          facts[name] = v;
        } else if (p.type === 'boolean') {
          const yes = ['true', '是'].includes(cell);
          const no = ['false', '否'].includes(cell);
          if (!yes && !no) {
            problems.push({ row, column: k + 1, fact: name, message: `“${title(name)}”应为 是/否（或 true/false），实际为“${cell}”` });
            bad = true;
            continue;
          }
          facts[name] = yes;
        } else facts[name] = cell;
      }
      if (bad) continue;
    }
    const asOf = facts.as_of;
    delete facts.as_of;
    if (asOf !== undefined && (typeof asOf !== 'string' || !isIsoDate(asOf))) {
      problems.push({ row, ...(columnOf('as_of') ? { column: columnOf('as_of') } : {}), fact: 'as_of', message: `决定日期 as_of 应为 YYYY-MM-DD，实际为“${String(asOf)}”` });
      continue;
    }
    try {
      checkFacts(rs, facts);
    } catch (err) {
      if (!(err instanceof ZhiduError)) throw err;
      const list = err.violations.length ? err.violations : [{ pointer: '', message: err.messageZh }];
      for (const v of list) {
        const fact = v.pointer.replace(/^\//, '').split('/')[0] ?? '';
        const column = fact ? columnOf(fact) : undefined;
        problems.push({ row, ...(column ? { column } : {}), ...(fact ? { fact } : {}), message: v.message });
      }
      continue;
    }
    if (records.length >= maxRecords) {
      problems.push({ row, message: `记录过多：上限 ${maxRecords} 条` });
      break;
    }
    records.push(asOf ? { ...facts, as_of: asOf } : facts);
  }
  if (format === 'csv' && !header && problems.length === 0) problems.push({ row: 1, message: 'CSV 文件应有标题行（列名为事实名）' });
  if (records.length === 0 && problems.length === 0) problems.push({ row: 1, message: '文件中没有记录' });
  return { records, problems: problems.slice(0, MAX_PROBLEMS) };
}

/** 第 3 行第 2 列（birth_date）：… — the form an editor reads. */
export function problemText(p: UploadProblem): string {
  return `第 ${p.row} 行${p.column ? `第 ${p.column} 列` : ''}${p.fact ? `（${p.fact}）` : ''}：${p.message}`;
}
