// How a case file (办件) reads on screen: its state, its outcome beside the corrected one.

export const STATE_TITLES = { draft: '草稿', submitted: '已提交', overridden: '已改判', closed: '已办结' };

/** "不享受" or "不享受 → 改判为 享受": the machine's outcome is never shown alone after an override. */
export function caseOutcomeText(c) {
  const machine = c.machine ? c.machine.display || (c.machine.status === 'undetermined' ? '待补正' : c.machine.outcome) : null;
  if (!machine) return c.state === 'draft' ? '尚未提交' : '—';
  if (c.override) return `系统结论：${machine}；改判为：${c.override.display}`;
  return machine;
}

/** The headline output's values in words, for the override choice: x-value-titles, or 是/否. */
export function outcomeChoices(ruleset) {
  const out = ruleset?.outputs?.[ruleset?.outcome];
  const titles = { ...(out?.['x-value-titles'] || {}) };
  if (out?.type === 'boolean') {
    titles.true ??= '是';
    titles.false ??= '否';
  }
  return Object.entries(titles).map(([value, label]) => ({ value, label }));
}
