// A case's notice (准予/不予许可决定书, 补正告知书) as it prints: the server's notice model
// (GET /v1/cases/{id}/notice, the same the PDF is rendered from), laid out on one A4 page.

import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { fitToPage } from './notice.js';

export async function caseNoticePage(main, { params, isCurrent }) {
  const [id] = params;
  const n = await api.caseNotice(id);
  if (!isCurrent()) return;
  clear(main);
  main.appendChild(
    h(
      'div',
      { class: 'notice-toolbar no-print' },
      h('a', { href: `#/cases/${encodeURIComponent(id)}` }, '‹ 返回办件'),
      h('button', { type: 'button', class: 'primary', onclick: () => window.print() }, '打印'),
      h('span', { class: 'help' }, '打印时请选择 A4 纸张。'),
    ),
  );
  const section = (title, ...body) => h('section', {}, h('h2', {}, title), ...body);
  const doc = h(
    'article',
    { class: 'notice-doc case-notice', dataset: { kind: n.kind }, 'aria-labelledby': 'notice-title' },
    h(
      'header',
      {},
      h('p', { class: 'notice-authority' }, n.authority),
      h('h1', { id: 'notice-title' }, n.title),
      h('p', { class: 'notice-no', dataset: { testid: 'notice-number' } }, n.number),
    ),
    h(
      'p',
      { class: 'notice-party' },
      `申请人：${n.applicant.name}　公民身份号码：${n.applicant.id_number}`,
      n.applicant.phone ? `　联系电话：${n.applicant.phone}` : '',
      h('br'),
      `申请事项：${n.matter}`,
    ),
    h('p', {}, `${n.applicant.name}：`),
    h('p', { class: 'indent' }, n.opening),
    n.kind === 'pending' ? section('需补正的事项', h('ol', { class: 'notice-bring' }, n.to_bring.map((t) => h('li', {}, t)))) : null,
    section(
      n.kind === 'pending' ? '已查明的情况' : '一、查明的事实',
      n.facts.length ? h('dl', { class: 'notice-facts' }, n.facts.map((f) => h('div', {}, h('dt', {}, f.title), h('dd', {}, f.value)))) : h('p', {}, '（无）'),
    ),
    n.kind === 'pending'
      ? h('p', { class: 'indent' }, n.decision)
      : [
          section(
            '二、决定',
            h('p', { class: 'indent outcome-line', dataset: { testid: 'notice-decision' } }, n.decision),
            n.correction
              ? h('p', { class: 'indent correction', dataset: { testid: 'notice-correction' } }, `（系统审核结论为“${n.correction.machine}”，经办人复核后改判为“${n.correction.corrected}”。改判理由：${n.correction.reason}）`)
              : null,
          ),
          section(
            n.kind === 'refusal' ? '三、不予许可的理由及依据' : '三、理由及依据',
            n.grounds.length
              ? h('ol', { class: 'notice-grounds' }, n.grounds.map((g) => h('li', {}, g.text, h('span', { class: 'cite' }, `依据${g.cite}${g.clause_text ? `：“${g.clause_text}”` : ''}`))))
              : h('p', {}, '（无）'),
          ),
        ],
    section(n.kind === 'pending' ? '告知' : '四、救济途径', h('p', { class: 'indent' }, n.appeal)),
    h(
      'div',
      { class: 'notice-sign' },
      h('div', { class: 'seal-area', 'aria-label': '盖章处' }, '（盖章处）'),
      h('p', {}, n.authority),
      h('p', {}, n.date),
    ),
    h('footer', {}, `办件编号：${n.case_no}　经办人：${n.caseworker}`),
  );
  main.appendChild(doc);
  fitToPage(doc);
  document.fonts?.ready.then(() => {
    if (doc.isConnected) fitToPage(doc);
  });
}
