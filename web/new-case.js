// Open a case file (办件) for a named applicant on a matter: name, identity card number
// (checked in the browser and again by the server), phone.

import { api } from './api.js';
import { h } from './dom.js';
import { go } from './navigate.js';

let seq = 0;

export function newCaseForm(rulesetId) {
  const n = ++seq;
  const id = (s) => `nc${n}-${s}`;
  const input = (name, attrs = {}) => h('input', { id: id(name), name, type: 'text', autocomplete: 'off', 'aria-describedby': `${id(name)}-err`, ...attrs });
  const name = input('name', { maxlength: 50 });
  const idNumber = input('id_number', { maxlength: 40, spellcheck: 'false' });
  const phone = input('phone', { maxlength: 30, inputmode: 'tel' });
  const errs = {};
  const field = (key, label, control, help, required) => {
    errs[key] = h('p', { class: 'field-error', id: `${id(key)}-err`, hidden: true });
    return h(
      'div',
      { class: 'field' },
      h('label', { for: id(key) }, label, required ? h('span', { class: 'req' }, '（必填）') : h('span', { class: 'opt' }, '（选填）')),
      help ? h('p', { class: 'help' }, help) : null,
      control,
      errs[key],
    );
  };
  const general = h('p', { class: 'error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'primary' }, '新建办件');
  const form = h(
    'form',
    { class: 'new-case', novalidate: true, 'aria-labelledby': id('h') },
    h('h2', { id: id('h') }, '新建办件'),
    h('p', { class: 'help' }, '先登记申请人，再逐项询问。询问过程自动保存为草稿，提交后才作出决定并记入决定记录。'),
    h(
      'div',
      { class: 'filters' },
      field('name', '申请人姓名', name, '按身份证填写', true),
      field('id_number', '公民身份号码', idNumber, '18 位，末位可为 X', true),
      field('phone', '联系电话', phone, '手机或带区号的固定电话', false),
    ),
    general,
    h('div', { class: 'buttons' }, button),
  );
  const show = (key, message) => {
    const el = errs[key];
    const control = { name, id_number: idNumber, phone }[key];
    el.textContent = message;
    el.hidden = false;
    control.setAttribute('aria-invalid', 'true');
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const [k, el] of Object.entries(errs)) {
      el.hidden = true;
      ({ name, id_number: idNumber, phone })[k].removeAttribute('aria-invalid');
    }
    general.hidden = true;
    let bad = null;
    if (!name.value.trim()) bad ??= (show('name', '请填写申请人姓名。'), name);
    if (!idNumber.value.trim()) bad ??= (show('id_number', '请填写公民身份号码。'), idNumber);
    if (bad) return bad.focus();
    button.disabled = true;
    try {
      const c = await api.createCase(rulesetId, { name: name.value, id_number: idNumber.value, ...(phone.value.trim() ? { phone: phone.value } : {}) });
      go(`#/cases/${encodeURIComponent(c.id)}`);
    } catch (e) {
      const key = { NAME_INVALID: 'name', ID_NUMBER_INVALID: 'id_number', PHONE_INVALID: 'phone' }[e.problem?.code];
      if (key) {
        show(key, e.messageZh);
        ({ name, id_number: idNumber, phone })[key].focus();
      } else {
        general.textContent = `新建失败：${e.messageZh || e.message}`;
        general.hidden = false;
      }
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
