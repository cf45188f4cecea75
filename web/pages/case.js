// One case file (办件): the applicant, the interview saved as a draft as it goes, trial
// evaluations that record nothing, the submitted decision (the only one recorded), the
// caseworker's override beside the machine's outcome, the notice and closing.

import { api } from '../api.js';
import { h, clear, announce, formatDateTime } from '../dom.js';
import { currentVersion } from '../rulesets.js';
import { buildFactForm } from '../fact-form.js';
import { renderDecision, outcomeLine } from '../decision-view.js';
import { loadRecordAndRuleset } from './decision.js';
import { STATE_TITLES, caseOutcomeText, outcomeChoices } from '../case-words.js';
import { factOfPointer } from './evaluate.js';

const SAVE_DELAY_MS = 500;

export async function casePage(main, { params, isCurrent }) {
  const [id] = params;
  const c = await api.getCase(id);
  if (!isCurrent()) return;
  if (c.state === 'draft') {
    const detail = await api.ruleset(c.ruleset.id);
    if (!isCurrent()) return;
    const ruleset = currentVersion(detail)?.definition;
    clear(main);
    header(main, c);
    draftView(main, c, ruleset);
  } else {
    const { rec, ruleset } = await loadRecordAndRuleset(c.decision_id);
    if (!isCurrent()) return;
    clear(main);
    header(main, c);
    decidedView(main, c, rec, ruleset);
  }
}

function header(main, c) {
  main.appendChild(h('p', { class: 'breadcrumb' }, h('a', { href: '#/cases' }, '办件查询'), ' › ', c.case_no));
  main.appendChild(h('h1', {}, `办件 ${c.case_no}：${c.ruleset.title}`));
  main.appendChild(
    h(
      'dl',
      { class: 'case-meta' },
      h('dt', {}, '状态'),
      h('dd', {}, h('span', { class: `state-chip state-${c.state}`, dataset: { testid: 'case-state' } }, STATE_TITLES[c.state] ?? c.state)),
      h('dt', {}, '申请人'),
      h('dd', { dataset: { testid: 'applicant-name' } }, c.applicant.name),
      h('dt', {}, '公民身份号码'),
      h('dd', {}, c.applicant.id_number),
      h('dt', {}, '联系电话'),
      h('dd', {}, c.applicant.phone ?? '（未登记）'),
      h('dt', {}, '经办人'),
      h('dd', {}, c.caseworker),
      h('dt', {}, '建档时间'),
      h('dd', {}, formatDateTime(c.created_at)),
    ),
  );
}

/** The fact form's answers as typed, for the draft (restored exactly on reload). */
function answersOf(form) {
  const answers = {};
  for (const f of form.fields.values()) {
    const v = f.read();
    if (v !== '') answers[f.name] = v;
  }
  return answers;
}

function draftView(main, c, ruleset) {
  if (!c.may_change) {
    main.appendChild(h('p', { class: 'notice' }, `本办件由经办人“${c.caseworker}”办理，您只能查看，不能修改。`));
  }
  const saveState = h('p', { class: 'save-state', role: 'status', dataset: { testid: 'save-state' } }, '草稿已保存');
  const result = h('section', { class: 'result', 'aria-labelledby': 'result-h', hidden: true });
  const form = buildFactForm(ruleset, { onSubmit: trial });
  const asOfInput = form.element.querySelector('input[name=as_of]');
  form.fill(c.answers);
  if (c.as_of) asOfInput.value = c.as_of;
  main.appendChild(
    h(
      'div',
      { class: 'ask-decide' },
      h('section', { class: 'ask', 'aria-labelledby': 'ask-h' }, h('h2', { id: 'ask-h' }, '申请人情况'), saveState, form.element),
      result,
    ),
  );
  if (!c.may_change) {
    for (const el of form.element.querySelectorAll('input, select, textarea, button')) el.disabled = true;
    return;
  }

  // Saved as the caseworker types: a reload (or another window) continues where they were.
  let timer = null;
  let saving = Promise.resolve();
  const save = () => {
    clearTimeout(timer);
    timer = null;
    saveState.textContent = '正在保存草稿…';
    saving = saving
      .then(() => api.saveDraft(c.id, { answers: answersOf(form), as_of: asOfInput.value || null }))
      .then(
        (saved) => {
          saveState.textContent = `草稿已保存（${formatDateTime(saved.updated_at).slice(11)}）`;
          saveState.dataset.saved = saved.updated_at;
        },
        (e) => {
          saveState.textContent = `草稿未能保存：${e.messageZh || e.message}`;
        },
      );
    return saving;
  };
  const schedule = () => {
    saveState.textContent = '有改动，正在保存…';
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY_MS);
  };
  form.element.addEventListener('input', schedule);
  form.element.addEventListener('change', schedule);

  let busy = false;
  async function trial(facts, asOf) {
    if (busy) return;
    busy = true;
    const button = form.element.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      clearTimeout(timer);
      const res = await api.tryCase(c.id, facts, asOf, answersOf(form));
      saveState.textContent = `草稿已保存（${formatDateTime(res.case.updated_at).slice(11)}）`;
      form.setNeeded(res.decision.missing, res.decision.status);
      showTrial(res.decision);
      announce(outcomeLine(res.decision));
    } catch (e) {
      failed(e);
    } finally {
      busy = false;
      button.disabled = false;
    }
  }

  function failed(e) {
    if (e.status === 400 && e.violations.length) {
      form.showErrors(e.violations.map((v) => ({ fact: factOfPointer(v.pointer), message: v.message ?? e.messageZh })), '服务器拒绝了以下内容，请更正后再评估');
    } else {
      result.hidden = false;
      clear(result).appendChild(h('p', { class: 'error', role: 'alert', tabindex: '-1' }, `评估失败：${e.messageZh || e.message}`));
      result.firstChild.focus();
    }
  }

  function showTrial(decision) {
    clear(result);
    result.hidden = false;
    result.appendChild(h('h2', { id: 'result-h' }, '试评估结果（未记录）'));
    result.appendChild(renderDecision(decision, { ruleset, headingLevel: 3 }));
    const submit = h('button', { type: 'button', class: 'primary', dataset: { testid: 'submit-case' } }, decision.status === 'undetermined' ? '提交（出具补正告知书）' : '提交决定');
    submit.addEventListener('click', async () => {
      const { facts, errors } = form.collect();
      if (errors.length) return form.showErrors(errors);
      submit.disabled = true;
      try {
        await saving;
        const asOf = asOfInput.value || undefined;
        await api.submitCase(c.id, facts, asOf, answersOf(form));
        announce('已提交，决定已记入决定记录。');
        // The page shows the recorded decision from now on.
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      } catch (e) {
        submit.disabled = false;
        failed(e);
      }
    });
    result.appendChild(
      h(
        'div',
        { class: 'submit-box' },
        h('p', { class: 'help' }, '试评估不记入决定记录。确认申请人情况无误后提交：决定将记入决定记录，办件不能再修改。'),
        submit,
      ),
    );
    result.dataset.seq = String(Number(result.dataset.seq ?? 0) + 1);
  }

  // Opened again with answers: show where the interview stands (nothing is recorded).
  if (Object.keys(c.answers).length > 0) form.element.requestSubmit();
}

function decidedView(main, c, rec, ruleset) {
  const d = rec.decision;
  const compare = h(
    'section',
    { class: 'case-outcome', 'aria-labelledby': 'co-h' },
    h('h2', { id: 'co-h' }, '办理结论'),
    h(
      'dl',
      { class: 'outcome-compare' },
      h('dt', {}, '系统结论'),
      h('dd', { dataset: { testid: 'machine-outcome' } }, c.machine?.display ?? outcomeLine(d)),
      c.override ? [h('dt', {}, '改判结论'), h('dd', { dataset: { testid: 'override-outcome' } }, c.override.display)] : null,
      c.override ? [h('dt', {}, '改判理由'), h('dd', {}, c.override.reason, h('span', { class: 'by' }, `　${c.override.by}，${formatDateTime(c.override.at)}`))] : null,
    ),
    h(
      'p',
      { class: 'result-actions' },
      h('a', { class: 'button primary', href: `#/cases/${encodeURIComponent(c.id)}/notice` }, d.status === 'undetermined' ? '打印补正告知书' : '打印决定书'),
      h('a', { class: 'button', href: `/v1/cases/${encodeURIComponent(c.id)}/notice.pdf`, 'data-pdf': 'true', onclick: (ev) => downloadPdf(ev, c) }, '下载 PDF'),
    ),
  );
  main.appendChild(compare);
  if (c.may_change && c.state !== 'closed') {
    main.appendChild(overrideForm(c, ruleset));
    const close = h('button', { type: 'button' }, '办结');
    close.addEventListener('click', async () => {
      close.disabled = true;
      try {
        await api.closeCase(c.id);
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      } catch (e) {
        close.disabled = false;
        close.after(h('p', { class: 'error', role: 'alert' }, `办结失败：${e.messageZh || e.message}`));
      }
    });
    main.appendChild(h('section', { class: 'close-box', 'aria-labelledby': 'close-h' }, h('h2', { id: 'close-h' }, '办结'), h('p', { class: 'help' }, '办结后办件不能再改判。'), close));
  }
  main.appendChild(h('h2', {}, '决定及理由'));
  main.appendChild(renderDecision(d, { ruleset, headingLevel: 3 }));
}

/** The PDF comes from the API with the caller's key, so it is fetched and handed to the browser as a file. */
async function downloadPdf(ev, c) {
  ev.preventDefault();
  // currentTarget is null once the handler has awaited: keep the link first.
  const link = ev.currentTarget;
  const { storedKey } = await import('../api.js');
  const res = await fetch(link.getAttribute('href'), { headers: { authorization: `Bearer ${storedKey()}` } });
  if (!res.ok) {
    link.after(h('p', { class: 'error', role: 'alert' }, '下载失败，请稍后再试。'));
    return;
  }
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: `${c.case_no}.pdf` });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function overrideForm(c, ruleset) {
  const choices = outcomeChoices(ruleset);
  const select = h('select', { id: 'ov-outcome', name: 'outcome' }, h('option', { value: '' }, '请选择'), choices.map((o) => h('option', { value: o.value }, o.label)));
  const reason = h('textarea', { id: 'ov-reason', rows: 3, maxlength: 2000 });
  const err = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const save = h('button', { type: 'submit', class: 'primary' }, '保存改判');
  const form = h(
    'form',
    { class: 'override-form', novalidate: true, 'aria-labelledby': 'ov-h' },
    h('h2', { id: 'ov-h' }, c.override ? '再次改判' : '改判'),
    h('p', { class: 'help' }, '经办人认为系统结论不当时，选择正确的结论并写明理由。系统结论保留在决定记录中，告知书和办件查询同时显示两者。'),
    h('div', { class: 'field' }, h('label', { for: 'ov-outcome' }, '改判结论'), select),
    h('div', { class: 'field' }, h('label', { for: 'ov-reason' }, '改判理由'), reason),
    err,
    h('div', { class: 'buttons' }, save),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    if (!select.value) return fail('请选择改判结论。', select);
    if (!reason.value.trim()) return fail('改判时必须填写理由。', reason);
    save.disabled = true;
    try {
      await api.overrideCase(c.id, select.value, reason.value.trim());
      announce('改判已保存。');
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (e) {
      save.disabled = false;
      fail(`保存失败：${e.messageZh || e.message}`, save);
    }
  });
  function fail(message, el) {
    err.textContent = message;
    err.hidden = false;
    el.focus();
  }
  return form;
}

export { caseOutcomeText };
