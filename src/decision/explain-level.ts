import type { Decision } from '../generated/decision.js';

/**
 * How much of a decision's explanation the API sends (`?explain=`). Every
 * level is recorded identically (the compact record); the level only shapes
 * the response.
 *
 * - full: the whole Decision.
 * - summary: the Decision without its per-condition trace (`rules`): the
 *   outcome, outputs, reasons with citations, failed pathways with their
 *   failing conditions, grounds, missing facts, ambiguities, facts. Built by
 *   leaving members out of the full explanation, so whatever the explanation
 *   gains later appears in the summary too.
 * - none: outputs and status only.
 *
 * scripts/gen-types.ts derives schemas/decision-summary.schema.json and
 * decision-none.schema.json from decision.schema.json with these same lists.
 */
export const EXPLAIN_LEVELS = ['full', 'summary', 'none'] as const;
export type ExplainLevel = (typeof EXPLAIN_LEVELS)[number];

/** Members of the full explanation a summary leaves out. */
export const SUMMARY_OMITS: readonly string[] = ['rules'];

/** The only members kept at level none. */
export const NONE_KEEPS: readonly string[] = ['ruleset', 'as_of', 'status', 'outcome', 'outputs'];

export function isExplainLevel(v: unknown): v is ExplainLevel {
  return typeof v === 'string' && (EXPLAIN_LEVELS as readonly string[]).includes(v);
}

/** The decision as sent at `level`: a projection of the full explanation, never a second build of it. */
export function atLevel(decision: Decision, level: ExplainLevel): Record<string, unknown> {
  if (level === 'full') return decision as unknown as Record<string, unknown>;
  const d = decision as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (level === 'summary') {
    for (const k in d) if (!SUMMARY_OMITS.includes(k)) out[k] = d[k];
  } else {
    for (const k of NONE_KEEPS) if (d[k] !== undefined) out[k] = d[k];
  }
  return out;
}
