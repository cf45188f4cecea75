import { randomUUID } from 'node:crypto';
import type { SqlClient } from '../store/sql-client.js';
import { quoteIdent } from '../store/migrations.js';
import type { ImpactJob, ImpactJobStatus } from '../generated/impact-job.js';
import type { ImpactReport } from './impact-report.js';

/**
 * Impact jobs as the database keeps them, so a report outlives the process
 * that computed it and any server sharing the database can show a job's
 * progress, cancel it, or reopen its report. Working data, not part of the
 * decision log: its own table, created on first use like the versions table
 * (src/store/version-store.ts), so it never competes for a migration number.
 * Times are ISO text: the same on PGlite and PostgreSQL, and they sort.
 */
export interface JobSpec {
  readonly from: { readonly file: string; readonly text: string; readonly version: string };
  readonly to: { readonly file: string; readonly text: string; readonly version: string; readonly draft: boolean };
  readonly as_of: string;
  readonly population:
    | { readonly count: number; readonly seed: number }
    | { readonly records: readonly Record<string, unknown>[] }
    | { readonly decisions: { readonly from?: string; readonly to?: string } };
  readonly sample: number;
}

export interface NewJob {
  readonly ruleset: string;
  readonly spec: JobSpec;
  readonly population_text: string;
  readonly total: number | null;
  readonly created_by: string;
}

interface JobRow {
  id: string;
  ruleset_id: string;
  from_version: string;
  to_version: string;
  draft: boolean;
  as_of: string;
  population: string;
  status: ImpactJobStatus;
  done: string | number;
  total: string | number | null;
  created_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  heartbeat_at: string | null;
  cancel_requested: boolean;
  error: string | null;
  summary: string | null;
  chunks: number | null;
}

/** A job whose process stopped beating for this long is reported as interrupted. */
export const STALE_MS = 30_000;
/**
 * A chunked job is retried by the queue when a worker dies (after the chunk
 * timeout), so only a much longer silence means that no worker is left; one
 * waiting in the queue behind other jobs is never stale.
 */
export const CHUNKED_STALE_MS = 15 * 60_000;

const COLUMNS = 'id, ruleset_id, from_version, to_version, draft, as_of, population, status, done, total, created_by, created_at, started_at, finished_at, heartbeat_at, cancel_requested, error, summary, chunks';

export class JobStore {
  private readonly s: string;

  private constructor(
    readonly db: SqlClient,
    readonly schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  static async open(db: SqlClient, schema: string): Promise<JobStore> {
    const store = new JobStore(db, schema);
    const s = store.s;
    await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`zhidu-impact-jobs:${schema}`]);
      await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.impact_job (
        seq bigserial UNIQUE,
        id text PRIMARY KEY,
        ruleset_id text NOT NULL,
        from_version text NOT NULL,
        to_version text NOT NULL,
        draft boolean NOT NULL,
        as_of text NOT NULL,
        population text NOT NULL,
        spec text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        done bigint NOT NULL DEFAULT 0,
        total bigint,
        created_by text NOT NULL,
        created_at text NOT NULL,
        started_at text,
        finished_at text,
        heartbeat_at text,
        cancel_requested boolean NOT NULL DEFAULT false,
        error text,
        summary text,
        report text
      )`);
      // Null: run by one process; a number: split into that many chunks through the queue (chunk-store.ts).
      await tx.query(`ALTER TABLE ${s}.impact_job ADD COLUMN IF NOT EXISTS chunks integer`);
    });
    return store;
  }

  async create(job: NewJob, chunks: number | null = null): Promise<ImpactJob> {
    const id = randomUUID();
    const now = new Date().toISOString();
    const { spec } = job;
    await this.db.query(
      `INSERT INTO ${this.s}.impact_job (id, ruleset_id, from_version, to_version, draft, as_of, population, spec, status, total, created_by, created_at, heartbeat_at, chunks)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $10, $11, $11, $12)`,
      [id, job.ruleset, spec.from.version, spec.to.version, spec.to.draft, spec.as_of, job.population_text, JSON.stringify(spec), job.total, job.created_by, now, chunks],
    );
    return (await this.get(id)) as ImpactJob;
  }

  async get(id: string): Promise<ImpactJob | undefined> {
    const { rows } = await this.db.query<JobRow>(`SELECT ${COLUMNS} FROM ${this.s}.impact_job WHERE id = $1`, [id]);
    return rows[0] ? view(rows[0]) : undefined;
  }

  async spec(id: string): Promise<JobSpec | undefined> {
    const { rows } = await this.db.query<{ spec: string }>(`SELECT spec FROM ${this.s}.impact_job WHERE id = $1`, [id]);
    return rows[0] ? (JSON.parse(rows[0].spec) as JobSpec) : undefined;
  }

  /** Newest first. */
  async list(filter: { ruleset?: string; limit: number }): Promise<ImpactJob[]> {
    const params: unknown[] = [];
    const where = filter.ruleset ? `WHERE ruleset_id = $${params.push(filter.ruleset)}` : '';
    params.push(filter.limit);
    const { rows } = await this.db.query<JobRow>(`SELECT ${COLUMNS} FROM ${this.s}.impact_job ${where} ORDER BY seq DESC LIMIT $${params.length}`, params);
    return rows.map(view);
  }

  /** Only a queued job starts: two processes racing for one job cannot both run it. */
  async start(id: string): Promise<boolean> {
    const now = new Date().toISOString();
    const { rows } = await this.db.query<{ id: string }>(`UPDATE ${this.s}.impact_job SET status = 'running', started_at = $2, heartbeat_at = $2 WHERE id = $1 AND status = 'queued' AND NOT cancel_requested RETURNING id`, [id, now]);
    return rows.length === 1;
  }

  /** Progress and heartbeat; answers whether a cancel was asked for (by any server). */
  async progress(id: string, done: number): Promise<{ cancel: boolean }> {
    const { rows } = await this.db.query<{ cancel_requested: boolean }>(`UPDATE ${this.s}.impact_job SET done = $2, heartbeat_at = $3 WHERE id = $1 RETURNING cancel_requested`, [id, done, new Date().toISOString()]);
    return { cancel: rows[0]?.cancel_requested === true };
  }

  async finish(id: string, report: ImpactReport): Promise<void> {
    const summary = { records: report.records, changed: report.changed, invalid: report.invalid };
    await this.db.query(`UPDATE ${this.s}.impact_job SET status = 'done', done = $2, finished_at = $3, heartbeat_at = $3, summary = $4, report = $5 WHERE id = $1 AND status = 'running'`, [
      id,
      report.records,
      new Date().toISOString(),
      JSON.stringify(summary),
      JSON.stringify(report),
    ]);
  }

  async end(id: string, status: 'failed' | 'cancelled', error: string | null): Promise<void> {
    await this.db.query(`UPDATE ${this.s}.impact_job SET status = $2, error = $3, finished_at = $4, heartbeat_at = $4 WHERE id = $1 AND status IN ('queued', 'running')`, [id, status, error, new Date().toISOString()]);
  }

  /** Ask for a cancel; a queued job is cancelled at once. False when the job had already ended. */
  async requestCancel(id: string): Promise<boolean> {
    const { rows } = await this.db.query<{ status: string }>(`UPDATE ${this.s}.impact_job SET cancel_requested = true WHERE id = $1 AND status IN ('queued', 'running') RETURNING status`, [id]);
    if (rows[0]?.status === 'queued') await this.end(id, 'cancelled', null);
    return rows.length === 1;
  }

  async report(id: string): Promise<ImpactReport | undefined> {
    const { rows } = await this.db.query<{ report: string | null }>(`SELECT report FROM ${this.s}.impact_job WHERE id = $1`, [id]);
    return rows[0]?.report ? (JSON.parse(rows[0].report) as ImpactReport) : undefined;
  }
}

function view(row: JobRow): ImpactJob {
  const done = Number(row.done);
  const total = row.total === null ? null : Number(row.total);
  let status = row.status;
  let error = row.error;
  // The process running it died (a restart, a crash): nobody will finish it.
  const silent = row.heartbeat_at ? Date.now() - Date.parse(row.heartbeat_at) : 0;
  if (row.chunks === null && (status === 'running' || status === 'queued') && silent > STALE_MS) {
    status = 'failed';
    error = '任务中断：处理它的进程已停止（例如服务重启），请重新开始';
  } else if (row.chunks !== null && status === 'running' && silent > CHUNKED_STALE_MS) {
    status = 'failed';
    error = '任务中断：长时间没有工作进程处理它（请确认 zhidu worker 或服务器在运行），请重新开始';
  }
  const end = row.finished_at ? Date.parse(row.finished_at) : Date.now();
  const seconds = row.started_at ? Math.max(0.001, (end - Date.parse(row.started_at)) / 1000) : 0;
  const rate = seconds > 0 ? Math.round(done / seconds) : 0;
  const eta = status === 'running' && total !== null && rate > 0 ? Math.max(0, Math.round((total - done) / rate)) : status === 'done' ? 0 : null;
  return {
    id: row.id,
    ruleset: row.ruleset_id,
    from_version: row.from_version,
    to_version: row.to_version,
    draft: row.draft,
    as_of: row.as_of,
    population: row.population,
    status,
    progress: { done, total, rate, eta_seconds: eta },
    created_by: row.created_by,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    error,
    ...(row.summary ? { summary: JSON.parse(row.summary) as ImpactJob['summary'] } : {}),
  };
}
