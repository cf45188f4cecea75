import type { SqlClient } from '../store/sql-client.js';
import { quoteIdent } from '../store/migrations.js';
import type { ImpactPartial } from './impact-report.js';
import type { ChunkRange } from './job-chunks.js';

/**
 * The chunks of a distributed impact job, as the database keeps them: each
 * chunk's range, who is working on it, how far it got, and its partial
 * report once done. The job's own progress is the sum of its chunks', so a
 * chunk that is retried from the start cannot count its records twice.
 * Beside `impact_job` in the server's schema, created on first use.
 */
export type ChunkStatus = 'queued' | 'running' | 'done' | 'stopped';

export interface ChunkRow {
  readonly job_id: string;
  readonly idx: number;
  readonly first: number;
  readonly count: number;
  readonly status: ChunkStatus;
  readonly done: number;
  readonly attempts: number;
  readonly worker: string | null;
}

/** What a worker taking a chunk is to do with it. */
export type Begin = { readonly run: true; readonly range: ChunkRange } | { readonly run: false; readonly why: 'done' | 'job-ended' };

export class ChunkStore {
  private readonly s: string;

  private constructor(
    readonly db: SqlClient,
    schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  static async open(db: SqlClient, schema: string): Promise<ChunkStore> {
    const store = new ChunkStore(db, schema);
    const s = store.s;
    await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`zhidu-impact-chunks:${schema}`]);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.impact_chunk (
        job_id text NOT NULL REFERENCES ${s}.impact_job (id),
        idx integer NOT NULL,
        first bigint NOT NULL,
        count bigint NOT NULL,
        queue_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'stopped')),
        done bigint NOT NULL DEFAULT 0,
        attempts integer NOT NULL DEFAULT 0,
        worker text,
        started_at text,
        finished_at text,
        partial text,
        PRIMARY KEY (job_id, idx)
      )`);
    });
    return store;
  }

  async create(jobId: string, ranges: readonly ChunkRange[], queueIds: readonly string[]): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.s}.impact_chunk (job_id, idx, first, count, queue_id, status)
       SELECT $1, r.idx - 1, r.first, r.count, r.queue_id, 'queued'
       FROM unnest($2::bigint[], $3::bigint[], $4::text[]) WITH ORDINALITY AS r(first, count, queue_id, idx)`,
      [jobId, ranges.map((r) => r.first), ranges.map((r) => r.count), queueIds],
    );
  }

  /**
   * A worker takes a chunk: counted again from 0 (a retry redoes the range),
   * and the job shown running from its first chunk on. A chunk already done
   * (its worker stopped after storing it) or of a job that ended is not redone.
   */
  async begin(jobId: string, idx: number, worker: string): Promise<Begin> {
    const now = new Date().toISOString();
    return this.db.transaction(async (tx) => {
      const { rows: jobs } = await tx.query<{ status: string; cancel_requested: boolean }>(`SELECT status, cancel_requested FROM ${this.s}.impact_job WHERE id = $1 FOR UPDATE`, [jobId]);
      const job = jobs[0];
      if (!job || !['queued', 'running'].includes(job.status) || job.cancel_requested) return { run: false, why: 'job-ended' } as const;
      const { rows } = await tx.query<{ first: string | number; count: string | number }>(
        `UPDATE ${this.s}.impact_chunk SET status = 'running', done = 0, attempts = attempts + 1, worker = $3, started_at = $4
         WHERE job_id = $1 AND idx = $2 AND status <> 'done' RETURNING first, count`,
        [jobId, idx, worker, now],
      );
      if (!rows[0]) return { run: false, why: 'done' } as const;
      await tx.query(
        `UPDATE ${this.s}.impact_job SET status = 'running', started_at = COALESCE(started_at, $2), heartbeat_at = $2,
         done = (SELECT COALESCE(sum(done), 0) FROM ${this.s}.impact_chunk WHERE job_id = $1) WHERE id = $1`,
        [jobId, now],
      );
      return { run: true, range: { first: Number(rows[0].first), count: Number(rows[0].count) } } as const;
    });
  }

  /** A chunk's progress, which is also the job's heartbeat; answers whether the job was cancelled (or ended) meanwhile. */
  async beat(jobId: string, idx: number, done: number): Promise<{ stop: boolean }> {
    const now = new Date().toISOString();
    await this.db.query(`UPDATE ${this.s}.impact_chunk SET done = $3 WHERE job_id = $1 AND idx = $2 AND status = 'running'`, [jobId, idx, done]);
    const { rows } = await this.db.query<{ status: string; cancel_requested: boolean }>(
      `UPDATE ${this.s}.impact_job SET heartbeat_at = $2, done = (SELECT COALESCE(sum(done), 0) FROM ${this.s}.impact_chunk WHERE job_id = $1)
       WHERE id = $1 RETURNING status, cancel_requested`,
      [jobId, now],
    );
    const job = rows[0];
    return { stop: !job || job.cancel_requested || job.status !== 'running' };
  }

  /** Store a chunk's partial; answers whether every chunk of the job is now done (time to merge). */
  async complete(jobId: string, idx: number, partial: ImpactPartial): Promise<{ allDone: boolean }> {
    const now = new Date().toISOString();
    return this.db.transaction(async (tx) => {
      await tx.query(`UPDATE ${this.s}.impact_chunk SET status = 'done', done = count, finished_at = $3, partial = $4 WHERE job_id = $1 AND idx = $2 AND status <> 'done'`, [jobId, idx, now, JSON.stringify(partial)]);
      await tx.query(`UPDATE ${this.s}.impact_job SET heartbeat_at = $2, done = (SELECT COALESCE(sum(done), 0) FROM ${this.s}.impact_chunk WHERE job_id = $1) WHERE id = $1`, [jobId, now]);
      return { allDone: await this.allDone(jobId, tx) };
    });
  }

  async allDone(jobId: string, db: Pick<SqlClient, 'query'> = this.db): Promise<boolean> {
    const { rows } = await db.query<{ remaining: string | number }>(`SELECT count(*) FILTER (WHERE status <> 'done') AS remaining FROM ${this.s}.impact_chunk WHERE job_id = $1`, [jobId]);
    return Number(rows[0]?.remaining ?? 1) === 0;
  }

  /** A chunk that stopped because its job was cancelled: not done, never merged. */
  async stopped(jobId: string, idx: number): Promise<void> {
    await this.db.query(`UPDATE ${this.s}.impact_chunk SET status = 'stopped', finished_at = $3 WHERE job_id = $1 AND idx = $2 AND status = 'running'`, [jobId, idx, new Date().toISOString()]);
  }

  /** The partials of every chunk, in chunk order (the merge does not depend on it). */
  async partials(jobId: string): Promise<ImpactPartial[]> {
    const { rows } = await this.db.query<{ partial: string | null }>(`SELECT partial FROM ${this.s}.impact_chunk WHERE job_id = $1 ORDER BY idx`, [jobId]);
    return rows.map((r, i) => {
      if (r.partial === null) throw new Error(`第 ${i + 1} 段尚无结果`);
      return JSON.parse(r.partial) as ImpactPartial;
    });
  }

  /** The queue's ids of the chunks that have not finished (to withdraw them on a cancel or a failure). */
  async openQueueIds(jobId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ queue_id: string }>(`SELECT queue_id FROM ${this.s}.impact_chunk WHERE job_id = $1 AND status IN ('queued', 'running')`, [jobId]);
    return rows.map((r) => r.queue_id);
  }

  async list(jobId: string): Promise<ChunkRow[]> {
    const { rows } = await this.db.query<ChunkRow>(`SELECT job_id, idx, first, count, status, done, attempts, worker FROM ${this.s}.impact_chunk WHERE job_id = $1 ORDER BY idx`, [jobId]);
    return rows.map((r) => ({ ...r, first: Number(r.first), count: Number(r.count), done: Number(r.done), attempts: Number(r.attempts) }));
  }
}
