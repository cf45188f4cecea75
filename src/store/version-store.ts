import type { SqlClient } from './sql-client.js';
import { quoteIdent } from './migrations.js';

/**
 * Published rule-set versions, kept for good: one row per (rule set,
 * version), append-only (a trigger refuses UPDATE and DELETE), each with the
 * YAML it was published from. Every server polls it by `seq`, so a version
 * published through one server is live on all of them within one poll.
 * Its own table and lock, apart from the decision log's migrations.
 */
export interface PublishedVersion {
  readonly seq: number;
  readonly ruleset_id: string;
  readonly version: string;
  readonly hash: string;
  readonly effective_from: string | null;
  readonly effective_to: string | null;
  readonly yaml: string;
  readonly tests: string | null;
  readonly file: string;
  readonly published_at: string;
  readonly published_by: string;
}

export type PublishResult = { ok: true; row: PublishedVersion } | { ok: false; existing: PublishedVersion };

interface Row {
  seq: string | number;
  ruleset_id: string;
  version: string;
  hash: string;
  effective_from: string | null;
  effective_to: string | null;
  yaml: string;
  tests: string | null;
  file: string;
  published_at: Date | string;
  published_by: string;
}

function fromRow(r: Row): PublishedVersion {
  return { ...r, seq: Number(r.seq), published_at: new Date(r.published_at).toISOString() };
}

export class VersionStore {
  private readonly s: string;
  private constructor(
    readonly db: SqlClient,
    schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  static async open(db: SqlClient, schema: string): Promise<VersionStore> {
    const store = new VersionStore(db, schema);
    const s = store.s;
    await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`zhidu-versions:${schema}`]);
      await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      const { rows } = await tx.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [`${s}.ruleset_versions`]);
      if (rows[0]?.t) return;
      await tx.query(`CREATE TABLE ${s}.ruleset_versions (
        seq bigserial PRIMARY KEY,
        ruleset_id text NOT NULL,
        version text NOT NULL,
        hash text NOT NULL,
        effective_from text,
        effective_to text,
        yaml text NOT NULL,
        tests text,
        file text NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        published_by text NOT NULL,
        UNIQUE (ruleset_id, version)
      )`);
      await tx.query(`CREATE FUNCTION ${s}.ruleset_versions_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'published rule-set versions are never changed or removed';
        END
      $$`);
      await tx.query(`CREATE TRIGGER ruleset_versions_keep BEFORE UPDATE OR DELETE ON ${s}.ruleset_versions FOR EACH ROW EXECUTE FUNCTION ${s}.ruleset_versions_keep()`);
    });
    return store;
  }

  /** Insert a new version; an existing (id, version) is never replaced — the existing row is returned instead. */
  async publish(v: Omit<PublishedVersion, 'seq' | 'published_at'>): Promise<PublishResult> {
    const { rows } = await this.db.query<Row>(
      `INSERT INTO ${this.s}.ruleset_versions (ruleset_id, version, hash, effective_from, effective_to, yaml, tests, file, published_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (ruleset_id, version) DO NOTHING RETURNING *`,
      [v.ruleset_id, v.version, v.hash, v.effective_from, v.effective_to, v.yaml, v.tests, v.file, v.published_by],
    );
    if (rows[0]) return { ok: true, row: fromRow(rows[0]) };
    const existing = await this.get(v.ruleset_id, v.version);
    if (!existing) throw new Error(`version ${v.ruleset_id}@${v.version} neither inserted nor found`);
    return { ok: false, existing };
  }

  async get(id: string, version: string): Promise<PublishedVersion | undefined> {
    const { rows } = await this.db.query<Row>(`SELECT * FROM ${this.s}.ruleset_versions WHERE ruleset_id = $1 AND version = $2`, [id, version]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Rows after `seq`, oldest first (the poll). */
  async since(seq: number, limit = 100): Promise<PublishedVersion[]> {
    const { rows } = await this.db.query<Row>(`SELECT * FROM ${this.s}.ruleset_versions WHERE seq > $1 ORDER BY seq LIMIT $2`, [seq, limit]);
    return rows.map(fromRow);
  }
}
