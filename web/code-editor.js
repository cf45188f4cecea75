// A plain textarea over its own highlighted copy: typing, selection, undo and the keyboard stay
// the browser's own; the layer beneath shows the colours, and the gutter line numbers and findings.

import { h } from './dom.js';
import { renderLine } from './yaml-highlight.js';

const SEVERITY_ORDER = { error: 3, warning: 2, info: 1 };
const SEVERITY_ZH = { error: '错误', warning: '警告', info: '提示' };

export function createCodeEditor({ id, label, value = '', onInput }) {
  const gutter = h('div', { class: 'code-gutter', 'aria-hidden': 'true' });
  const layer = h('pre', { class: 'code-layer', 'aria-hidden': 'true' });
  const textarea = h('textarea', { id, class: 'code-input', spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', wrap: 'off', 'aria-label': label });
  textarea.value = value;
  const area = h('div', { class: 'code-area' }, layer, textarea);
  const element = h('div', { class: 'code-editor' }, gutter, area);
  let markers = new Map();
  let frame = 0;

  function paint() {
    frame = 0;
    const lines = textarea.value.split('\n');
    const doc = textarea.ownerDocument;
    const fragment = doc.createDocumentFragment();
    const numbers = doc.createDocumentFragment();
    lines.forEach((line, i) => {
      const div = renderLine(doc, line);
      const mark = markers.get(i + 1);
      const num = h('div', { class: 'gutter-line', dataset: { line: String(i + 1) } }, String(i + 1));
      if (mark) {
        div.classList.add(`line-${mark.severity}`);
        num.classList.add(`mark-${mark.severity}`);
        num.title = mark.messages.join('\n');
      }
      fragment.appendChild(div);
      numbers.appendChild(num);
    });
    layer.replaceChildren(fragment);
    gutter.replaceChildren(numbers);
    sync();
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(paint);
  }

  function sync() {
    layer.scrollTop = textarea.scrollTop;
    layer.scrollLeft = textarea.scrollLeft;
    gutter.scrollTop = textarea.scrollTop;
  }

  textarea.addEventListener('input', () => {
    schedule();
    onInput?.(textarea.value);
  });
  textarea.addEventListener('scroll', sync);
  // Tab indents (two spaces, as YAML wants); Escape then Tab leaves the editor, so the keyboard is never trapped.
  let escaped = false;
  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      escaped = true;
      return;
    }
    if (e.key === 'Tab' && !e.shiftKey && !escaped) {
      e.preventDefault();
      textarea.setRangeText('  ', textarea.selectionStart, textarea.selectionEnd, 'end');
      textarea.dispatchEvent(new Event('input'));
    }
    escaped = false;
  });
  paint();

  return {
    element,
    textarea,
    getValue: () => textarea.value,
    setValue(v) {
      textarea.value = v;
      schedule();
    },
    /** Findings by line: the most severe colours the line; every message is in the gutter's title. */
    setMarkers(findings) {
      markers = new Map();
      for (const f of findings) {
        const m = markers.get(f.line) ?? { severity: f.severity, messages: [] };
        if (SEVERITY_ORDER[f.severity] > SEVERITY_ORDER[m.severity]) m.severity = f.severity;
        m.messages.push(`${SEVERITY_ZH[f.severity] ?? f.severity}：${f.message}`);
        markers.set(f.line, m);
      }
      schedule();
    },
    /** Put the caret at the start of a line (1-based) and scroll it into view. */
    gotoLine(line, column = 1) {
      const lines = textarea.value.split('\n');
      let offset = 0;
      for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i].length + 1;
      offset += Math.max(0, column - 1);
      textarea.focus();
      textarea.setSelectionRange(offset, offset);
      const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
      textarea.scrollTop = Math.max(0, (line - 5) * lineHeight);
      sync();
    },
  };
}
