import type { Decision } from '../generated/decision.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { evaluateCompact, explain } from '../eval/evaluate.js';
import { ZhiduError } from '../errors/finding.js';
import { canonicalText, type DecisionContent } from './log-record.js';
import { EXPLANATION_FORMAT, explanationDigest, packCodes, recordedOutputs } from './compact-record.js';

/** The rule-set version a record names, or undefined when this process does not hold it. */
export type VersionLookup = (id: string, version: string, hash: string) => PreparedRuleSet | undefined;

export interface ExplanationFormat {
  readonly recorded: number;
  readonly current: number;
}

export type Rederived =
  | { readonly ok: true; readonly decision: Decision; readonly format: ExplanationFormat }
  | { readonly ok: false; readonly reason: string; readonly unavailable?: true };

/**
 * A recorded decision's explanation, re-derived from its rule-set version and
 * checked against the record: the same status, outputs and condition codes,
 * and — when it was recorded under the current EXPLANATION_FORMAT — the same
 * digest. A record of an older format is checked on its value only: its
 * digest is of an explanation this code no longer builds.
 */
export function rederive(content: DecisionContent, lookup: VersionLookup): Rederived {
  const { id, version, hash } = content.ruleset;
  const rs = lookup(id, version, hash);
  if (!rs || rs.hash !== hash) return { ok: false, unavailable: true, reason: `rule set ${id} version ${version} (${hash}) is not available to re-derive the explanation` };
  let decision: Decision;
  let codes: Uint8Array;
  try {
    const compact = evaluateCompact(rs, content.facts, { asOf: content.as_of });
    codes = compact.codes;
    decision = explain(rs, compact);
  } catch (err) {
    if (!(err instanceof ZhiduError)) throw err;
    return { ok: false, reason: `the recorded facts no longer evaluate: ${err.message}` };
  }
  if (decision.status !== content.status) return { ok: false, reason: `status re-derives as ${decision.status}, recorded ${content.status}` };
  if (canonicalText(recordedOutputs(decision.outputs)) !== canonicalText(content.outputs)) return { ok: false, reason: 'outputs do not match the re-derived decision' };
  if (packCodes(codes) !== content.codes) return { ok: false, reason: 'condition codes do not match the re-derived decision' };
  const format = { recorded: content.format, current: EXPLANATION_FORMAT };
  if (content.format === EXPLANATION_FORMAT && explanationDigest(decision) !== content.digest) return { ok: false, reason: 'explanation does not match its digest' };
  return { ok: true, decision, format };
}
