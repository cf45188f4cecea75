// One recorded decision: its explanation, the caseworker's determinations, replay, print.

import { api } from '../api.js';
import { h, clear, announce, formatDateTime } from '../dom.js';
import { can } from '../session.js';
import { decisionRecord } from '../records.js';
import { renderDecision } from '../decision-view.js';
import { renderDeterminations } from '../determination.js';
import { renderReplay, replayResult } from '../replay-view.js';

export async function loadRecordAndRuleset(id) {
  const rec = decisionRecord(await api.decision(id));
  let ruleset = null;
  try {
    const detail = await api.ruleset(rec.decision.ruleset.id);
    const v = (detail.versions || []).find((x) => x.version === rec.decision.ruleset.version);
    ruleset = v?.definition ?? null;
  } catch {
    // The titles then come from the decision's own traces.
  }
  return { rec, ruleset };
}

export async function decisionPage(main, { params, isCurrent }) {
  const [id] = params;
  const { rec, ruleset } = await loadRecordAndRuleset(id);
  if (!isCurrent()) return;
  const d = rec.decision;
  clear(main);
  main.appendChild(h('p', { class: 'breadcrumb' }, h('a', { href: '#/history' }, '决定记录'), ' › ', rec.id));
  main.appendChild(h('h1', {}, `决定 ${rec.id}`));
  main.appendChild(
    h(
      'p',
      { class: 'record-meta' },
      rec.recorded_at ? `记录时间：${formatDateTime(rec.recorded_at)}　` : '',
      `规则集：`,
      h('a', { href: `#/rulesets/${encodeURIComponent(d.ruleset.id)}` }, d.ruleset.title),
      `（v${d.ruleset.version}）`,
    ),
  );
  main.appendChild(h('p', { class: 'result-actions' }, h('a', { class: 'button', href: `#/decisions/${encodeURIComponent(rec.id)}/notice` }, '打印决定书')));
  main.appendChild(renderDecision(d, { id: rec.id, ruleset, headingLevel: 2 }));
  main.appendChild(renderDeterminations(rec, { headingLevel: 2 }));

  if (can('replay')) {
    const out = h('div', { class: 'replay-out', tabindex: '-1' });
    const button = h('button', { type: 'button' }, '按今天的规则重算');
    button.addEventListener('click', async () => {
      button.disabled = true;
      clear(out).appendChild(h('p', { class: 'loading' }, '正在重算…'));
      try {
        const res = await api.replay(rec.id);
        clear(out).appendChild(renderReplay(replayResult(res, d), 3));
        announce('重算完成。');
      } catch (e) {
        clear(out).appendChild(h('p', { class: 'error', role: 'alert' }, `重算失败：${e.messageZh || e.message}`));
      } finally {
        button.disabled = false;
        out.focus();
      }
    });
    main.appendChild(
      h(
        'section',
        { class: 'replay-box', 'aria-labelledby': 'replay-h' },
        h('h2', { id: 'replay-h' }, '重算'),
        h('p', {}, '用记录中的事实重新评估：先按记录时的版本核对结果是否一致，再按今天施行的规则，看结论会有什么变化。重算不会改变原决定。'),
        button,
        out,
      ),
    );
  }
}
