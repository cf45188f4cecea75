import type { SqlClient, SqlQueryable } from './sql-client.js';
import { guardedClient, StoreUnavailable, unavailable } from './store-unavailable.js';
import { migrate, quoteIdent, GENESIS_HASH } from './migrations.js';
import { StoreTimeout } from './store-timeout.js';
import { linkHash, outcomeKey, pending, type LogContent, type PendingRecord, type DecisionContent, type DeterminationContent } from './log-record.js';
import { CheckpointMarks, problemMessage, type CheckpointProblem } from './checkpoint-check.js';
import type { Checkpoint } from './checkpoint-record.js';

export interface StoredRef {
  readonly seq: number;
  readonly hash: string;
}

export interface DecisionSummary {
  readonly id: string;
  readonly recorded_at: string;
  readonly caller: string;
  readonly ruleset: { readonly id: string; readonly version: string };
  readonly as_of: string;
  readonly status: string;
  readonly outcome: string;
  /** The caseworker's latest determination on it, if any. */
  readonly determination: { readonly agree: boolean; readonly reason: string | null; readonly caller: string; readonly time: string } | null;
}

export interface ListFilter {
  readonly ruleset?: string | undefined;
  /** Inclusive lower bound on the recording time (ISO date or date-time). */
  readonly from?: string | undefined;
  /** Exclusive upper bound on the recording time (ISO date-time). */
  readonly to?: string | undefined;
  readonly outcome?: string | undefined;
  readonly limit: number;
  /** Sequence number to continue below (newest first). */
  readonly before?: number | undefined;
}

/** Checkpoints the walk found holding, and the furthest of them. */
export interface CheckpointsHeld {
  readonly held: number;
  readonly latest: { readonly seq: number; readonly time: string } | null;
}

export type VerifyResult =
  | { readonly ok: true; readonly records: number; readonly head: StoredRef; readonly checkpoints: CheckpointsHeld }
  | {
      readonly ok: false;
      readonly records: number;
      /** `problem`: the break is against a signed checkpoint (LOG_REWRITTEN, LOG_TRUNCATED). */
      readonly broken: { readonly seq: number; readonly id: string | null; readonly reason: string; readonly problem?: CheckpointProblem };
      readonly checkpoints: CheckpointsHeld;
    };

export interface VerifyOptions {
  /**
   * Re-derive a decision's explanation and check it against the record
   * (rederive.ts): a reason when it does not match, null when it does. Without
   * it only the chain is checked.
   */
  readonly checkDecision?: (content: DecisionContent) => string | null;
  /** Signed heads the chain must still reach and hash to (checkpoint-check.ts), signatures already checked. */
  readonly checkpoints?: readonly Checkpoint[];
}

/** A record whose precondition failed is refused alone; the rest of its batch is written. */
export type Precondition = (tx: SqlQueryable) => Promise<void>;

interface Queued {
  readonly record: PendingRecord;
  readonly check: Precondition | undefined;
  /** When its caller stops waiting (epoch ms). */
  readonly deadline: number;
  readonly resolve: (ref: StoredRef) => void;
  readonly reject: (err: unknown) => void;
}

const COLUMNS = ['seq', 'id', 'kind', 'subject', 'recorded_at', 'caller', 'ruleset_id', 'ruleset_version', 'as_of', 'status', 'outcome', 'content', 'prev_hash', 'hash'] as const;

/**
 * The append-only, hash-chained decision log. Appends are group-committed:
 * requests that arrive while a write is in flight are chained and inserted
 * together in the next transaction, and each caller's promise settles only
 * once its record is committed — so nothing is answered before it is
 * recorded, yet one commit serves many decisions. Across processes the
 * single-row chain head, locked FOR UPDATE, serialises the chain.
 */
export class DecisionLog {
  private readonly s: string;
  /** What appends and reads go through: a database failure there raises StoreUnavailable (store-unavailable.ts). */
  private readonly store: ReturnType<typeof guardedClient>;
  private queue: Queued[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  private readonly committedListeners: Array<(ref: StoredRef) => void> = [];
  /** The last write failed and nothing has gone through since: not ready. */
  private failing = false;

  private constructor(
    readonly db: SqlClient,
    readonly schema: string,
    private readonly maxBatch: number,
  ) {
    this.s = quoteIdent(schema);
    this.store = guardedClient(db);
  }

  static async open(db: SqlClient, schema: string, options: { maxBatch?: number } = {}): Promise<DecisionLog> {
    await migrate(db, schema);
    return new DecisionLog(db, schema, options.maxBatch ?? 256);
  }

  /** A decision ready to append: the compact record, its canonical text fixed. */
  prepareDecision(content: DecisionContent): PendingRecord {
    return pending(content);
  }

  /** Called after each commit with the last record it wrote (the checkpointer follows the head so). */
  onCommitted(listener: (ref: StoredRef) => void): void {
    this.committedListeners.push(listener);
  }

  private committed(ref: StoredRef | undefined): void {
    if (ref) for (const l of this.committedListeners) l(ref);
  }

  append(record: PendingRecord, check?: Precondition): Promise<StoredRef> {
    if (this.closed) return Promise.reject(new StoreUnavailable(new Error('decision log closed')));
    // The bound counts from here, not from when the writer reaches the record:
    // behind a write that stalls, the queue waits too.
    const deadline = this.db.timeoutMs === undefined ? Infinity : Date.now() + this.db.timeoutMs;
    return new Promise<StoredRef>((resolve, reject) => {
      this.queue.push({ record, check, deadline, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const now = Date.now();
        const batch: Queued[] = [];
        for (const q of this.queue.splice(0, this.maxBatch)) {
          if (q.deadline <= now) q.reject(new StoreUnavailable(new StoreTimeout(this.db.timeoutMs ?? 0)));
          else batch.push(q);
        }
        if (batch.length === 0) continue;
        try {
          // The batch is settled by its earliest caller's deadline; past it nothing of it commits.
          await this.write(batch, Math.min(...batch.map((q) => q.deadline)));
          this.failing = false;
        } catch (err) {
          this.failing = true;
          for (const q of batch) q.reject(unavailable(err));
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private async write(batch: readonly Queued[], deadline: number): Promise<void> {
    if (batch.every((q) => !q.check)) return this.writeAtOnce(batch, deadline);
    const settled: Array<() => void> = [];
    let last: StoredRef | undefined;
    await this.store.transaction(async (tx) => {
      const head = await tx.query<{ seq: string | number; hash: string }>(`SELECT seq, hash FROM ${this.s}.chain_head WHERE one FOR UPDATE`);
      // The months' partitions, under the head's lock as append_records makes them (migrations.ts).
      await tx.query(`SELECT ${this.s}.log_ensure_month(t) FROM unnest($1::timestamptz[]) AS t`, [batch.map((q) => q.record.content.time)]);
      let seq = Number(head.rows[0]?.seq ?? 0);
      let hash = head.rows[0]?.hash ?? GENESIS_HASH;
      let rows: unknown[][] = [];
      const flush = async () => {
        if (rows.length > 0) await this.insert(tx, rows);
        rows = [];
      };
      for (const q of batch) {
        if (q.check) {
          await flush();
          try {
            await q.check(tx);
          } catch (err) {
            settled.push(() => q.reject(err));
            continue;
          }
        }
        const prev = hash;
        seq += 1;
        hash = linkHash(prev, q.record.text);
        rows.push(rowFor(seq, q.record.content, q.record.text, prev, hash));
        const ref = { seq, hash };
        last = ref;
        settled.push(() => q.resolve(ref));
      }
      await flush();
      await tx.query(`UPDATE ${this.s}.chain_head SET seq = $1, hash = $2 WHERE one`, [seq, hash]);
    }, { deadline });
    // Only after COMMIT: a caller told "recorded" must be able to read it back.
    for (const s of settled) s();
    this.committed(last);
  }

  /**
   * A batch without preconditions in one statement (S.append_records): the
   * database locks the chain head, hashes and inserts each record and moves
   * the head, atomically. The server's request thread only sends the rows.
   * It runs inside BEGIN … COMMIT rather than on its own: a reply lost after
   * the statement ran then leaves an uncommitted session the server rolls
   * back, not records no caller was told of.
   */
  private async writeAtOnce(batch: readonly Queued[], deadline: number): Promise<void> {
    const columns: unknown[][] = COLUMNS.slice(1, 12).map(() => []);
    for (const q of batch) {
      const row = rowFor(0, q.record.content, q.record.text, '', '');
      for (let c = 0; c < columns.length; c++) (columns[c] as unknown[]).push(row[c + 1] ?? null);
    }
    const rows = await this.store.transaction(async (tx) => {
      const { rows } = await tx.query<{ out_seq: string | number; out_hash: string }>(
        `SELECT out_seq, out_hash FROM ${this.s}.append_records($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])`,
        columns,
      );
      if (rows.length !== batch.length) throw new Error(`append_records stored ${rows.length} of ${batch.length} records`);
      return rows;
    }, { deadline });
    // Committed.
    let last: StoredRef | undefined;
    batch.forEach((q, i) => {
      const r = rows[i] as { out_seq: string | number; out_hash: string };
      last = { seq: Number(r.out_seq), hash: r.out_hash };
      q.resolve(last);
    });
    this.committed(last);
  }

  private async insert(tx: SqlQueryable, rows: readonly unknown[][]): Promise<void> {
    const params: unknown[] = [];
    const values = rows.map((row) => {
      const marks = row.map((v) => {
        params.push(v);
        return `$${params.length}`;
      });
      return `(${marks.join(',')})`;
    });
    await tx.query(`INSERT INTO ${this.s}.log (${COLUMNS.join(',')}) VALUES ${values.join(',')}`, params);
  }

  async getDecision(id: string): Promise<{ content: DecisionContent; seq: number; hash: string } | null> {
    const { rows } = await this.store.query<{ content: string; seq: string | number; hash: string }>(
      `SELECT content, seq, hash FROM ${this.s}.log WHERE id = $1 AND kind = 'decision'`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    return { content: JSON.parse(row.content) as DecisionContent, seq: Number(row.seq), hash: row.hash };
  }

  async determinations(decisionId: string, tx: SqlQueryable = this.store): Promise<DeterminationContent[]> {
    const { rows } = await tx.query<{ content: string }>(
      `SELECT content FROM ${this.s}.log WHERE subject = $1 AND kind = 'determination' ORDER BY seq`,
      [decisionId],
    );
    return rows.map((r) => JSON.parse(r.content) as DeterminationContent);
  }

  async list(filter: ListFilter): Promise<{ items: DecisionSummary[]; next: number | null }> {
    const where = [`kind = 'decision'`];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.ruleset) add('ruleset_id = ?', filter.ruleset);
    if (filter.from) add('recorded_at >= ?', filter.from);
    if (filter.to) add('recorded_at < ?', filter.to);
    if (filter.outcome) add('outcome = ?', filter.outcome);
    if (filter.before !== undefined) add('seq < ?', filter.before);
    params.push(filter.limit + 1);
    const { rows } = await this.store.query<{
      seq: string | number;
      id: string;
      recorded_at: Date | string;
      caller: string;
      ruleset_id: string;
      ruleset_version: string;
      as_of: string;
      status: string;
      outcome: string;
    }>(
      `SELECT seq, id, recorded_at, caller, ruleset_id, ruleset_version, as_of, status, outcome FROM ${this.s}.log
       WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    const more = rows.length > filter.limit;
    const page = rows.slice(0, filter.limit);
    const latest = new Map<string, DeterminationContent>();
    if (page.length > 0) {
      const det = await this.store.query<{ content: string }>(
        `SELECT content FROM ${this.s}.log WHERE kind = 'determination' AND subject = ANY($1::text[]) ORDER BY seq`,
        [page.map((r) => r.id)],
      );
      for (const d of det.rows) {
        const c = JSON.parse(d.content) as DeterminationContent;
        latest.set(c.decision_id, c);
      }
    }
    return {
      items: page.map((r) => ({
        id: r.id,
        recorded_at: new Date(r.recorded_at).toISOString(),
        caller: r.caller,
        ruleset: { id: r.ruleset_id, version: r.ruleset_version },
        as_of: r.as_of,
        status: r.status,
        outcome: r.outcome,
        determination: ((d) => (d ? { agree: d.agree, reason: d.reason, caller: d.caller, time: d.time } : null))(latest.get(r.id)),
      })),
      next: more && page.length > 0 ? Number(page[page.length - 1]?.seq) : null,
    };
  }

  /**
   * Walk the chain from the first record: contiguous sequence numbers, each
   * record's prev_hash equal to the hash before it, each hash recomputed from
   * the stored content, the indexed columns agreeing with the content, and
   * the chain head pointing at the last record, and (with checkDecision)
   * each decision's explanation re-derived and matched, and (with checkpoints)
   * the hash at each signed sequence the signed one and the chain reaching the
   * furthest checkpoint. Stops at the first break.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    const marks = new CheckpointMarks(options.checkpoints ?? []);
    const checkpoints = () => marks.summary();
    let expectedSeq = 1;
    let prev = GENESIS_HASH;
    let count = 0;
    const pageSize = 1000;
    for (;;) {
      const { rows } = await this.db.query<Record<(typeof COLUMNS)[number], unknown>>(
        `SELECT ${COLUMNS.join(',')} FROM ${this.s}.log WHERE seq >= $1 ORDER BY seq LIMIT ${pageSize}`,
        [expectedSeq],
      );
      for (const row of rows) {
        const seq = Number(row.seq);
        const id = typeof row.id === 'string' ? row.id : null;
        const broken = (reason: string): VerifyResult => ({ ok: false, records: count, broken: { seq, id, reason }, checkpoints: checkpoints() });
        if (seq !== expectedSeq) return { ok: false, records: count, broken: { seq: expectedSeq, id: null, reason: `record ${expectedSeq} is missing (next is ${seq})` }, checkpoints: checkpoints() };
        if (row.prev_hash !== prev) return broken(`prev_hash does not match the hash of record ${seq - 1}`);
        const content = String(row.content);
        if (linkHash(prev, content) !== row.hash) return broken('content does not match its hash');
        let parsed: LogContent;
        try {
          parsed = JSON.parse(content) as LogContent;
        } catch {
          return broken('content is not JSON');
        }
        const mismatch = columnMismatch(row, parsed);
        if (mismatch) return broken(`column ${mismatch} does not match the hashed content`);
        if (parsed.kind === 'decision' && options.checkDecision) {
          const reason = options.checkDecision(parsed);
          if (reason) return broken(reason);
        }
        const rewritten = marks.at(seq, String(row.hash));
        if (rewritten) return { ok: false, records: count, broken: { seq, id, reason: problemMessage(rewritten, 'en'), problem: rewritten }, checkpoints: checkpoints() };
        prev = String(row.hash);
        expectedSeq += 1;
        count += 1;
      }
      if (rows.length < pageSize) break;
    }
    // Before the head: a tail deleted with the head moved back leaves a head that agrees with the last record.
    const truncated = marks.end(count);
    if (truncated) return { ok: false, records: count, broken: { seq: count + 1, id: null, reason: problemMessage(truncated, 'en'), problem: truncated }, checkpoints: checkpoints() };
    const head = await this.db.query<{ seq: string | number; hash: string }>(`SELECT seq, hash FROM ${this.s}.chain_head WHERE one`);
    const h = head.rows[0];
    if (!h || Number(h.seq) !== count || h.hash !== prev) {
      return { ok: false, records: count, broken: { seq: Number(h?.seq ?? 0), id: null, reason: `chain head (${h?.seq}) does not match the last record (${count})` }, checkpoints: checkpoints() };
    }
    return { ok: true, records: count, head: { seq: count, hash: prev }, checkpoints: checkpoints() };
  }

  async ping(): Promise<void> {
    await this.db.query(`SELECT seq FROM ${this.s}.chain_head WHERE one`);
  }

  /**
   * Whether a record could be appended now. While writes go through, a read
   * of the chain head suffices; after a write failed, the probe takes the
   * chain head's lock as an append does (a lock held elsewhere leaves plain
   * reads answering), and its success is the recovery.
   */
  async ready(): Promise<void> {
    if (!this.failing) return this.ping();
    await this.db.transaction((tx) => tx.query(`SELECT seq FROM ${this.s}.chain_head WHERE one FOR UPDATE`));
    this.failing = false;
  }

  /** Stop taking records, write what is queued, close the database. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.db.close();
  }
}

function rowFor(seq: number, c: LogContent, text: string, prev: string, hash: string): unknown[] {
  if (c.kind === 'decision') {
    return [seq, c.id, c.kind, null, c.time, c.caller, c.ruleset.id, c.ruleset.version, c.as_of, c.outcome.status, outcomeKey(c), text, prev, hash];
  }
  return [seq, c.id, c.kind, c.decision_id, c.time, c.caller, null, null, null, null, null, text, prev, hash];
}

function columnMismatch(row: Record<string, unknown>, c: LogContent): string | null {
  const expected = rowFor(Number(row.seq), c, String(row.content), String(row.prev_hash), String(row.hash));
  for (let i = 0; i < COLUMNS.length; i++) {
    const name = COLUMNS[i] as string;
    const actual = row[name];
    const want = expected[i];
    if (name === 'recorded_at') {
      if (new Date(actual as string).getTime() !== new Date(want as string).getTime()) return name;
    } else if (name === 'seq') {
      continue;
    } else if ((actual ?? null) !== (want ?? null)) {
      return name;
    }
  }
  return null;
}
