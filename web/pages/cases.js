// 办件查询: find a case by applicant name, identity card number, case number, date,
// outcome or caseworker. Lists show personal data masked; the case page shows it whole
// to roles that may see it.

import { api } from '../api.js';
import { h, clear, formatDateTime } from '../dom.js';
import { go } from '../navigate.js';
import { can } from '../session.js';
import { rulesetList, currentVersion } from '../rulesets.js';
import { STATE_TITLES, caseOutcomeText, outcomeChoices } from '../case-words.js';

const PAGE_SIZE = 20;
const FILTERS = ['name', 'id_number', 'case_no', 'ruleset', 'outcome', 'state', 'caseworker', 'from', 'to'];

function field(id, label, control, help) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), help ? h('p', { class: 'help' }, help) : null, control);
}

export async function casesPage(main, { query, isCurrent }) {
  const rulesets = rulesetList(await api.rulesets());
  if (!isCurrent()) return;
  clear(main);
  main.appendChild(h('h1', {}, '办件查询'));
  const personal = can('personalData');
  const text = (name, attrs = {}) => h('input', { id: `cs-${name}`, name, type: 'text', autocomplete: 'off', ...attrs });
  const controls = {
    name: personal ? text('name', { maxlength: 50 }) : null,
    id_number: personal ? text('id_number', { maxlength: 40, spellcheck: 'false' }) : null,
    case_no: text('case_no', { maxlength: 11, placeholder: '如 2026-000123 或 123' }),
    ruleset: h('select', { id: 'cs-ruleset', name: 'ruleset' }, h('option', { value: '' }, '全部事项'), rulesets.map((r) => h('option', { value: r.id }, r.title))),
    outcome: h('select', { id: 'cs-outcome', name: 'outcome' }),
    state: h('select', { id: 'cs-state', name: 'state' }, h('option', { value: '' }, '全部'), Object.entries(STATE_TITLES).map(([v, t]) => h('option', { value: v }, t))),
    caseworker: text('caseworker', { maxlength: 64 }),
    from: h('input', { id: 'cs-from', name: 'from', type: 'date' }),
    to: h('input', { id: 'cs-to', name: 'to', type: 'date' }),
  };
  const fillOutcomes = async (rulesetId, selected) => {
    let options = [{ value: '', label: '全部' }, { value: 'undetermined', label: '待补正' }];
    if (rulesetId) {
      try {
        const v = currentVersion(await api.ruleset(rulesetId));
        options = [{ value: '', label: '全部' }, ...outcomeChoices(v?.definition), { value: 'undetermined', label: '待补正' }];
      } catch {
        // Keep the generic choices.
      }
    }
    clear(controls.outcome);
    for (const o of options) controls.outcome.appendChild(h('option', { value: o.value }, o.label));
    controls.outcome.value = options.some((o) => o.value === selected) ? selected : '';
  };
  for (const k of FILTERS) if (controls[k] && k !== 'outcome') controls[k].value = query.get(k) ?? '';
  await fillOutcomes(controls.ruleset.value, query.get('outcome') ?? '');
  if (!isCurrent()) return;
  controls.ruleset.addEventListener('change', () => fillOutcomes(controls.ruleset.value, ''));

  const form = h(
    'form',
    { class: 'filter-form', novalidate: true, 'aria-labelledby': 'cs-h' },
    h('h2', { id: 'cs-h' }, '查找条件'),
    h(
      'div',
      { class: 'filters' },
      personal ? field('cs-name', '申请人姓名', controls.name, '可只填姓名的一部分') : null,
      personal ? field('cs-id_number', '公民身份号码', controls.id_number, '完整 18 位') : null,
      field('cs-case_no', '办件编号', controls.case_no),
      field('cs-ruleset', '事项', controls.ruleset),
      field('cs-outcome', '结论（改判后按改判结论）', controls.outcome),
      field('cs-state', '状态', controls.state),
      field('cs-caseworker', '经办人', controls.caseworker),
      field('cs-from', '建档日期自', controls.from),
      field('cs-to', '建档日期至', controls.to),
    ),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, '查找')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const k of FILTERS) if (controls[k]?.value.trim()) q.set(k, controls[k].value.trim());
    go(`#/cases${q.toString() ? `?${q}` : ''}`);
  });
  main.appendChild(form);

  const results = h('section', { class: 'history-results', 'aria-labelledby': 'cr-h' }, h('h2', { id: 'cr-h' }, '办件'));
  main.appendChild(results);
  const q = { limit: PAGE_SIZE };
  for (const k of [...FILTERS, 'cursor']) if (query.get(k)) q[k] = query.get(k);
  let page;
  try {
    page = await api.cases(q);
  } catch (e) {
    if (!isCurrent()) return;
    results.appendChild(h('p', { class: 'error', role: 'alert' }, `查找失败：${e.messageZh || e.message}`));
    return;
  }
  if (!isCurrent()) return;
  if (page.items.length === 0) {
    results.appendChild(h('p', { class: 'empty' }, '没有符合条件的办件。'));
    return;
  }
  results.appendChild(
    h(
      'table',
      { class: 'history cases' },
      h('caption', { class: 'visually-hidden' }, '办件（最新的在前）'),
      h('thead', {}, h('tr', {}, ['办件编号', '申请人', '公民身份号码', '事项', '状态', '结论', '经办人', '建档时间'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        page.items.map((c) =>
          h(
            'tr',
            { dataset: { case: c.id } },
            h('td', {}, h('a', { href: `#/cases/${encodeURIComponent(c.id)}` }, c.case_no)),
            h('td', {}, c.applicant.name),
            h('td', { class: 'id-number' }, c.applicant.id_number),
            h('td', {}, c.ruleset.title),
            h('td', {}, h('span', { class: `state-chip state-${c.state}` }, STATE_TITLES[c.state] ?? c.state)),
            h('td', { class: 'outcome' }, caseOutcomeText(c)),
            h('td', {}, c.caseworker),
            h('td', {}, formatDateTime(c.created_at)),
          ),
        ),
      ),
    ),
  );
  if (page.next_cursor) {
    const nq = new URLSearchParams(query);
    nq.set('cursor', page.next_cursor);
    results.appendChild(h('p', {}, h('a', { href: `#/cases?${nq}` }, '下一页（更早的办件）')));
  }
}
