import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalText } from './log-record.js';
import type { SigningKey } from './checkpoint-key.js';

/**
 * A signed statement that the decision log's chain had `head` as the hash of
 * record `seq` at `time`: one JSON line of the checkpoints file. Whoever can
 * write the database can recompute the chain after an edit, but not re-sign
 * what the checkpoints already said (docs/reliability.md).
 */
export interface Checkpoint {
  readonly format: 1;
  /** The database schema whose log this is (one file may serve several). */
  readonly schema: string;
  readonly seq: number;
  /** The chain hash of record `seq`. */
  readonly head: string;
  /** Records in the chain up to and including `seq` (it is contiguous from 1). */
  readonly records: number;
  readonly time: string;
  readonly key_id: string;
  /** Ed25519 over the canonical JSON of every other member, base64. */
  readonly signature: string;
}

export type Unsigned = Omit<Checkpoint, 'signature'>;

function signedBytes(c: Unsigned): Buffer {
  const { format, schema, seq, head, records, time, key_id } = c;
  return Buffer.from(canonicalText({ format, schema, seq, head, records, time, key_id }), 'utf8');
}

export function signCheckpoint(key: SigningKey, at: { schema: string; seq: number; head: string; time: Date }): Checkpoint {
  const unsigned: Unsigned = { format: 1, schema: at.schema, seq: at.seq, head: at.head, records: at.seq, time: at.time.toISOString(), key_id: key.keyId };
  return { ...unsigned, signature: sign(null, signedBytes(unsigned), key.privateKey).toString('base64') };
}

export function signatureHolds(c: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, signedBytes(c), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

/** What is wrong with a parsed line as a checkpoint, or null. */
export function checkpointShapeError(v: unknown): string | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const c = v as Record<string, unknown>;
  const wrong: string[] = [];
  if (c.format !== 1) wrong.push('format 1');
  if (typeof c.schema !== 'string') wrong.push('schema');
  if (!Number.isSafeInteger(c.seq) || (c.seq as number) < 1) wrong.push('seq ≥ 1');
  if (typeof c.head !== 'string' || !/^[0-9a-f]{64}$/.test(c.head)) wrong.push('head (64 hex digits)');
  if (c.records !== c.seq) wrong.push('records equal to seq');
  if (typeof c.time !== 'string' || Number.isNaN(Date.parse(c.time))) wrong.push('time');
  if (typeof c.key_id !== 'string') wrong.push('key_id');
  if (typeof c.signature !== 'string') wrong.push('signature');
  return wrong.length > 0 ? `needs ${wrong.join(', ')}` : null;
}
