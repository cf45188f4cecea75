import type { SqlClient, SqlQueryable } from './sql-client.js';
import { quoteIdent } from './migrations.js';

/**
 * The four-eyes review record of rule-set versions: append-only rows (a trigger refuses
 * UPDATE, DELETE and TRUNCATE), one per step, each naming the version, the hash of the
 * content it concerns, who and when. The table comes with the decision log's migrations.
 */
export type ReviewKind = 'submitted' | 'approved' | 'rejected' | 'published' | 'withdrawn';

export interface ReviewEvent {
  readonly seq: number;
  readonly ruleset_id: string;
  readonly version: string;
  readonly hash: string;
  readonly kind: ReviewKind;
  readonly actor: string;
  readonly actor_role: string;
  readonly comment: string | null;
  /** The draft as submitted (submitted rows only). */
  readonly yaml: string | null;
  readonly tests: string | null;
  readonly at: string;
}

export type NewReviewEvent = Omit<ReviewEvent, 'seq' | 'at'>;

interface Row extends Omit<ReviewEvent, 'seq' | 'at'> {
  seq: string | number;
  at: Date | string;
}

function fromRow(r: Row): ReviewEvent {
  return { ...r, seq: Number(r.seq), at: new Date(r.at).toISOString() };
}

export class ReviewStore {
  private readonly s: string;
  private readonly lockKey: string;
  constructor(
    readonly db: SqlClient,
    schema: string,
  ) {
    this.s = quoteIdent(schema);
    this.lockKey = `zhidu-review:${schema}`;
  }

  /** Every step of one rule set (or one version of it), oldest first. */
  async events(id: string, version?: string, q: SqlQueryable = this.db): Promise<ReviewEvent[]> {
    const { rows } = version
      ? await q.query<Row>(`SELECT * FROM ${this.s}.review_events WHERE ruleset_id = $1 AND version = $2 ORDER BY seq`, [id, version])
      : await q.query<Row>(`SELECT * FROM ${this.s}.review_events WHERE ruleset_id = $1 ORDER BY seq`, [id]);
    return rows.map(fromRow);
  }

  /**
   * Append one step after `check` has seen the version's steps so far, under a lock on the
   * version: two servers approving (or one approving while another withdraws) are serialised,
   * and the second sees the first's row.
   */
  async append(id: string, version: string, decide: (events: readonly ReviewEvent[]) => NewReviewEvent | Promise<NewReviewEvent>): Promise<ReviewEvent> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${this.lockKey}:${id}@${version}`]);
      const events = await this.events(id, version, tx);
      const e = await decide(events);
      const { rows } = await tx.query<Row>(
        `INSERT INTO ${this.s}.review_events (ruleset_id, version, hash, kind, actor, actor_role, comment, yaml, tests)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [e.ruleset_id, e.version, e.hash, e.kind, e.actor, e.actor_role, e.comment, e.yaml, e.tests],
      );
      return fromRow(rows[0] as Row);
    });
  }
}
