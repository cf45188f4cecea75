import { ZhiduError } from '../errors/finding.js';
import type { ReviewEvent, ReviewKind, NewReviewEvent } from '../store/review-store.js';

/**
 * Four eyes: an editor submits a version for review; another editor or an admin approves it
 * (with a comment) or rejects it; only an approved version can be published. The state of a
 * version is its last step. With four eyes off (a single-person office) the submitter may
 * approve their own draft, and publishing directly stays possible.
 */
export type ReviewState = 'none' | ReviewKind;

export const STATE_ZH: Readonly<Record<ReviewState, string>> = {
  none: '未提交',
  submitted: '待审核',
  approved: '已批准',
  rejected: '已退回',
  published: '已发布',
  withdrawn: '已撤回',
};

export const ACTION_ZH: Readonly<Record<ReviewKind, string>> = {
  submitted: '提交审核',
  approved: '批准',
  rejected: '退回',
  published: '发布',
  withdrawn: '撤回',
};

const ACTION_EN: Readonly<Record<ReviewKind, string>> = { submitted: 'submit', approved: 'approve', rejected: 'reject', published: 'publish', withdrawn: 'withdraw' };

export interface ReviewActor {
  readonly name: string;
  readonly role: string;
}

export interface ReviewSummary {
  readonly state: ReviewState;
  /** The submission the current state is about (the latest). */
  readonly submitted?: ReviewEvent;
  readonly events: readonly ReviewEvent[];
}

export function summarise(events: readonly ReviewEvent[]): ReviewSummary {
  const last = events.at(-1);
  const submitted = [...events].reverse().find((e) => e.kind === 'submitted');
  return { state: last?.kind ?? 'none', ...(submitted ? { submitted } : {}), events };
}

/** A version's review as the versions listing shows it: the last step, who took it, when, and every step. */
export function reviewView(events: readonly ReviewEvent[]): { state: ReviewState; state_zh: string; by: string | null; at: string | null; steps: { kind: ReviewKind; actor: string; actor_role: string; at: string; comment: string | null }[] } {
  const { state } = summarise(events);
  const last = events.at(-1);
  return {
    state,
    state_zh: STATE_ZH[state],
    by: last?.actor ?? null,
    at: last?.at ?? null,
    steps: events.map((e) => ({ kind: e.kind, actor: e.actor, actor_role: e.actor_role, at: e.at, comment: e.comment })),
  };
}

function refuse(events: readonly ReviewEvent[], version: string, action: ReviewKind): never {
  const state = summarise(events).state;
  if (state === 'none') throw new ZhiduError('REVIEW_NOT_FOUND', { key: version });
  throw new ZhiduError('REVIEW_STATE', { key: `v${version}`, found: STATE_ZH[state], detail: ACTION_ZH[action], expected: ACTION_EN[action] });
}

/** The next step, or the refusal: which steps may follow which, and who may take them. */
export function nextStep(
  events: readonly ReviewEvent[],
  step: { kind: ReviewKind; ruleset: string; version: string; actor: ReviewActor; comment?: string | null; fourEyes: boolean; hash?: string; yaml?: string; tests?: string | null },
): NewReviewEvent {
  const { state, submitted } = summarise(events);
  const base = { ruleset_id: step.ruleset, version: step.version, kind: step.kind, actor: step.actor.name, actor_role: step.actor.role, comment: step.comment?.trim() || null, yaml: null, tests: null };
  switch (step.kind) {
    case 'submitted':
      // A version may be submitted again after it was rejected or withdrawn (the same number, corrected content).
      if (state === 'submitted' || state === 'approved' || state === 'published') refuse(events, step.version, step.kind);
      return { ...base, hash: step.hash as string, yaml: step.yaml as string, tests: step.tests ?? null };
    case 'approved':
    case 'rejected': {
      if (state !== 'submitted' || !submitted) refuse(events, step.version, step.kind);
      if (!base.comment) throw new ZhiduError('REVIEW_COMMENT_REQUIRED', { detail: ACTION_ZH[step.kind], expected: ACTION_EN[step.kind] });
      if (step.fourEyes && submitted.actor === step.actor.name) throw new ZhiduError('FOUR_EYES', { found: submitted.actor, detail: ACTION_ZH[step.kind], expected: ACTION_EN[step.kind] });
      return { ...base, hash: submitted.hash };
    }
    case 'withdrawn': {
      if ((state !== 'submitted' && state !== 'approved') || !submitted) refuse(events, step.version, step.kind);
      // Withdrawing is the submitter's (or an admin's): a reviewer who disagrees rejects, with a comment.
      if (submitted.actor !== step.actor.name && step.actor.role !== 'admin') throw new ZhiduError('REVIEW_NOT_SUBMITTER', { found: submitted.actor });
      return { ...base, hash: submitted.hash };
    }
    case 'published': {
      if (!submitted || (state !== 'approved' && !(state === 'submitted' && !step.fourEyes))) refuse(events, step.version, step.kind);
      return { ...base, hash: submitted.hash };
    }
  }
}
