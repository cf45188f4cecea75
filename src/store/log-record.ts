import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../load/canonical-json.js';
import type { Decision } from '../generated/decision.js';
import { EXPLANATION_FORMAT, explanationDigest, packCodes, recordedOutputs, type RecordedOutput } from './compact-record.js';

/**
 * What a decision record says: the content its hash covers. A decision is a
 * pure function of (facts, as_of, rule-set version), so the record keeps those
 * and what was decided, not the explanation: that is re-derived from the
 * version (explain()) and checked against `digest` (docs/api.md, "The decision
 * log").
 */
export interface DecisionContent {
  readonly kind: 'decision';
  /** EXPLANATION_FORMAT when recorded: which explain() the digest is of. */
  readonly format: number;
  readonly id: string;
  readonly time: string;
  readonly caller: string;
  readonly ruleset: { readonly id: string; readonly version: string; readonly hash: string };
  readonly as_of: string;
  readonly facts: unknown;
  readonly status: Decision['status'];
  readonly outcome: { readonly status: Decision['status']; readonly value: unknown; readonly display?: string };
  readonly outputs: Record<string, RecordedOutput>;
  /** One truth code per condition, packed (compact-record.ts). */
  readonly codes: string;
  /** sha256 of the canonical explanation. */
  readonly digest: string;
}

/** A caseworker's determination on a decision: linked to it, never altering it. */
export interface DeterminationContent {
  readonly kind: 'determination';
  readonly id: string;
  readonly time: string;
  readonly caller: string;
  readonly decision_id: string;
  readonly agree: boolean;
  readonly reason: string | null;
  /** The determination this one replaces, when a caseworker changes their mind. */
  readonly supersedes: string | null;
}

export type LogContent = DecisionContent | DeterminationContent;

/** A content record ready to chain: its canonical text is fixed before it is queued. */
export interface PendingRecord {
  readonly content: LogContent;
  readonly text: string;
}

export function newId(): string {
  return randomUUID();
}

export function pending(content: LogContent): PendingRecord {
  return { content, text: canonicalText(content) };
}

/**
 * The same text as canonicalJson (sorted keys, undefined members dropped),
 * built with plain loops: a decision record is tens of kilobytes and this
 * runs once per decision on the request path.
 */
export function canonicalText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) {
    // An array of primitives is its own canonical form.
    let flat = true;
    for (let i = 0; i < v.length && flat; i++) flat = v[i] !== undefined && (v[i] === null || typeof v[i] !== 'object');
    if (flat) return JSON.stringify(v);
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i === 0 ? '' : ',') + canonicalText(v[i]);
    return s + ']';
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let s = '{';
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalText(x);
    first = false;
  }
  return s + '}';
}

/** Each link's hash covers the previous hash and this record's canonical content. */
export function linkHash(prevHash: string, text: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(text).digest('hex');
}

/** The outcome as one filterable word: the headline value, or "undetermined". */
export function outcomeKey(content: LogContent): string | null {
  if (content.kind !== 'decision') return null;
  if (content.outcome.status === 'undetermined') return 'undetermined';
  const v = content.outcome.value;
  return typeof v === 'string' ? v : canonicalJson(v);
}

/**
 * The record of a decision: `codes` from the compact evaluation that
 * `decision` was explained from (evaluateCompact → explain).
 */
export function decisionContent(id: string, time: string, caller: string, facts: unknown, decision: Decision, codes: Uint8Array): DecisionContent {
  const o = decision.outcome;
  return {
    kind: 'decision',
    format: EXPLANATION_FORMAT,
    id,
    time,
    caller,
    ruleset: { id: decision.ruleset.id, version: decision.ruleset.version, hash: decision.ruleset.hash },
    as_of: decision.as_of,
    facts,
    status: decision.status,
    outcome: { status: decision.status, value: o.value, ...(o.display !== undefined ? { display: o.display } : {}) },
    outputs: recordedOutputs(decision.outputs),
    codes: packCodes(codes),
    digest: explanationDigest(decision),
  };
}
