import type { SqlClient, SqlQueryable } from './sql-client.js';
import { GENESIS_HASH } from './genesis.js';
import { migrateCompactRecords } from './migrate-compact-records.js';

export { GENESIS_HASH };

/** A migration that SQL alone cannot say (it decodes and rehashes records); `s` is the quoted schema. */
export type MigrationStep = (tx: SqlQueryable, s: string) => Promise<void>;

/**
 * The decision log's schema, as numbered migrations applied in order, the
 * same on PGlite and PostgreSQL. `S` is replaced by the quoted schema name.
 * Never edit a published migration: add the next one.
 */
export const MIGRATIONS: readonly (string | MigrationStep)[] = [
  `
  CREATE TABLE S.log (
    seq bigint PRIMARY KEY,
    id text NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('decision', 'determination')),
    subject text,
    recorded_at timestamptz NOT NULL,
    caller text NOT NULL,
    ruleset_id text,
    ruleset_version text,
    as_of text,
    status text,
    outcome text,
    content text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL
  );
  CREATE INDEX log_ruleset_time ON S.log (ruleset_id, recorded_at) WHERE kind = 'decision';
  CREATE INDEX log_subject ON S.log (subject) WHERE subject IS NOT NULL;
  CREATE TABLE S.chain_head (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq bigint NOT NULL,
    hash text NOT NULL
  );
  INSERT INTO S.chain_head (one, seq, hash) VALUES (true, 0, '${GENESIS_HASH}');
  CREATE FUNCTION S.log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'the decision log is append-only';
  END
  $$;
  CREATE TRIGGER log_append_only BEFORE UPDATE OR DELETE ON S.log
    FOR EACH ROW EXECUTE FUNCTION S.log_append_only();
  CREATE TRIGGER log_no_truncate BEFORE TRUNCATE ON S.log
    FOR EACH STATEMENT EXECUTE FUNCTION S.log_append_only();
  `,
  // Explanations are stored as deltas against bases (src/store/explanation-delta.ts):
  // each base once, addressed by the SHA-256 of its canonical text, never changed.
  `
  CREATE TABLE S.delta_base (
    hash text PRIMARY KEY,
    content text NOT NULL
  );
  CREATE TRIGGER delta_base_append_only BEFORE UPDATE OR DELETE ON S.delta_base
    FOR EACH ROW EXECUTE FUNCTION S.log_append_only();
  CREATE TRIGGER delta_base_no_truncate BEFORE TRUNCATE ON S.delta_base
    FOR EACH STATEMENT EXECUTE FUNCTION S.log_append_only();
  `,
  // Appending a batch in one statement: one round trip instead of six, and the
  // chain's hashes computed by the database, off the server's request thread.
  // The same link as linkHash() in log-record.ts: sha256(prev_hash, "\n", content).
  `
  CREATE FUNCTION S.append_records(
    p_id text[], p_kind text[], p_subject text[], p_recorded_at timestamptz[], p_caller text[],
    p_ruleset_id text[], p_ruleset_version text[], p_as_of text[], p_status text[], p_outcome text[],
    p_content text[], p_base_hash text[], p_base_content text[]
  ) RETURNS TABLE (out_seq bigint, out_hash text) LANGUAGE plpgsql AS $$
  DECLARE
    h_seq bigint;
    h_prev text;
    h_next text;
  BEGIN
    IF cardinality(p_base_hash) > 0 THEN
      INSERT INTO S.delta_base (hash, content)
        SELECT b.h, b.c FROM unnest(p_base_hash, p_base_content) AS b(h, c)
        ON CONFLICT (hash) DO NOTHING;
    END IF;
    SELECT c.seq, c.hash INTO h_seq, h_prev FROM S.chain_head c WHERE c.one FOR UPDATE;
    FOR i IN 1 .. coalesce(cardinality(p_id), 0) LOOP
      h_seq := h_seq + 1;
      h_next := encode(sha256(convert_to(h_prev || E'\\n' || p_content[i], 'UTF8')), 'hex');
      INSERT INTO S.log (seq, id, kind, subject, recorded_at, caller, ruleset_id, ruleset_version, as_of, status, outcome, content, prev_hash, hash)
        VALUES (h_seq, p_id[i], p_kind[i], p_subject[i], p_recorded_at[i], p_caller[i], p_ruleset_id[i], p_ruleset_version[i], p_as_of[i], p_status[i], p_outcome[i], p_content[i], h_prev, h_next);
      h_prev := h_next;
      out_seq := h_seq;
      out_hash := h_next;
      RETURN NEXT;
    END LOOP;
    UPDATE S.chain_head c SET seq = h_seq, hash = h_prev WHERE c.one;
  END
  $$;
  `,
  // Case files (办件, src/store/case-store.ts): the applicant's personal data once per
  // case, the interview's draft answers, and links to the decision log. A case changes
  // as it is worked (draft → submitted → overridden/closed); what was decided stays in the log.
  // case_counter hands out the per-year case numbers atomically across processes.
  `
  CREATE TABLE S.case_counter (
    year integer PRIMARY KEY,
    last integer NOT NULL
  );
  CREATE TABLE S.case_file (
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id text PRIMARY KEY,
    year integer NOT NULL,
    number integer NOT NULL,
    case_no text NOT NULL UNIQUE,
    ruleset_id text NOT NULL,
    matter text NOT NULL,
    applicant_name text NOT NULL,
    applicant_id_number text NOT NULL,
    applicant_phone text,
    caseworker text NOT NULL,
    state text NOT NULL CHECK (state IN ('draft', 'submitted', 'overridden', 'closed')),
    answers text NOT NULL,
    as_of text,
    decision_id text,
    machine_status text,
    machine_outcome text,
    machine_display text,
    override_outcome text,
    override_display text,
    override_reason text,
    override_by text,
    override_at timestamptz,
    determination_id text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    submitted_at timestamptz,
    closed_at timestamptz,
    UNIQUE (year, number)
  );
  CREATE INDEX case_file_id_number ON S.case_file (applicant_id_number);
  CREATE INDEX case_file_created ON S.case_file (created_at);
  CREATE INDEX case_file_caseworker ON S.case_file (caseworker);
  `,
  // Compact records: each delta-encoded decision converted and the chain rehashed
  // (migrate-compact-records.ts); then the bases and the base-taking append go.
  migrateCompactRecords,
  `
  DROP FUNCTION S.append_records(text[], text[], text[], timestamptz[], text[], text[], text[], text[], text[], text[], text[], text[], text[]);
  DROP TABLE S.delta_base;
  CREATE FUNCTION S.append_records(
    p_id text[], p_kind text[], p_subject text[], p_recorded_at timestamptz[], p_caller text[],
    p_ruleset_id text[], p_ruleset_version text[], p_as_of text[], p_status text[], p_outcome text[],
    p_content text[]
  ) RETURNS TABLE (out_seq bigint, out_hash text) LANGUAGE plpgsql AS $$
  DECLARE
    h_seq bigint;
    h_prev text;
    h_next text;
  BEGIN
    SELECT c.seq, c.hash INTO h_seq, h_prev FROM S.chain_head c WHERE c.one FOR UPDATE;
    FOR i IN 1 .. coalesce(cardinality(p_id), 0) LOOP
      h_seq := h_seq + 1;
      h_next := encode(sha256(convert_to(h_prev || E'\\n' || p_content[i], 'UTF8')), 'hex');
      INSERT INTO S.log (seq, id, kind, subject, recorded_at, caller, ruleset_id, ruleset_version, as_of, status, outcome, content, prev_hash, hash)
        VALUES (h_seq, p_id[i], p_kind[i], p_subject[i], p_recorded_at[i], p_caller[i], p_ruleset_id[i], p_ruleset_version[i], p_as_of[i], p_status[i], p_outcome[i], p_content[i], h_prev, h_next);
      h_prev := h_next;
      out_seq := h_seq;
      out_hash := h_next;
      RETURN NEXT;
    END LOOP;
    UPDATE S.chain_head c SET seq = h_seq, hash = h_prev WHERE c.one;
  END
  $$;
  `,
  // Four-eyes review of rule-set versions (src/store/review-store.ts): every step — submitted,
  // approved, rejected, published, withdrawn — one row linked to the version and the hash of
  // the content it concerns, never changed. A version's state is its last row.
  `
  CREATE TABLE S.review_events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ruleset_id text NOT NULL,
    version text NOT NULL,
    hash text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('submitted', 'approved', 'rejected', 'published', 'withdrawn')),
    actor text NOT NULL,
    actor_role text NOT NULL,
    comment text,
    yaml text,
    tests text,
    at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX review_events_version ON S.review_events (ruleset_id, version, seq);
  CREATE FUNCTION S.review_events_keep() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'review records are append-only';
  END
  $$;
  CREATE TRIGGER review_events_append_only BEFORE UPDATE OR DELETE ON S.review_events
    FOR EACH ROW EXECUTE FUNCTION S.review_events_keep();
  CREATE TRIGGER review_events_no_truncate BEFORE TRUNCATE ON S.review_events
    FOR EACH STATEMENT EXECUTE FUNCTION S.review_events_keep();
  `,
  // The log partitioned by month of recorded_at (UTC), so years of records stay fast to
  // read and verify by range (issue #12). A partition key must be in every unique
  // constraint: seq and id are unique with recorded_at; the chain head, locked FOR
  // UPDATE by every append, is what keeps seq unique, and verify checks it is contiguous.
  // A month's partition is made by the append that first needs it (under the chain
  // head's lock, so two processes never both create it), together with the next month's.
  `
  CREATE FUNCTION S.log_ensure_month(t timestamptz) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE
    m timestamp;
  BEGIN
    FOR i IN 0 .. 1 LOOP
      m := date_trunc('month', t AT TIME ZONE 'UTC') + make_interval(months => i);
      IF to_regclass('S.' || quote_ident('log_' || to_char(m, 'YYYY_MM'))) IS NULL THEN
        EXECUTE format('CREATE TABLE S.%I PARTITION OF S.log FOR VALUES FROM (%L) TO (%L)',
          'log_' || to_char(m, 'YYYY_MM'), to_char(m, 'YYYY-MM-DD"T"HH24:MI:SS"+00"'), to_char(m + interval '1 month', 'YYYY-MM-DD"T"HH24:MI:SS"+00"'));
      END IF;
    END LOOP;
  END
  $$;
  ALTER TABLE S.log RENAME TO log_before_partitions;
  CREATE TABLE S.log (
    seq bigint NOT NULL,
    id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('decision', 'determination')),
    subject text,
    recorded_at timestamptz NOT NULL,
    caller text NOT NULL,
    ruleset_id text,
    ruleset_version text,
    as_of text,
    status text,
    outcome text,
    content text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    CONSTRAINT log_month_pkey PRIMARY KEY (seq, recorded_at),
    CONSTRAINT log_month_id_key UNIQUE (id, recorded_at)
  ) PARTITION BY RANGE (recorded_at);
  SELECT S.log_ensure_month(m) FROM (SELECT DISTINCT date_trunc('month', recorded_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m FROM S.log_before_partitions) months;
  SELECT S.log_ensure_month(now());
  INSERT INTO S.log (seq, id, kind, subject, recorded_at, caller, ruleset_id, ruleset_version, as_of, status, outcome, content, prev_hash, hash)
    SELECT seq, id, kind, subject, recorded_at, caller, ruleset_id, ruleset_version, as_of, status, outcome, content, prev_hash, hash FROM S.log_before_partitions;
  DROP TABLE S.log_before_partitions;
  CREATE INDEX log_ruleset_time ON S.log (ruleset_id, recorded_at) WHERE kind = 'decision';
  CREATE INDEX log_subject ON S.log (subject) WHERE subject IS NOT NULL;
  CREATE INDEX log_seq ON S.log (seq);
  CREATE TRIGGER log_append_only BEFORE UPDATE OR DELETE ON S.log
    FOR EACH ROW EXECUTE FUNCTION S.log_append_only();
  CREATE TRIGGER log_no_truncate BEFORE TRUNCATE ON S.log
    FOR EACH STATEMENT EXECUTE FUNCTION S.log_append_only();
  CREATE OR REPLACE FUNCTION S.append_records(
    p_id text[], p_kind text[], p_subject text[], p_recorded_at timestamptz[], p_caller text[],
    p_ruleset_id text[], p_ruleset_version text[], p_as_of text[], p_status text[], p_outcome text[],
    p_content text[]
  ) RETURNS TABLE (out_seq bigint, out_hash text) LANGUAGE plpgsql AS $$
  DECLARE
    h_seq bigint;
    h_prev text;
    h_next text;
  BEGIN
    SELECT c.seq, c.hash INTO h_seq, h_prev FROM S.chain_head c WHERE c.one FOR UPDATE;
    PERFORM S.log_ensure_month(m) FROM (SELECT DISTINCT date_trunc('month', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m FROM unnest(p_recorded_at) AS t) months;
    FOR i IN 1 .. coalesce(cardinality(p_id), 0) LOOP
      h_seq := h_seq + 1;
      h_next := encode(sha256(convert_to(h_prev || E'\\n' || p_content[i], 'UTF8')), 'hex');
      INSERT INTO S.log (seq, id, kind, subject, recorded_at, caller, ruleset_id, ruleset_version, as_of, status, outcome, content, prev_hash, hash)
        VALUES (h_seq, p_id[i], p_kind[i], p_subject[i], p_recorded_at[i], p_caller[i], p_ruleset_id[i], p_ruleset_version[i], p_as_of[i], p_status[i], p_outcome[i], p_content[i], h_prev, h_next);
      h_prev := h_next;
      out_seq := h_seq;
      out_hash := h_next;
      RETURN NEXT;
    END LOOP;
    UPDATE S.chain_head c SET seq = h_seq, hash = h_prev WHERE c.one;
  END
  $$;
  `,
];

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/**
 * Bring the schema up to date. Several processes may start at once on one
 * PostgreSQL: a transaction-scoped advisory lock lets exactly one migrate.
 */
export async function migrate(db: SqlClient, schema: string, upTo = MIGRATIONS.length): Promise<number> {
  const s = quoteIdent(schema);
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`zhidu-migrate:${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${s}.migrations`);
    const done = Number(rows[0]?.v ?? 0);
    for (let i = done; i < upTo; i++) {
      const m = MIGRATIONS[i] as string | MigrationStep;
      if (typeof m === 'function') await m(tx, s);
      else for (const statement of splitStatements(m.replace(/\bS\./g, `${s}.`))) await tx.query(statement);
      await tx.query(`INSERT INTO ${s}.migrations (version) VALUES ($1)`, [i + 1]);
    }
    return Math.max(0, upTo - done);
    // A migration rewrites the whole log (migration 5) in one transaction: each statement
    // stays under the server's limits, the whole may take longer than one request's bound.
  }, { deadline: Infinity });
}

/** Split on semicolons outside $$-quoted bodies (extended protocol takes one statement at a time). */
function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let inDollar = false;
  for (let i = 0; i < sql.length; i++) {
    if (sql.startsWith('$$', i)) {
      inDollar = !inDollar;
      current += '$$';
      i += 1;
      continue;
    }
    const ch = sql[i] as string;
    if (ch === ';' && !inDollar) {
      if (current.trim()) out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
