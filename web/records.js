// Decision records as the API returns them, in one shape for the pages:
// {id, decision, recorded_at, caller, determinations}.

export function decisionRecord(data) {
  if (!data) return null;
  const decision = data.decision ?? (data.rules && data.outputs ? data : null);
  return {
    id: data.decision_id ?? data.id ?? decision?.id ?? null,
    decision,
    recorded_at: data.recorded_at ?? data.created_at ?? data.time ?? null,
    caller: data.caller ?? null,
    determinations: data.determinations ?? decision?.determinations ?? [],
    raw: data,
  };
}

/** GET /v1/decisions: summaries {id, recorded_at, caller, ruleset {id, version}, as_of, status, outcome}. */
export function decisionList(data) {
  const items = Array.isArray(data) ? data : data?.items ?? [];
  return { items, next: data?.next_cursor ?? null };
}

/** The determination in effect: the latest one. */
export function latestDetermination(rec) {
  const list = rec?.determinations ?? [];
  return list.length ? list[list.length - 1] : null;
}
