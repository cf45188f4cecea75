import { sha256 } from '../load/canonical-json.js';
import type { ConditionTrace, Decision, OutputValue } from '../generated/decision.js';
import { canonicalExplanation } from './canonical-explanation.js';

/**
 * The version of what an explanation contains. A record stores the digest of
 * its explanation as explain() built it then; when explain() builds
 * something else for the same decision (a new section, reworded text), the
 * digests of older records can no longer be re-derived, so the format goes
 * up and those records are checked on their value (status, outputs, condition
 * codes) instead. test/explanation-format.test.ts pins the digests of fixed
 * cases: when it fails, bump this and regenerate the pins.
 *
 * 1: rules, reasons, failed, missing, ambiguities, facts (the delta-encoded
 *    log's records, migration 5).
 * 2: + grounds (per-rule grounds, outputs' applies_when).
 * 3: + partly known collected lists (partial, known, known_display, more_from).
 * 4: + counterfactuals (what would change a refusal or an undetermined decision).
 * 5: + outcome_kind; x-display-decimals and no space before % / ‰ in displays.
 * 6: a space where a filled-in number meets Chinese (连任 2 届); money grouped by
 *    thousands to the fen (12,345.50 元) — web/number-words.js.
 */
export const EXPLANATION_FORMAT = 6;

/** An output as the record keeps it: what was decided, not how it reads. */
export interface RecordedOutput {
  readonly status: OutputValue['status'];
  readonly value: unknown;
}

const CODE_CHARS = '0123';

/**
 * One truth code per condition node (compile.ts), 2 bits each, four to a byte,
 * base64url. The record keeps no count: the rule-set version fixes it.
 */
export function packCodes(codes: Uint8Array): string {
  const bytes = Buffer.alloc(Math.ceil(codes.length / 4));
  for (let i = 0; i < codes.length; i++) bytes[i >> 2] = (bytes[i >> 2] as number) | (((codes[i] as number) & 3) << ((i & 3) * 2));
  return bytes.toString('base64url');
}

export function unpackCodes(text: string, count: number): Uint8Array | null {
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== Math.ceil(count / 4) || bytes.toString('base64url') !== text) return null;
  const codes = new Uint8Array(count);
  for (let i = 0; i < count; i++) codes[i] = ((bytes[i >> 2] as number) >> ((i & 3) * 2)) & 3;
  // Bits past the last code must be zero, so one record has one text.
  for (let i = count; i < bytes.length * 4; i++) if ((((bytes[i >> 2] as number) >> ((i & 3) * 2)) & 3) !== 0) return null;
  return codes;
}

/** The codes of a full explanation's traces: the same pre-order walk as traceFromCodes. */
export function codesFromTraces(decision: Decision): Uint8Array {
  const out: number[] = [];
  const walk = (c: ConditionTrace) => {
    out.push(CODE_CHARS.indexOf(codeChar(c.result)));
    if (c.kind !== 'fact') for (const child of c.children) walk(child);
  };
  for (const r of decision.rules) walk(r.condition);
  return Uint8Array.from(out);
}

function codeChar(t: string): string {
  switch (t) {
    case 'true':
      return '1';
    case 'false':
      return '2';
    case 'unknown':
      return '3';
    default:
      return '0';
  }
}

export function recordedOutputs(outputs: Record<string, OutputValue>): Record<string, RecordedOutput> {
  const out: Record<string, RecordedOutput> = {};
  for (const k in outputs) {
    const o = outputs[k] as OutputValue;
    out[k] = { status: o.status, value: o.value };
  }
  return out;
}

/** sha256 of the explanation's canonical JSON (canonical-explanation.ts). */
export function explanationDigest(decision: Decision): string {
  return sha256(canonicalExplanation(decision));
}
