// The decision notice (决定书): one A4 page with the facts relied on, the outcome, the
// reasons and their citations, the rule-set version and date, and the caseworker's
// determination. The screen shows it as it will print.

import { h, clear, formatDateTime } from '../dom.js';
import { loadRecordAndRuleset } from './decision.js';
import { outcomeLine, otherOutputs } from '../decision-view.js';
import { factCatalogue, displayOutput, displayFact } from '../facts-display.js';
import { factsRows, readFailed, caseFrame } from '../decision-view.js';
import { latestDetermination } from '../records.js';

import { sourceText } from '../rulesets.js';

export async function noticePage(main, { params, isCurrent }) {
  const [id] = params;
  const { rec, ruleset } = await loadRecordAndRuleset(id);
  if (!isCurrent()) return;
  const d = rec.decision;
  const cat = factCatalogue(ruleset, d);
  const det = latestDetermination(rec);
  clear(main);

  const printButton = h('button', { type: 'button', class: 'primary', onclick: () => window.print() }, '打印');
  main.appendChild(
    h(
      'div',
      { class: 'notice-toolbar no-print' },
      h('a', { href: `#/decisions/${encodeURIComponent(rec.id)}` }, '‹ 返回决定记录'),
      printButton,
      h('span', { class: 'help' }, '打印时请选择 A4 纸张；本页排版为一页。'),
    ),
  );

  const reasons = (d.reasons || []).filter((r) => r.holds);
  // The header names the source document; a citation names its clause and lines (and its
  // file only when it is another one).
  const mainFile = ruleset?.source?.file;
  const cite = (c) => {
    if (!c) return '';
    const [a, b] = c.lines || [];
    const lines = a === undefined ? '' : a === b || b === undefined ? `第 ${a} 行` : `第 ${a}–${b} 行`;
    return `〔${c.clause}，${c.file !== mainFile ? `${c.file} ` : ''}${lines}〕`;
  };
  // Only the unmet pathways: the notice is one page, and rules for other matters do not concern this case.
  const { pathways: failed, inapplicable } = readFailed(d, ruleset);
  const frame = caseFrame(ruleset);
  const frameTitles = [...new Set(inapplicable.flatMap((f) => (f.conditions || []).filter((c) => frame.has(c.fact)).map((c) => c.title || c.fact)))];
  const rows = factsRows(d, cat);
  const doc = h(
    'article',
    { class: 'notice-doc', 'aria-labelledby': 'notice-title' },
    h(
      'header',
      {},
      h('h1', { id: 'notice-title' }, '决定书'),
      h('p', { class: 'notice-no' }, '编号：', h('span', { class: 'decision-id' }, rec.id)),
    ),
    h(
      'table',
      { class: 'notice-meta' },
      h(
        'tbody',
        {},
        metaRow('事项', d.ruleset.title),
        ruleset?.source ? metaRow('依据文件', `${sourceText(ruleset.source)}（${ruleset.source.file}）`) : null,
        metaRow('规则集版本', `${d.ruleset.id} v${d.ruleset.version}（内容指纹 ${String(d.ruleset.hash).slice(0, 12)}）`),
        metaRow('决定日期', d.as_of),
        rec.recorded_at ? metaRow('记录时间', formatDateTime(rec.recorded_at)) : null,
      ),
    ),
    h(
      'section',
      {},
      h('h2', {}, '一、所依据的事实'),
      rows.length
        ? h('dl', { class: 'notice-facts' }, rows.map((r) => h('div', {}, h('dt', {}, r.title, r.derived ? '（推算）' : ''), h('dd', {}, r.value))))
        : h('p', {}, '（无）'),
    ),
    h(
      'section',
      {},
      h('h2', {}, '二、决定'),
      h('p', { class: 'outcome-line', dataset: { testid: 'notice-outcome' } }, outcomeLine(d)),
      otherOutputs(d).length ? h('ul', { class: 'notice-outputs' }, otherOutputs(d).map((o) => h('li', {}, `${o.title}：${displayOutput(o)}`))) : null,
      d.status === 'undetermined' && d.missing?.length
        ? h('p', {}, '尚需补充：', d.missing.map((m) => m.title || cat.get(m.fact)?.title || m.fact).join('、'), '。')
        : null,
    ),
    h(
      'section',
      {},
      h('h2', {}, '三、理由及依据'),
      reasons.length
        ? h('ol', { class: 'notice-reasons' }, reasons.map((r) => h('li', {}, r.text, h('span', { class: 'cite' }, cite(r.citation)))))
        : h('p', {}, d.status === 'undetermined' ? '尚无成立的规则。' : `没有一条途径的条件全部满足，故结论为：${displayOutput(d.outcome)}。`),
      failed.length
        ? [
            h('p', { class: 'sub' }, '未满足的途径及条件：'),
            h(
              'ol',
              { class: 'notice-failed' },
              failed.map((f) => {
                const conds = (f.conditions || []).filter((c) => c.result === 'false');
                return h(
                  'li',
                  {},
                  `${f.title}：`,
                  conds.map((c) => `${c.text}，申请人为 ${c.actual_display || displayFact(cat.get(c.fact), c.actual)}`).join('；') || '条件未满足',
                  h('span', { class: 'cite' }, cite(f.citation)),
                );
              }),
            ),
          ]
        : null,
      inapplicable.length
        ? h(
            'p',
            { class: 'sub' },
            `另有 ${inapplicable.length} 条规则因${frameTitles.join('、')}不同而不适用`,
            // A long list would push the notice onto a second page; a few are worth naming.
            inapplicable.length <= 3 ? `：${inapplicable.map((f) => f.title).join('；')}。` : '。',
          )
        : null,
    ),
    h(
      'section',
      { class: 'notice-determination' },
      h('h2', {}, '四、经办人复核意见'),
      h('p', { dataset: { testid: 'notice-determination' } }, det ? (det.agree ? `同意本决定。${det.reason ? det.reason : ''}` : `不同意，改判。理由：${det.reason ?? ''}`) : '尚未复核。'),
      h('p', { class: 'signature' }, h('span', {}, '经办人（签名）：'), h('span', { class: 'line' }), h('span', {}, '日期：'), h('span', { class: 'line short' })),
    ),
    h('footer', {}, `本决定由“制度”依据上述规则集版本作出并留存记录；可凭编号查询、核对或按现行规则重算。`),
  );
  main.appendChild(doc);
  fitToPage(doc);
  // Measure again once the fonts are in: a late CJK font changes line breaks.
  document.fonts?.ready.then(() => {
    if (doc.isConnected) fitToPage(doc);
  });
}

// A4 minus the 14 mm top and bottom margins of print.css, in CSS pixels (96 per inch).
const PAGE_HEIGHT_PX = ((297 - 2 * 14) * 96) / 25.4;
const PAGE_WIDTH = '180mm';

/**
 * Measure the notice as it will print (180 mm wide, no padding) and, if it would run
 * onto a second page, scale it down just enough (print.css applies --fit).
 */
export function fitToPage(doc) {
  const probe = doc.cloneNode(true);
  probe.removeAttribute('id');
  probe.setAttribute('aria-hidden', 'true');
  probe.style.cssText = `position:absolute;left:-10000px;top:0;visibility:hidden;width:${PAGE_WIDTH};max-width:none;padding:0;border:0;box-shadow:none;`;
  document.body.appendChild(probe);
  const height = probe.getBoundingClientRect().height;
  probe.remove();
  // A little slack: rounding in the print engine must not push the last line over.
  const fit = Math.min(1, (PAGE_HEIGHT_PX - 24) / height);
  doc.style.setProperty('--fit', String(fit));
  doc.dataset.fit = fit.toFixed(2);
}

function metaRow(k, v) {
  return h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v));
}
