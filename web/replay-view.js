// Replay a recorded decision: under its recorded version (must be identical) and under
// the version in force today, showing what would change.

import { h } from './dom.js';
import { outcomeLine, otherOutputs } from './decision-view.js';
import { displayOutput } from './facts-display.js';

/** POST /v1/decisions/{id}/replay, with the recorded decision it replays. */
export function replayResult(data, recorded) {
  return {
    recorded,
    sameVersion: { identical: data.recorded?.identical ?? null, differences: data.recorded?.differences ?? [], version: data.recorded?.version },
    today: {
      decision: data.current?.decision ?? null,
      version: data.current?.version ?? null,
      as_of: data.current?.as_of,
      changed: data.current?.changed ?? null,
      changes: data.current?.changes ?? [],
      problem: data.current?.problem ?? null,
    },
  };
}

/** What differs between two decisions, in caseworkers' words. */
export function compareDecisions(a, b) {
  const out = [];
  if (!a || !b) return out;
  if (a.ruleset.version !== b.ruleset.version) out.push({ what: '规则集版本', before: `v${a.ruleset.version}`, after: `v${b.ruleset.version}` });
  if (outcomeLine(a) !== outcomeLine(b)) out.push({ what: a.outcome?.title ?? '结论', before: displayOutcome(a), after: displayOutcome(b) });
  const ids = new Set([...otherOutputs(a), ...otherOutputs(b)].map((o) => o.id));
  for (const id of ids) {
    const x = a.outputs?.[id];
    const y = b.outputs?.[id];
    const dx = x ? displayOutput(x) : '（无）';
    const dy = y ? displayOutput(y) : '（无）';
    if (dx !== dy) out.push({ what: (x ?? y).title, before: dx, after: dy });
  }
  const held = (d) => new Set((d.reasons || []).filter((r) => r.holds).map((r) => r.text));
  const ra = held(a);
  const rb = held(b);
  for (const t of ra) if (!rb.has(t)) out.push({ what: '理由', before: t, after: '（不再适用）' });
  for (const t of rb) if (!ra.has(t)) out.push({ what: '理由', before: '（无）', after: t });
  return out;
}

function displayOutcome(d) {
  return d.status === 'undetermined' ? '待定' : displayOutput(d.outcome);
}

function technical(changes, label) {
  if (!changes?.length) return null;
  return h(
    'details',
    { class: 'technical' },
    h('summary', {}, `${label}（${changes.length} 处）`),
    h('ul', {}, changes.map((c) => h('li', {}, h('code', {}, c.path), '：', h('code', {}, JSON.stringify(c.before)), ' → ', h('code', {}, JSON.stringify(c.after))))),
  );
}

export function renderReplay(result, headingLevel = 3) {
  const H = `h${headingLevel}`;
  const recorded = result.recorded;
  const { identical, differences } = result.sameVersion;
  const today = result.today;
  const changes = today.decision ? compareDecisions(recorded, today.decision) : [];
  return h(
    'div',
    { class: 'replay' },
    h(H, {}, `按记录时的版本重算（v${result.sameVersion.version ?? recorded.ruleset.version}，决定日期 ${recorded.as_of}）`),
    h(
      'p',
      { class: identical ? 'ok' : 'error', dataset: { testid: 'replay-same' } },
      identical === null ? '（服务器未返回核对结果）' : identical ? '结果与记录完全一致。' : '结果与记录不一致！请报告系统管理员。',
    ),
    technical(differences, '与记录的差异'),
    h(H, {}, '按今天施行的规则重算'),
    today.decision
      ? [
          h('p', { dataset: { testid: 'replay-today' } }, `适用版本 v${today.decision.ruleset.version}（决定日期 ${today.decision.as_of}）：${outcomeLine(today.decision)}`),
          !today.changed && changes.length === 0
            ? h('p', { class: 'ok', dataset: { testid: 'replay-changes' } }, '与原决定相比没有变化。')
            : changes.length === 0
              ? h('p', { dataset: { testid: 'replay-changes' } }, '结论、金额和理由没有变化；解释的细节有所不同（见下）。')
              : h(
                  'table',
                  { class: 'changes', dataset: { testid: 'replay-changes' } },
                  h('caption', {}, '与原决定相比的变化'),
                  h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '项目'), h('th', { scope: 'col' }, '原决定'), h('th', { scope: 'col' }, '按今天的规则'))),
                  h('tbody', {}, changes.map((c) => h('tr', {}, h('th', { scope: 'row' }, c.what), h('td', {}, c.before), h('td', {}, c.after)))),
                ),
          technical(today.changes, '全部差异'),
        ]
      : h('p', { class: 'error', dataset: { testid: 'replay-today' } }, today.problem ? `无法按今天的规则重算：${today.problem.title}` : '今天没有施行中的版本。'),
  );
}
