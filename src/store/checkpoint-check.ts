import type { KeyObject } from 'node:crypto';
import { formatMessage, type MessageParams } from '../errors/catalogue.js';
import { keyIdOf } from './checkpoint-key.js';
import { signatureHolds, type Checkpoint } from './checkpoint-record.js';
import type { CheckpointEntry, UnreadableLine } from './checkpoint-file.js';

export type CheckpointCode = 'LOG_TRUNCATED' | 'LOG_REWRITTEN' | 'CHECKPOINT_SIGNATURE' | 'CHECKPOINT_INVALID';

export interface CheckpointProblem {
  readonly code: CheckpointCode;
  readonly params: MessageParams;
  /** The checkpoint's line in its file, for problems with a checkpoint itself. */
  readonly line?: number;
}

export function problemMessage(p: CheckpointProblem, lang: 'zh' | 'en'): string {
  return formatMessage(p.code, p.params, lang);
}

export function unreadableProblem(u: UnreadableLine): CheckpointProblem {
  return { code: 'CHECKPOINT_INVALID', params: { key: u.line, found: u.found, detail: u.detail }, line: u.line };
}

/**
 * The checkpoints of `schema` whose signature holds under `publicKey`, and
 * a problem for each that does not (another key, a changed field, a forged
 * line) and for each unreadable line. Only trusted checkpoints hold the chain.
 */
export function trustedCheckpoints(
  entries: readonly CheckpointEntry[],
  unreadable: readonly UnreadableLine[],
  publicKey: KeyObject,
  schema: string,
): { trusted: Checkpoint[]; problems: CheckpointProblem[]; otherSchemas: number } {
  const keyId = keyIdOf(publicKey);
  const problems: CheckpointProblem[] = unreadable.map(unreadableProblem);
  const trusted: Checkpoint[] = [];
  let otherSchemas = 0;
  for (const { line, checkpoint: c } of entries) {
    if (c.schema !== schema) {
      otherSchemas += 1;
      continue;
    }
    if (c.key_id === keyId && signatureHolds(c, publicKey)) trusted.push(c);
    else problems.push({ code: 'CHECKPOINT_SIGNATURE', params: { key: line, found: c.seq, expected: keyId, detail: c.key_id }, line });
  }
  return { trusted, problems, otherSchemas };
}

/**
 * Holds a chain being walked from its first record to trusted checkpoints:
 * the hash recomputed at each checkpointed sequence must be the signed one,
 * and the chain must reach the furthest checkpoint.
 */
export class CheckpointMarks {
  private readonly bySeq = new Map<number, Checkpoint[]>();
  private readonly furthest: Checkpoint | undefined;
  /** The last sequence number whose checkpoints all held (0: none yet). */
  private lastHeld = 0;
  private held = 0;

  constructor(checkpoints: readonly Checkpoint[]) {
    for (const c of checkpoints) this.bySeq.set(c.seq, [...(this.bySeq.get(c.seq) ?? []), c]);
    this.furthest = checkpoints.reduce<Checkpoint | undefined>((a, c) => (!a || c.seq > a.seq ? c : a), undefined);
  }

  /** The recomputed hash of record `seq` against what was signed for it. */
  at(seq: number, hash: string): CheckpointProblem | null {
    const signed = this.bySeq.get(seq);
    if (!signed) return null;
    const differs = signed.find((c) => c.head !== hash);
    if (differs) return { code: 'LOG_REWRITTEN', params: { key: seq, expected: differs.head, found: hash, detail: `${this.lastHeld + 1}–${seq}` } };
    this.lastHeld = seq;
    this.held += signed.length;
    return null;
  }

  /** After the walk: a chain of `records` that stops short of a signed sequence was cut back. */
  end(records: number): CheckpointProblem | null {
    const c = this.furthest;
    if (!c || c.seq <= records) return null;
    return { code: 'LOG_TRUNCATED', params: { key: c.seq, expected: c.head, found: records, detail: `${records + 1}–${c.seq}` } };
  }

  /** Checkpoints the walk found holding, and the furthest of them. */
  summary(): { held: number; latest: { seq: number; time: string } | null } {
    const latest = this.bySeq.get(this.lastHeld)?.reduce((a, c) => (c.time > a.time ? c : a));
    return { held: this.held, latest: latest ? { seq: latest.seq, time: latest.time } : null };
  }
}
