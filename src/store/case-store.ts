import type { SqlClient, SqlQueryable } from './sql-client.js';
import { quoteIdent } from './migrations.js';

export type CaseState = 'draft' | 'submitted' | 'overridden' | 'closed';

/** One case file (办件) as stored: personal data here, once; decisions in the log. */
export interface CaseRow {
  readonly seq: number;
  readonly id: string;
  readonly case_no: string;
  readonly ruleset_id: string;
  readonly matter: string;
  readonly applicant_name: string;
  readonly applicant_id_number: string;
  readonly applicant_phone: string | null;
  readonly caseworker: string;
  readonly state: CaseState;
  /** The interview as typed, fact → answer text, restored on reload. */
  readonly answers: Record<string, string>;
  readonly as_of: string | null;
  readonly decision_id: string | null;
  readonly machine_status: string | null;
  readonly machine_outcome: string | null;
  readonly machine_display: string | null;
  readonly override_outcome: string | null;
  readonly override_display: string | null;
  readonly override_reason: string | null;
  readonly override_by: string | null;
  readonly override_at: string | null;
  readonly determination_id: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly submitted_at: string | null;
  readonly closed_at: string | null;
}

export interface CaseFilter {
  /** Part of the applicant's name. */
  readonly name?: string | undefined;
  /** The whole identity card number (normalised). */
  readonly id_number?: string | undefined;
  /** The case number, whole (2026-000123) or its tail (123). */
  readonly case_no?: string | undefined;
  readonly caseworker?: string | undefined;
  readonly ruleset?: string | undefined;
  readonly state?: CaseState | undefined;
  /** The outcome in effect: the corrected one after an override, else the machine's ('undetermined' while pending). */
  readonly outcome?: string | undefined;
  /** Created on or after / before (ISO instants). */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly limit: number;
  readonly before?: number | undefined;
}

const TIME_COLUMNS = ['created_at', 'updated_at', 'submitted_at', 'closed_at', 'override_at'] as const;

/**
 * The case files. Every change is one conditional UPDATE (… WHERE state = …),
 * so two windows racing on a case cannot both move it; a change that links a
 * decision runs inside the decision log's append transaction (see the routes),
 * so a case is submitted exactly when its decision is recorded.
 */
export class CaseStore {
  private readonly s: string;

  constructor(
    readonly db: SqlClient,
    schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  /** A new draft with the next number of its year (2026-000001, …), numbered atomically across servers. */
  async create(c: { id: string; year: number; ruleset_id: string; matter: string; name: string; id_number: string; phone: string | null; caseworker: string; now: string }): Promise<CaseRow> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ last: number }>(
        `INSERT INTO ${this.s}.case_counter (year, last) VALUES ($1, 1) ON CONFLICT (year) DO UPDATE SET last = ${this.s}.case_counter.last + 1 RETURNING last`,
        [c.year],
      );
      const number = Number(rows[0]?.last);
      const caseNo = `${c.year}-${String(number).padStart(6, '0')}`;
      const inserted = await tx.query<Record<string, unknown>>(
        `INSERT INTO ${this.s}.case_file (id, year, number, case_no, ruleset_id, matter, applicant_name, applicant_id_number, applicant_phone, caseworker, state, answers, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', '{}', $11, $11) RETURNING *`,
        [c.id, c.year, number, caseNo, c.ruleset_id, c.matter, c.name, c.id_number, c.phone, c.caseworker, c.now],
      );
      return toRow(inserted.rows[0] as Record<string, unknown>);
    });
  }

  async get(id: string, db: SqlQueryable = this.db): Promise<CaseRow | null> {
    const { rows } = await db.query<Record<string, unknown>>(`SELECT * FROM ${this.s}.case_file WHERE id = $1`, [id]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Change a draft; null when it is no longer a draft. */
  async updateDraft(id: string, change: { answers?: Record<string, string>; as_of?: string | null; name?: string; id_number?: string; phone?: string | null; now: string }): Promise<CaseRow | null> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (change.answers !== undefined) set('answers', JSON.stringify(change.answers));
    if (change.as_of !== undefined) set('as_of', change.as_of);
    if (change.name !== undefined) set('applicant_name', change.name);
    if (change.id_number !== undefined) set('applicant_id_number', change.id_number);
    if (change.phone !== undefined) set('applicant_phone', change.phone);
    set('updated_at', change.now);
    const { rows } = await this.db.query<Record<string, unknown>>(`UPDATE ${this.s}.case_file SET ${sets.join(', ')} WHERE id = $1 AND state = 'draft' RETURNING *`, params);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Link the recorded decision (inside the log's append transaction); null when the case is no longer a draft. */
  async submit(tx: SqlQueryable, id: string, s: { decision_id: string; answers: Record<string, string> | undefined; as_of: string; status: string; outcome: string; display: string | null; now: string }): Promise<CaseRow | null> {
    const { rows } = await tx.query<Record<string, unknown>>(
      `UPDATE ${this.s}.case_file SET state = 'submitted', decision_id = $2, answers = coalesce($3, answers), as_of = $4, machine_status = $5, machine_outcome = $6, machine_display = $7, submitted_at = $8, updated_at = $8
       WHERE id = $1 AND state = 'draft' RETURNING *`,
      [id, s.decision_id, s.answers === undefined ? null : JSON.stringify(s.answers), s.as_of, s.status, s.outcome, s.display, s.now],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Record the corrected outcome (inside the log's append transaction, with its determination); null unless submitted or already overridden. */
  async override(tx: SqlQueryable, id: string, o: { outcome: string; display: string; reason: string; by: string; determination_id: string; now: string }): Promise<CaseRow | null> {
    const { rows } = await tx.query<Record<string, unknown>>(
      `UPDATE ${this.s}.case_file SET state = 'overridden', override_outcome = $2, override_display = $3, override_reason = $4, override_by = $5, override_at = $6, determination_id = $7, updated_at = $6
       WHERE id = $1 AND state IN ('submitted', 'overridden') RETURNING *`,
      [id, o.outcome, o.display, o.reason, o.by, o.now, o.determination_id],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  async close(id: string, now: string): Promise<CaseRow | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `UPDATE ${this.s}.case_file SET state = 'closed', closed_at = $2, updated_at = $2 WHERE id = $1 AND state IN ('submitted', 'overridden') RETURNING *`,
      [id, now],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  async list(f: CaseFilter): Promise<{ items: CaseRow[]; next: number | null }> {
    const where: string[] = ['true'];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replaceAll('?', `$${params.length}`));
    };
    if (f.name) add(`applicant_name LIKE ?`, `%${escapeLike(f.name)}%`);
    if (f.id_number) add('applicant_id_number = ?', f.id_number);
    if (f.case_no) {
      if (/^\d{4}-\d{6}$/.test(f.case_no)) add('case_no = ?', f.case_no);
      else add('number = ?', Number(f.case_no));
    }
    if (f.caseworker) add('caseworker = ?', f.caseworker);
    if (f.ruleset) add('ruleset_id = ?', f.ruleset);
    if (f.state) add('state = ?', f.state);
    if (f.outcome) add(`coalesce(override_outcome, machine_outcome) = ?`, f.outcome);
    if (f.from) add('created_at >= ?', f.from);
    if (f.to) add('created_at < ?', f.to);
    if (f.before !== undefined) add('seq < ?', f.before);
    params.push(f.limit + 1);
    const { rows } = await this.db.query<Record<string, unknown>>(`SELECT * FROM ${this.s}.case_file WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`, params);
    const more = rows.length > f.limit;
    const items = rows.slice(0, f.limit).map(toRow);
    return { items, next: more && items.length > 0 ? (items[items.length - 1] as CaseRow).seq : null };
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toRow(r: Record<string, unknown>): CaseRow {
  const out: Record<string, unknown> = { ...r, seq: Number(r.seq), answers: JSON.parse(String(r.answers ?? '{}')) };
  for (const c of TIME_COLUMNS) out[c] = r[c] === null || r[c] === undefined ? null : new Date(r[c] as string).toISOString();
  delete out.year;
  delete out.number;
  return out as unknown as CaseRow;
}
