// Decision history: find one by id, or filter by rule set, date and outcome.

import { api } from '../api.js';
import { h, clear, formatDateTime } from '../dom.js';
import { go } from '../navigate.js';
import { rulesetList } from '../rulesets.js';
import { decisionList, decisionRecord, latestDetermination } from '../records.js';
import { outcomeLine } from '../decision-view.js';
import { determinationText } from '../determination.js';

const PAGE_SIZE = 20;

const OUTCOME_FILTERS = [
  { value: '', label: '全部' },
  { value: 'true', label: '符合（是）' },
  { value: 'false', label: '不符合（否）' },
  { value: 'undetermined', label: '待定' },
];

function field(id, label, control, help) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), help ? h('p', { class: 'help', id: `${id}-help` }, help) : null, control);
}

export async function historyPage(main, { query, isCurrent }) {
  const rulesets = rulesetList(await api.rulesets());
  if (!isCurrent()) return;
  clear(main);
  main.appendChild(h('h1', {}, '决定记录'));

  // Find by id.
  const idInput = h('input', { id: 'find-id', name: 'id', type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'find-id-err' });
  const idErr = h('p', { class: 'field-error', id: 'find-id-err', hidden: true });
  const findForm = h(
    'form',
    { class: 'find-form', novalidate: true, 'aria-labelledby': 'find-h' },
    h('h2', { id: 'find-h' }, '按决定编号查找'),
    h('div', { class: 'inline' }, field('find-id', '决定编号', idInput), h('button', { type: 'submit' }, '查找')),
    idErr,
  );
  findForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = idInput.value.trim();
    idErr.hidden = true;
    idInput.removeAttribute('aria-invalid');
    if (!id) {
      idErr.textContent = '请输入决定编号。';
      idErr.hidden = false;
      idInput.setAttribute('aria-invalid', 'true');
      idInput.focus();
      return;
    }
    try {
      await api.decision(id);
      go(`#/decisions/${encodeURIComponent(id)}`);
    } catch (e) {
      idErr.textContent = e.status === 404 ? `找不到编号为 ${id} 的决定。` : `查找失败：${e.messageZh || e.message}`;
      idErr.hidden = false;
      idInput.setAttribute('aria-invalid', 'true');
      idInput.focus();
    }
  });
  main.appendChild(findForm);

  // Filters (kept in the address so a filtered list can be bookmarked and returned to).
  const rsSelect = h('select', { id: 'flt-ruleset', name: 'ruleset' }, h('option', { value: '' }, '全部规则集'), rulesets.map((r) => h('option', { value: r.id }, r.title)));
  const from = h('input', { id: 'flt-from', name: 'from', type: 'date' });
  const to = h('input', { id: 'flt-to', name: 'to', type: 'date' });
  const outcome = h('select', { id: 'flt-outcome', name: 'outcome' }, OUTCOME_FILTERS.map((o) => h('option', { value: o.value }, o.label)));
  rsSelect.value = query.get('ruleset') ?? '';
  from.value = query.get('from') ?? '';
  to.value = query.get('to') ?? '';
  outcome.value = query.get('outcome') ?? '';
  const filterForm = h(
    'form',
    { class: 'filter-form', novalidate: true, 'aria-labelledby': 'flt-h' },
    h('h2', { id: 'flt-h' }, '筛选'),
    h(
      'div',
      { class: 'filters' },
      field('flt-ruleset', '规则集', rsSelect),
      field('flt-from', '记录日期自', from),
      field('flt-to', '记录日期至', to),
      field('flt-outcome', '结论', outcome),
    ),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, '筛选')),
  );
  filterForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const el of [rsSelect, from, to, outcome]) if (el.value) q.set(el.name, el.value);
    go(`#/history${q.toString() ? `?${q}` : ''}`);
  });
  main.appendChild(filterForm);

  const results = h('section', { class: 'history-results', 'aria-labelledby': 'res-h' }, h('h2', { id: 'res-h' }, '结果'));
  main.appendChild(results);
  const q = { limit: PAGE_SIZE };
  for (const k of ['ruleset', 'from', 'to', 'outcome', 'cursor']) if (query.get(k)) q[k] = query.get(k);
  const page = decisionList(await api.decisions(q));
  if (!isCurrent()) return;
  if (page.items.length === 0) {
    results.appendChild(h('p', { class: 'empty' }, '没有符合条件的决定。'));
    return;
  }
  const titles = new Map(rulesets.map((r) => [r.id, r.title]));
  const tbody = h('tbody', {});
  results.appendChild(
    h(
      'table',
      { class: 'history' },
      h('caption', { class: 'visually-hidden' }, '决定记录（最新的在前）'),
      h('thead', {}, h('tr', {}, ['记录时间', '规则集', '结论', '经办人复核', '决定编号'].map((t) => h('th', { scope: 'col' }, t)))),
      tbody,
    ),
  );
  for (const s of page.items) {
    const outcomeCell = h('td', { class: 'outcome' }, s.status === 'undetermined' ? '待定' : s.outcome);
    const detCell = h('td', { class: 'determination' }, '…');
    tbody.appendChild(
      h(
        'tr',
        { dataset: { id: s.id } },
        h('td', {}, formatDateTime(s.recorded_at)),
        h('td', {}, `${titles.get(s.ruleset?.id) ?? s.ruleset?.id}（v${s.ruleset?.version}）`),
        outcomeCell,
        detCell,
        h('td', {}, h('a', { href: `#/decisions/${encodeURIComponent(s.id)}` }, h('code', {}, s.id))),
      ),
    );
    // The list carries only summaries: the wording of the outcome and the caseworker's
    // determination come from each record.
    api.decision(s.id).then(
      (data) => {
        const rec = decisionRecord(data);
        outcomeCell.textContent = outcomeLine(rec.decision);
        detCell.textContent = determinationText(latestDetermination(rec));
      },
      () => {
        detCell.textContent = '—';
      },
    );
  }
  if (page.next) {
    const nq = new URLSearchParams(query);
    nq.set('cursor', String(page.next));
    results.appendChild(h('p', {}, h('a', { href: `#/history?${nq}` }, '下一页（更早的记录）')));
  }
}
