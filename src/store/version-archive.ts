import type { SqlClient } from './sql-client.js';
import { quoteIdent } from './migrations.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import type { SourceTexts } from '../load/source-texts.js';
import { loadRuleSet } from '../load/load-rule-set.js';

/**
 * Every rule-set version a server has ever served, by content hash, kept for
 * good. Published versions are already kept in `ruleset_versions`; this holds
 * the ones served from files (rules/ at start), which otherwise live only as
 * long as the file does. A record names the hash it was decided under, so a
 * decision stays readable and verifiable after its file is edited in place or
 * removed — a decision is a function of (facts, as_of, version), and the
 * version must outlive the file.
 *
 * Keyed by hash, not (id, version): an edited file that kept its version
 * number is a second row, and both the old records and the new ones
 * re-derive from what they were decided under.
 */
export interface ArchivedVersion {
  readonly hash: string;
  readonly ruleset_id: string;
  readonly version: string;
  readonly file: string;
  readonly yaml: string;
  readonly first_seen: string;
}

export class VersionArchive {
  private readonly s: string;
  /** Versions re-loaded from the archive, by hash; loaded rule sets are immutable, so one load serves every later read. */
  private readonly loaded = new Map<string, Promise<PreparedRuleSet | undefined>>();

  private constructor(
    readonly db: SqlClient,
    schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  static async open(db: SqlClient, schema: string): Promise<VersionArchive> {
    const archive = new VersionArchive(db, schema);
    const s = archive.s;
    await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`zhidu-archive:${schema}`]);
      await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      const { rows } = await tx.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [`${s}.ruleset_archive`]);
      if (rows[0]?.t) return;
      await tx.query(`CREATE TABLE ${s}.ruleset_archive (
        hash text PRIMARY KEY,
        ruleset_id text NOT NULL,
        version text NOT NULL,
        file text NOT NULL,
        yaml text NOT NULL,
        first_seen timestamptz NOT NULL DEFAULT now()
      )`);
      await tx.query(`CREATE INDEX ruleset_archive_version ON ${s}.ruleset_archive (ruleset_id, version)`);
      await tx.query(`CREATE FUNCTION ${s}.ruleset_archive_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'archived rule-set versions are never changed or removed';
        END
      $$`);
      await tx.query(`CREATE TRIGGER ruleset_archive_keep BEFORE UPDATE OR DELETE ON ${s}.ruleset_archive FOR EACH ROW EXECUTE FUNCTION ${s}.ruleset_archive_keep()`);
    });
    return archive;
  }

  /**
   * Keep the given versions (those not yet kept). Returns the (id, version)
   * pairs already archived under another hash: a file edited in place without
   * a new version number, which the caller reports.
   */
  async keep(versions: Iterable<PreparedRuleSet>): Promise<Array<{ ruleset_id: string; version: string; hash: string; archived: string[] }>> {
    const list = [...versions];
    if (list.length === 0) return [];
    const rows = list.map((rs) => [rs.hash, rs.id, rs.version, rs.file, rs.text]);
    // One statement for all: startup must not pay one round trip per version.
    const params: string[] = [];
    const values = rows.map((r, i) => {
      params.push(...(r as string[]));
      return `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`;
    });
    await this.db.query(`INSERT INTO ${this.s}.ruleset_archive (hash, ruleset_id, version, file, yaml) VALUES ${values.join(', ')} ON CONFLICT (hash) DO NOTHING`, params);
    const { rows: clashes } = await this.db.query<{ ruleset_id: string; version: string; hash: string }>(
      `SELECT ruleset_id, version, hash FROM ${this.s}.ruleset_archive WHERE (ruleset_id, version) IN (${list.map((_, i) => `($${i * 2 + 1}, $${i * 2 + 2})`).join(', ')})`,
      list.flatMap((rs) => [rs.id, rs.version]),
    );
    const out: Array<{ ruleset_id: string; version: string; hash: string; archived: string[] }> = [];
    for (const rs of list) {
      const others = clashes.filter((c) => c.ruleset_id === rs.id && c.version === rs.version && c.hash !== rs.hash).map((c) => c.hash);
      if (others.length > 0) out.push({ ruleset_id: rs.id, version: rs.version, hash: rs.hash, archived: others });
    }
    return out;
  }

  async get(hash: string): Promise<ArchivedVersion | undefined> {
    const { rows } = await this.db.query<ArchivedVersion & { first_seen: Date | string }>(`SELECT * FROM ${this.s}.ruleset_archive WHERE hash = $1`, [hash]);
    const r = rows[0];
    return r ? { ...r, first_seen: new Date(r.first_seen).toISOString() } : undefined;
  }

  /** Every archived version, oldest first. */
  async all(): Promise<ArchivedVersion[]> {
    const { rows } = await this.db.query<ArchivedVersion & { first_seen: Date | string }>(`SELECT * FROM ${this.s}.ruleset_archive ORDER BY first_seen, hash`);
    return rows.map((r) => ({ ...r, first_seen: new Date(r.first_seen).toISOString() }));
  }

  /**
   * The archived version with this hash, loaded (once) — only if it is still
   * the version the record names and its text still yields that hash.
   */
  resolve(id: string, version: string, hash: string, sources: SourceTexts): Promise<PreparedRuleSet | undefined> {
    let p = this.loaded.get(hash);
    if (!p) {
      p = (async () => {
        const row = await this.get(hash);
        if (!row) return undefined;
        const loaded = loadRuleSet(row.file, row.yaml, { sources });
        return loaded.ok && loaded.ruleSet.hash === hash ? loaded.ruleSet : undefined;
      })();
      // A failed read (database down) is not remembered: the next read tries again.
      p.catch(() => this.loaded.delete(hash));
      this.loaded.set(hash, p);
    }
    return p.then((rs) => (rs && rs.id === id && rs.version === version ? rs : undefined));
  }
}
