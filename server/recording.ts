import type { Decision } from '../src/generated/decision.js';
import { decisionContent, newId, type PendingRecord } from '../src/store/log-record.js';
import type { ZhiduContext } from './context.js';
import type { Caller } from './api-keys.js';
import { StoreUnavailable } from './problem.js';
import { outcomeLabel } from './metrics.js';

export interface Recorded {
  readonly id: string;
  readonly recorded_at: string;
  readonly decision: Decision;
}

export function prepareRecord(ctx: ZhiduContext, caller: Caller, facts: unknown, decision: Decision): PendingRecord {
  return ctx.log.prepareDecision(decisionContent(newId(), new Date().toISOString(), caller.name, facts, decision));
}

/**
 * Write decisions to the log and only then hand them back: a decision the
 * log did not take is never returned (StoreUnavailable → 503).
 */
export async function recordAll(ctx: ZhiduContext, records: readonly PendingRecord[]): Promise<Recorded[]> {
  try {
    await Promise.all(records.map((r) => ctx.log.append(r)));
  } catch (err) {
    ctx.metrics.logFailures.inc({});
    throw new StoreUnavailable(err);
  }
  return records.map((r) => {
    const c = r.content;
    if (c.kind !== 'decision') throw new Error('not a decision record');
    const d = c.explanation;
    ctx.metrics.decisions.inc({ ruleset: d.ruleset.id, version: d.ruleset.version, outcome: outcomeLabel(d.status, d.outcome.status, d.outcome.value) });
    return { id: c.id, recorded_at: c.time, decision: d };
  });
}

export async function record(ctx: ZhiduContext, caller: Caller, facts: unknown, decision: Decision): Promise<Recorded> {
  const [r] = await recordAll(ctx, [prepareRecord(ctx, caller, facts, decision)]);
  return r as Recorded;
}
