// A form generated from a rule set's input schema. Required facts are always asked;
// an optional fact is asked only when it matters: once the decision lists it as missing
// (in the order that settles the case fastest), when it is already answered, or when the
// caseworker chooses to see every question.

import { h, clear } from './dom.js';
import { checkAnswer, rangeText } from './fact-check.js';

const RADIO_LIMIT = 5;

let formSeq = 0;

export function buildFactForm(ruleset, { onSubmit }) {
  const seq = ++formSeq;
  const inputs = ruleset.inputs || { properties: {} };
  const required = new Set(inputs.required || []);
  const fields = new Map();
  let needed = []; // decision.missing, in order
  let evaluated = false;
  const hasRequired = required.size > 0;

  const summary = h('div', { class: 'error-summary', tabindex: '-1', hidden: true, 'aria-labelledby': `err-sum-${seq}` });
  const neededPanel = h('section', { class: 'needed-panel', hidden: true, 'aria-labelledby': `needed-h-${seq}`, tabindex: '-1' });
  const fieldBox = h('div', { class: 'fields' });
  const showAll = h('input', { type: 'checkbox', id: `show-all-${seq}` });
  const hiddenNote = h('p', { class: 'hidden-note', 'aria-live': 'polite' });
  const asOf = h('input', { type: 'date', id: `as-of-${seq}`, name: 'as_of', 'aria-describedby': `as-of-help-${seq}` });

  for (const [name, prop] of Object.entries(inputs.properties || {})) {
    const field = makeField(seq, name, prop, required.has(name));
    fields.set(name, field);
    fieldBox.appendChild(field.wrapper);
    field.onChange(() => {
      if (field.error) setError(field, null);
      refresh();
    });
  }

  const form = h(
    'form',
    { class: 'fact-form', novalidate: true, 'aria-label': `${ruleset.title}：申请人情况` },
    summary,
    neededPanel,
    fieldBox,
    h('p', { class: 'show-all' }, showAll, ' ', h('label', { for: `show-all-${seq}` }, '显示全部问题（包括当前不影响结论的问题）')),
    hiddenNote,
    h(
      'div',
      { class: 'form-actions' },
      h(
        'div',
        { class: 'as-of' },
        h('label', { for: `as-of-${seq}` }, '决定日期'),
        asOf,
        h('p', { class: 'help', id: `as-of-help-${seq}` }, '留空则按今天的日期，并适用当天施行的规则版本。'),
      ),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, '评估'), h('button', { type: 'reset' }, '清空')),
    ),
  );

  showAll.addEventListener('change', refresh);
  form.addEventListener('reset', () => {
    setTimeout(() => {
      for (const f of fields.values()) setError(f, null);
      needed = [];
      evaluated = false;
      summary.hidden = true;
      refresh();
    });
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const { facts, errors } = collect();
    if (errors.length > 0) {
      showErrors(errors);
      return;
    }
    clearErrors();
    onSubmit(facts, asOf.value || undefined);
  });

  /** Read every visible answer; hidden questions are not sent (they do not matter now). */
  function collect() {
    const facts = {};
    const errors = [];
    for (const f of fields.values()) {
      const r = checkAnswer(f.name, f.prop, f.read(), f.required);
      if (r.error) errors.push({ fact: f.name, message: r.error });
      else if (!r.empty && isVisible(f)) facts[f.name] = r.value;
    }
    return { facts, errors };
  }

  function isAnswered(f) {
    return f.read() !== '';
  }

  function isVisible(f) {
    if (f.required || showAll.checked || isAnswered(f)) return true;
    if (!evaluated) return !hasRequired;
    return needed.some((m) => m.fact === f.name);
  }

  function refresh() {
    let hidden = 0;
    for (const f of fields.values()) {
      const vis = isVisible(f);
      f.wrapper.hidden = !vis;
      if (!vis) hidden += 1;
      const idx = needed.findIndex((m) => m.fact === f.name);
      const stillNeeded = idx >= 0 && !isAnswered(f);
      f.wrapper.classList.toggle('needed', stillNeeded);
      f.badge.hidden = !stillNeeded;
      f.badge.textContent = stillNeeded ? `待答 ${idx + 1}` : '';
      // A question the decision waits for is not optional, whatever the schema says.
      f.reqMark.hidden = !f.required && idx >= 0;
    }
    hiddenNote.textContent =
      hidden === 0
        ? ''
        : evaluated
          ? `另有 ${hidden} 个问题对当前结论没有影响，已隐藏。`
          : `另有 ${hidden} 个问题将在评估后按需显示。`;
  }

  function setError(f, message) {
    f.error = message;
    f.errorEl.textContent = message || '';
    f.errorEl.hidden = !message;
    f.setInvalid(Boolean(message));
  }

  function clearErrors() {
    for (const f of fields.values()) setError(f, null);
    summary.hidden = true;
    clear(summary);
  }

  /** errors: [{fact, message}] — from the browser's check or the API's violations. */
  function showErrors(errors, title = '请更正以下内容后再评估') {
    clearErrors();
    const items = [];
    for (const e of errors) {
      const f = fields.get(e.fact);
      if (f) {
        setError(f, e.message);
        f.wrapper.hidden = false;
        items.push(h('li', {}, h('a', { href: `#${f.controlId}`, onclick: (ev) => focusField(ev, f) }, e.message)));
      } else {
        items.push(h('li', {}, e.message));
      }
    }
    summary.appendChild(h('h3', { id: `err-sum-${seq}` }, title));
    summary.appendChild(h('ul', {}, items));
    summary.hidden = false;
    summary.setAttribute('role', 'alert');
    summary.focus();
  }

  function focusField(ev, f) {
    ev.preventDefault();
    f.focus();
  }

  /**
   * Show the facts the decision still needs, in its order, and reveal those questions.
   * undetermined: they settle the headline outcome; decided: they settle other outputs (an amount).
   */
  function setNeeded(missing, status = 'undetermined') {
    evaluated = true;
    needed = Array.isArray(missing) ? missing : [];
    clear(neededPanel);
    if (needed.length > 0) {
      neededPanel.appendChild(h('h3', { id: `needed-h-${seq}` }, '还需询问'));
      neededPanel.appendChild(
        h(
          'p',
          {},
          status === 'undetermined'
            ? '结论尚待确定。请按以下顺序询问申请人（越靠前越能尽快作出决定）：'
            : '结论已确定，但以下事实还会影响其他结果（如金额），请按顺序询问：',
        ),
      );
      neededPanel.appendChild(
        h(
          'ol',
          { class: 'needed-list' },
          needed.map((m) => {
            const f = fields.get(m.fact);
            const label = m.title || f?.prop.title || m.fact;
            return h('li', { dataset: { fact: m.fact } }, f ? h('a', { href: `#${f.controlId}`, onclick: (ev) => focusField(ev, f) }, label) : label);
          }),
        ),
      );
      neededPanel.hidden = false;
    } else {
      neededPanel.hidden = true;
    }
    refresh();
  }

  function focusFirstNeeded() {
    const first = needed.map((m) => fields.get(m.fact)).find(Boolean);
    if (first) first.focus();
  }

  function fill(facts) {
    for (const [k, v] of Object.entries(facts || {})) fields.get(k)?.write(v);
    refresh();
  }

  refresh();
  return { element: form, collect, showErrors, clearErrors, setNeeded, focusFirstNeeded, fill, fields };
}

function optionsOf(prop) {
  if (prop.type === 'boolean' && !prop.enum) return [
    { value: 'true', label: '是' },
    { value: 'false', label: '否' },
  ];
  return (prop.enum || []).map((v) => ({ value: String(v), label: prop['x-enum-titles']?.[String(v)] ?? String(v) }));
}

function makeField(seq, name, prop, required) {
  const base = `f${seq}-${name}`;
  const helpId = `${base}-help`;
  const errId = `${base}-err`;
  const badge = h('span', { class: 'needed-badge', hidden: true });
  const reqMark = required ? h('span', { class: 'req' }, '（必填）') : h('span', { class: 'opt' }, '（选填）');
  const helpParts = [];
  if (prop.description) helpParts.push(prop.description);
  const range = prop.type === 'integer' || prop.type === 'number' ? rangeText(prop) : '';
  if (range) helpParts.push(`范围：${range}`);
  if (prop.format === 'date') helpParts.push('格式：年-月-日');
  const help = helpParts.length ? h('p', { class: 'help', id: helpId }, helpParts.join('　')) : null;
  const errorEl = h('p', { class: 'field-error', id: errId, hidden: true });
  const describedBy = [help ? helpId : null, errId].filter(Boolean).join(' ');
  const options = optionsOf(prop);
  const field = { name, prop, required, badge, reqMark, errorEl, error: null };

  if (options.length > 0 && options.length <= RADIO_LIMIT) {
    const groupName = `${base}-r`;
    const choices = required ? options : [...options, { value: '', label: '暂不回答' }];
    const radios = choices.map((o, i) =>
      h('input', { type: 'radio', name: groupName, id: `${base}-${i}`, value: o.value, checked: o.value === '' ? true : undefined, required: required || undefined }),
    );
    const legend = h('legend', {}, prop.title || name, reqMark, badge);
    const wrapper = h(
      'fieldset',
      { class: 'field choice', dataset: { fact: name }, 'aria-describedby': describedBy },
      legend,
      help,
      h('div', { class: 'choices' }, radios.map((r, i) => h('span', { class: 'choice-item' }, r, h('label', { for: r.id }, choices[i].label)))),
      errorEl,
    );
    Object.assign(field, {
      wrapper,
      controlId: radios[0].id,
      read: () => radios.find((r) => r.checked)?.value ?? '',
      write: (v) => {
        for (const r of radios) r.checked = r.value === String(v);
      },
      focus: () => (radios.find((r) => r.checked) || radios[0]).focus(),
      setInvalid: (bad) => {
        for (const r of radios) markInvalid(r, bad);
        wrapper.classList.toggle('invalid', bad);
      },
      onChange: (fn) => radios.forEach((r) => r.addEventListener('change', fn)),
    });
    return field;
  }

  let control;
  if (options.length > 0) {
    control = h(
      'select',
      { id: base, name, 'aria-describedby': describedBy, required: required || undefined },
      h('option', { value: '' }, required ? '请选择' : '暂不回答'),
      options.map((o) => h('option', { value: o.value }, o.label)),
    );
  } else {
    const numeric = prop.type === 'integer' || prop.type === 'number' || prop.format === 'decimal';
    control = h('input', {
      id: base,
      name,
      type: prop.format === 'date' ? 'date' : 'text',
      inputmode: numeric ? (prop.type === 'integer' ? 'numeric' : 'decimal') : undefined,
      autocomplete: 'off',
      'aria-describedby': describedBy,
      required: required || undefined,
      maxlength: prop.maxLength,
      class: numeric ? 'num' : undefined,
    });
  }
  const unit = prop['x-unit'] ? h('span', { class: 'unit', 'aria-hidden': 'true' }, prop['x-unit']) : null;
  const label = h('label', { for: base }, prop.title || name, unit ? h('span', { class: 'visually-hidden' }, `（单位：${prop['x-unit']}）`) : null, reqMark, badge);
  const wrapper = h('div', { class: 'field', dataset: { fact: name } }, label, help, h('div', { class: 'control' }, control, unit), errorEl);
  Object.assign(field, {
    wrapper,
    controlId: base,
    read: () => control.value,
    write: (v) => {
      control.value = v === null || v === undefined ? '' : String(v);
    },
    focus: () => control.focus(),
    setInvalid: (bad) => {
      markInvalid(control, bad);
      wrapper.classList.toggle('invalid', bad);
    },
    onChange: (fn) => {
      control.addEventListener('change', fn);
      control.addEventListener('input', fn);
    },
  });
  return field;
}

function markInvalid(el, bad) {
  if (bad) el.setAttribute('aria-invalid', 'true');
  else el.removeAttribute('aria-invalid');
}
