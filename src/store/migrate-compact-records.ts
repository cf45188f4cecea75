import type { SqlQueryable } from './sql-client.js';
import type { Decision } from '../generated/decision.js';
import { canonicalText, linkHash } from './log-record.js';
import { GENESIS_HASH } from './genesis.js';
import { compileBase, decodeExplanation, isEncoded, type Base } from './legacy-delta.js';
import { sha256 } from '../load/canonical-json.js';
import { codesFromTraces, explanationDigest, packCodes, recordedOutputs } from './compact-record.js';

/**
 * Migration 5: every decision record of the delta-encoded format becomes a
 * compact record (log-record.ts DecisionContent, explanation format 1 — the
 * explanations of that time are what format 1 means). Decoding needs every
 * base, each checked against its hash, so a record whose explanation cannot
 * be shown as it was recorded stops the migration rather than being
 * converted into something it never said.
 *
 * The chain is rehashed from the first record (the contents changed), in
 * one transaction; `log_rechained` keeps the old head beside the new one, so
 * a head noted down before the migration can still be matched.
 */
export async function migrateCompactRecords(tx: SqlQueryable, s: string): Promise<void> {
  const bases = new Map<string, Base>();
  for (const row of (await tx.query<{ hash: string; content: string }>(`SELECT hash, content FROM ${s}.delta_base`)).rows) {
    if (sha256(row.content) !== row.hash) throw new Error(`migration 5: explanation base ${row.hash} does not match its hash`);
    bases.set(row.hash, compileBase(row.content, row.hash));
  }
  await tx.query(`CREATE TABLE ${s}.log_rechained (migration integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now(), records bigint NOT NULL, old_head text NOT NULL, new_head text NOT NULL)`);
  await tx.query(`ALTER TABLE ${s}.log DISABLE TRIGGER log_append_only`);
  let prev = GENESIS_HASH;
  let seq = 0;
  const pageSize = 500;
  for (;;) {
    const { rows } = await tx.query<{ seq: string | number; content: string }>(`SELECT seq, content FROM ${s}.log WHERE seq > $1 ORDER BY seq LIMIT ${pageSize}`, [seq]);
    for (const row of rows) {
      seq = Number(row.seq);
      const text = convert(JSON.parse(row.content) as Record<string, unknown>, bases, seq);
      const hash = linkHash(prev, text);
      await tx.query(`UPDATE ${s}.log SET content = $2, prev_hash = $3, hash = $4 WHERE seq = $1`, [seq, text, prev, hash]);
      prev = hash;
    }
    if (rows.length < pageSize) break;
  }
  await tx.query(`ALTER TABLE ${s}.log ENABLE TRIGGER log_append_only`);
  const head = (await tx.query<{ seq: string | number; hash: string }>(`SELECT seq, hash FROM ${s}.chain_head WHERE one`)).rows[0];
  if (head && Number(head.seq) !== seq) throw new Error(`migration 5: chain head is at ${head.seq} but the last record is ${seq}`);
  await tx.query(`INSERT INTO ${s}.log_rechained (migration, records, old_head, new_head) VALUES (5, $1, $2, $3)`, [seq, head?.hash ?? GENESIS_HASH, prev]);
  await tx.query(`UPDATE ${s}.chain_head SET hash = $1 WHERE one`, [prev]);
}

function convert(c: Record<string, unknown>, bases: ReadonlyMap<string, Base>, seq: number): string {
  if (c.kind !== 'decision' || !('explanation' in c)) return canonicalText(c);
  let explanation: Decision;
  try {
    explanation = isEncoded(c.explanation) ? decodeExplanation(c.explanation, bases) : (c.explanation as Decision);
  } catch (err) {
    throw new Error(`migration 5: the explanation of record ${seq} does not decode: ${(err as Error).message}`);
  }
  const { explanation: _dropped, ...rest } = c;
  return canonicalText({
    ...rest,
    format: 1,
    status: explanation.status,
    outputs: recordedOutputs(explanation.outputs),
    codes: packCodes(codesFromTraces(explanation)),
    digest: explanationDigest(explanation),
  });
}
