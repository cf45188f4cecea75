// Ask and decide: the form generated from the rule set's inputs, and the explained result.

import { api } from '../api.js';
import { h, clear, announce } from '../dom.js';
import { can } from '../session.js';
import { summary, currentVersion, effectiveText, sourceText } from '../rulesets.js';
import { buildFactForm } from '../fact-form.js';
import { renderDecision, outcomeLine } from '../decision-view.js';
import { renderDeterminations } from '../determination.js';
import { decisionRecord } from '../records.js';
import { newCaseForm } from '../new-case.js';

/** "/facts/age" or "/age" → "age". */
export function factOfPointer(pointer) {
  const parts = String(pointer || '').split('/').filter(Boolean);
  if (parts[0] === 'facts') parts.shift();
  return parts[0]?.replace(/~1/g, '/').replace(/~0/g, '~') ?? '';
}

export async function evaluatePage(main, { params, isCurrent }) {
  const [id] = params;
  const detail = await api.ruleset(id);
  if (!isCurrent()) return;
  const rs = summary(detail);
  const version = currentVersion(detail);
  // The whole definition of the version in force: input schema, derived facts, outputs.
  const ruleset = version?.definition ?? version;
  clear(main);
  main.appendChild(h('p', { class: 'breadcrumb' }, h('a', { href: '#/' }, '规则集'), ' › ', rs.title));
  main.appendChild(h('h1', {}, rs.title));
  main.appendChild(
    h(
      'dl',
      { class: 'ruleset-meta' },
      h('dt', {}, '来源文件'),
      h('dd', {}, sourceText(rs.source) || '—'),
      h('dt', {}, '现行版本'),
      h('dd', {}, rs.inForce ? `v${rs.version}` : `今天没有施行中的版本（最新为 v${rs.version}）`),
      h('dt', {}, '施行日期'),
      h('dd', {}, effectiveText(rs)),
      rs.versions.length > 1 ? h('dt', {}, '全部版本') : null,
      rs.versions.length > 1
        ? h(
            'dd',
            {},
            h(
              'ul',
              { class: 'versions' },
              rs.versions.map((v) => h('li', {}, `v${v.version}：${effectiveText(v)}`, v.in_force ? '（现行）' : '')),
            ),
          )
        : null,
    ),
  );
  if (rs.versions.length > 1) {
    main.appendChild(h('p', { class: 'help' }, '决定日期决定适用哪个版本；问题按现行版本提出，按其他版本作决定时，服务器会指出不符合该版本的回答。'));
  }
  if (rs.description) main.appendChild(h('p', { class: 'description' }, rs.description));
  if (!can('evaluate')) {
    main.appendChild(h('p', { class: 'notice' }, '您的角色不能作出决定。'));
    return;
  }

  if (can('cases')) main.appendChild(newCaseForm(rs.id));

  const result = h('section', { class: 'result', 'aria-labelledby': 'result-h', hidden: true });
  const form = buildFactForm(ruleset, { onSubmit: submit });
  main.appendChild(
    h(
      'div',
      { class: 'ask-decide' },
      h(
        'section',
        { class: 'ask', 'aria-labelledby': 'ask-h' },
        h('h2', { id: 'ask-h' }, '申请人情况'),
        h(
          'p',
          { class: 'help' },
          can('cases')
            ? '此处评估只是试算，不记入决定记录。窗口受理请用上方“新建办件”；不建办件而需留档时，评估后按“记录此决定”。'
            : '评估只是试算，不记入决定记录；需留档时，评估后按“记录此决定”。',
        ),
        form.element,
      ),
      result,
    ),
  );

  let busy = false;
  let shown = 0;
  // Each new result gets a sequence number, so a reader (or a test) can tell it from the last.
  const stamp = () => {
    result.dataset.seq = String(++shown);
  };
  async function submit(facts, asOf) {
    if (busy) return;
    busy = true;
    const button = form.element.querySelector('button[type=submit]');
    button.disabled = true;
    button.textContent = '正在评估…';
    try {
      const rec = decisionRecord(await api.preview(rs.id, facts, asOf));
      const d = rec.decision;
      form.setNeeded(d.missing, d.status);
      showResult(rec, { facts, asOf });
      // The caseworker's next step decides where focus goes: asking what is still
      // needed, or reading the decision.
      if (d.missing?.length) {
        announce(`${outcomeLine(d)}。还需询问 ${d.missing.length} 项事实。`);
        form.element.querySelector('.needed-panel')?.focus();
      } else {
        announce(outcomeLine(d));
        result.querySelector('.outcome-line')?.focus();
      }
    } catch (e) {
      if (e.status === 400 && e.violations.length) {
        form.showErrors(
          e.violations.map((v) => ({ fact: factOfPointer(v.pointer), message: v.message ?? v.message_zh ?? e.messageZh })),
          '服务器拒绝了以下内容，请更正后再评估',
        );
      } else {
        result.hidden = false;
        clear(result).appendChild(h('p', { class: 'error', role: 'alert', tabindex: '-1' }, `评估失败：${e.messageZh || e.message}`));
        stamp();
        result.firstChild.focus();
      }
    } finally {
      busy = false;
      button.disabled = false;
      button.textContent = '评估';
    }
  }

  /** A preview (no id) offers to record it; a recorded decision offers its notice, its record and the determination. */
  function showResult(rec, asked) {
    clear(result);
    result.hidden = false;
    result.appendChild(h('h2', { id: 'result-h' }, rec.id ? '评估结果（已记录）' : '评估结果（试算，未记录）'));
    result.appendChild(renderDecision(rec.decision, { id: rec.id, ruleset, headingLevel: 3 }));
    result.querySelector('.outcome-line')?.setAttribute('tabindex', '-1');
    if (rec.id) {
      result.appendChild(
        h(
          'p',
          { class: 'result-actions' },
          // The notice and the record are read back through GET /v1/decisions/{id}.
          can('readDecisions') ? h('a', { class: 'button', href: `#/decisions/${encodeURIComponent(rec.id)}/notice` }, '打印决定书') : null,
          can('readDecisions') ? h('a', { class: 'button', href: `#/decisions/${encodeURIComponent(rec.id)}` }, '查看决定记录') : null,
        ),
      );
      if (rec.decision.status === 'decided') result.appendChild(renderDeterminations(rec, { headingLevel: 3 }));
    } else {
      result.appendChild(recordBox(asked));
    }
    stamp();
  }

  function recordBox({ facts, asOf }) {
    const button = h('button', { type: 'button', class: 'primary', dataset: { testid: 'record-decision' } }, '记录此决定');
    const box = h('div', { class: 'submit-box' }, h('p', { class: 'help' }, '以上为试算。按“记录此决定”后，决定记入决定记录，取得决定编号，可打印决定书、填写复核意见。'), button);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const rec = decisionRecord(await api.evaluate(rs.id, facts, asOf));
        showResult(rec, { facts, asOf });
        announce(`已记录：${outcomeLine(rec.decision)}`);
        result.querySelector('.outcome-line')?.focus();
      } catch (e) {
        button.disabled = false;
        box.appendChild(h('p', { class: 'error', role: 'alert' }, `记录失败：${e.messageZh || e.message}`));
      }
    });
    return box;
  }
}
