import type { SqlQueryable } from '../../src/store/sql-client.js';

/**
 * What someone with the database owner's rights can do, all in SQL: edit
 * record `seq` (`from` → `to` in its content and caller) and recompute the
 * chain from it to the head, so the chain alone verifies clean.
 */
export async function rewriteAndRechain(db: SqlQueryable, s: string, seq: number, from: string, to: string): Promise<void> {
  const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;
  await db.query(`
    DO $$
    DECLARE r record; prev text;
    BEGIN
      ALTER TABLE ${s}.log DISABLE TRIGGER USER;
      UPDATE ${s}.log SET content = replace(content, ${lit(from)}, ${lit(to)}), caller = replace(caller, ${lit(from)}, ${lit(to)}) WHERE seq = ${seq};
      SELECT coalesce((SELECT hash FROM ${s}.log WHERE seq = ${seq - 1}), repeat('0', 64)) INTO prev;
      FOR r IN SELECT seq, content FROM ${s}.log WHERE seq >= ${seq} ORDER BY seq LOOP
        UPDATE ${s}.log SET prev_hash = prev, hash = encode(sha256(convert_to(prev || E'\\n' || r.content, 'UTF8')), 'hex') WHERE seq = r.seq RETURNING hash INTO prev;
      END LOOP;
      UPDATE ${s}.chain_head SET hash = prev WHERE one;
      ALTER TABLE ${s}.log ENABLE TRIGGER USER;
    END $$`);
}
