// The caseworker's own determination: agree with the decision, or record an override
// with a reason. Stored through the API, linked to the decision; it never alters the
// recorded decision.

import { api } from './api.js';
import { h, clear, announce, formatDateTime } from './dom.js';
import { can } from './session.js';
import { decisionRecord, latestDetermination } from './records.js';

let seq = 0;

export function determinationText(d) {
  if (!d) return '尚未复核';
  return d.agree ? '同意本决定' : `不同意（改判）：${d.reason ?? ''}`;
}

function who(d) {
  const by = d.by ?? d.caller ?? d.author ?? d.key_name ?? d.created_by;
  const name = typeof by === 'object' && by ? by.name ?? by.id : by;
  const at = formatDateTime(d.at ?? d.recorded_at ?? d.created_at ?? d.time);
  return [name, at].filter(Boolean).join('，');
}

/** History of determinations and, for roles that may, the form to add one. */
export function renderDeterminations(rec, { onSaved, headingLevel = 2 } = {}) {
  const n = ++seq;
  const box = h('section', { class: 'determinations', 'aria-labelledby': `det-h-${n}` });
  const draw = (record) => {
    clear(box);
    box.appendChild(h(`h${headingLevel}`, { id: `det-h-${n}` }, '经办人复核意见'));
    const list = record.determinations || [];
    if (list.length === 0) box.appendChild(h('p', { class: 'empty', dataset: { testid: 'no-determination' } }, '尚未记录复核意见。'));
    else {
      box.appendChild(
        h(
          'ol',
          { class: 'determination-list' },
          list.map((d, i) =>
            h(
              'li',
              { class: d.agree ? 'agree' : 'override', dataset: { current: String(i === list.length - 1) } },
              h('strong', {}, d.agree ? '同意' : '改判'),
              d.agree ? '：同意本决定' : `：${d.reason ?? ''}`,
              d.agree && d.reason ? `（${d.reason}）` : null,
              who(d) ? h('span', { class: 'by' }, `　${who(d)}`) : null,
              i < list.length - 1 ? h('span', { class: 'superseded' }, '（已被后一条意见取代）') : null,
            ),
          ),
        ),
      );
    }
    if (can('determine') && record.id) box.appendChild(determinationForm(record, n, draw, onSaved));
  };
  draw(rec);
  return box;
}

function determinationForm(rec, n, redraw, onSaved) {
  const agreeId = `det-${n}-agree`;
  const overrideId = `det-${n}-override`;
  const reasonId = `det-${n}-reason`;
  const errId = `det-${n}-err`;
  const agree = h('input', { type: 'radio', name: `det-${n}`, id: agreeId, value: 'agree' });
  const override = h('input', { type: 'radio', name: `det-${n}`, id: overrideId, value: 'override' });
  const reason = h('textarea', { id: reasonId, rows: 3, maxlength: 2000, 'aria-describedby': `${reasonId}-help ${errId}` });
  const err = h('p', { class: 'field-error', id: errId, hidden: true, role: 'alert' });
  const reasonHelp = h('p', { class: 'help', id: `${reasonId}-help` }, '改判时必须填写理由；同意时可不填。');
  const save = h('button', { type: 'submit', class: 'primary' }, latestDetermination(rec) ? '更新复核意见' : '保存复核意见');
  const fail = (msg, focusEl) => {
    err.textContent = msg;
    err.hidden = false;
    if (focusEl === reason) reason.setAttribute('aria-invalid', 'true');
    focusEl?.focus();
  };
  const form = h(
    'form',
    { class: 'determination-form', novalidate: true },
    h(
      'fieldset',
      { class: 'field choice' },
      h('legend', {}, '您对本决定的意见'),
      h('div', { class: 'choices' }, h('span', { class: 'choice-item' }, agree, h('label', { for: agreeId }, '同意')), h('span', { class: 'choice-item' }, override, h('label', { for: overrideId }, '不同意，改判'))),
    ),
    h('div', { class: 'field' }, h('label', { for: reasonId }, '复核理由'), reasonHelp, reason),
    err,
    h('div', { class: 'buttons' }, save),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    reason.removeAttribute('aria-invalid');
    if (!agree.checked && !override.checked) return fail('请选择“同意”或“不同意，改判”。', agree);
    const text = reason.value.trim();
    if (override.checked && !text) return fail('改判时必须填写理由。', reason);
    save.disabled = true;
    try {
      const prev = latestDetermination(rec);
      const res = await api.determine(rec.id, agree.checked, text || undefined, prev?.id);
      const updated = decisionRecord(res);
      const next = updated?.decision ? updated : { ...rec, determinations: [...(rec.determinations || []), res.determination ?? res] };
      next.id ??= rec.id;
      Object.assign(rec, next);
      redraw(rec);
      announce('复核意见已保存。');
      onSaved?.(rec);
    } catch (e) {
      fail(`保存失败：${e.messageZh || e.message}`, save);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}
