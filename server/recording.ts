import type { Decision } from '../src/generated/decision.js';
import type { PreparedRuleSet } from '../src/load/prepared-rule-set.js';
import { evaluateCompact, explain } from '../src/eval/evaluate.js';
import { decisionContent, newId, type PendingRecord } from '../src/store/log-record.js';
import type { ZhiduContext } from './context.js';
import type { Caller } from './api-keys.js';
import { StoreUnavailable } from '../src/store/store-unavailable.js';
import { outcomeLabel } from './metrics.js';

export interface Recorded {
  readonly id: string;
  readonly recorded_at: string;
  readonly decision: Decision;
}

/** A decision with the condition codes its record keeps. */
export interface Decided {
  readonly decision: Decision;
  readonly codes: Uint8Array;
}

/** Evaluate compactly and explain: every recorded decision needs its explanation's digest. */
export function decide(rs: PreparedRuleSet, facts: unknown, asOf: string): Decided {
  const compact = evaluateCompact(rs, facts, { asOf });
  return { decision: explain(rs, compact), codes: compact.codes };
}

export function prepareRecord(ctx: ZhiduContext, caller: Caller, facts: unknown, decided: Decided): { record: PendingRecord; decision: Decision } {
  return { record: ctx.log.prepareDecision(decisionContent(newId(), new Date().toISOString(), caller.name, facts, decided.decision, decided.codes)), decision: decided.decision };
}

/**
 * Write decisions to the log and only then hand them back: a decision the
 * log did not take is never returned (StoreUnavailable → 503).
 */
export async function recordAll(ctx: ZhiduContext, prepared: readonly { record: PendingRecord; decision: Decision }[]): Promise<Recorded[]> {
  try {
    await Promise.all(prepared.map((p) => ctx.log.append(p.record)));
  } catch (err) {
    if (err instanceof StoreUnavailable) ctx.metrics.logFailures.inc();
    throw err;
  }
  return prepared.map(({ record, decision: d }) => {
    const c = record.content;
    if (c.kind !== 'decision') throw new Error('not a decision record');
    ctx.metrics.decisions.inc({ ruleset: d.ruleset.id, version: d.ruleset.version, outcome: outcomeLabel(d.status, d.outcome.status, d.outcome.value) });
    return { id: c.id, recorded_at: c.time, decision: d };
  });
}

export async function record(ctx: ZhiduContext, caller: Caller, facts: unknown, decided: Decided): Promise<Recorded> {
  const [r] = await recordAll(ctx, [prepareRecord(ctx, caller, facts, decided)]);
  return r as Recorded;
}
