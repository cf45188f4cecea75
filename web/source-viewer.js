// A citation opens the clause's text from the source document (GET /v1/sources), with
// the cited lines highlighted. A native <dialog>: Esc closes it and focus returns to
// the citation that opened it.

import { api } from './api.js';
import { h, clear } from './dom.js';

const CONTEXT = 2;

export function citationLabel(c) {
  if (!c) return '';
  const [a, b] = c.lines || [];
  const lines = a === undefined ? '' : a === b || b === undefined ? `第 ${a} 行` : `第 ${a}–${b} 行`;
  return `${c.clause}（${c.file} ${lines}）`;
}

/** A button that opens the cited clause. */
export function citationButton(citation) {
  if (!citation) return null;
  return h(
    'button',
    {
      type: 'button',
      class: 'citation',
      dataset: { file: citation.file, lines: (citation.lines || []).join('-') },
      title: '查看条文原文',
      onclick: (ev) => openCitation(citation, ev.currentTarget),
    },
    h('span', { class: 'visually-hidden' }, '依据：'),
    citation.clause,
  );
}

/** Normalise the API's answer to [{n, text}]. */
function linesOf(data, from) {
  const raw = data?.lines ?? data?.text ?? data;
  if (Array.isArray(raw)) {
    return raw.map((l, i) =>
      typeof l === 'string' ? { n: from + i, text: l } : { n: l.n ?? l.line ?? l.number ?? from + i, text: l.text ?? '' },
    );
  }
  if (typeof raw === 'string') return raw.split('\n').map((text, i) => ({ n: (data?.from ?? from) + i, text }));
  return [];
}

export async function openCitation(citation, opener) {
  const dialog = document.getElementById('source-dialog');
  const body = document.getElementById('source-body');
  const title = document.getElementById('source-title');
  const [first, last = first] = citation.lines || [1, 1];
  title.textContent = `条文原文：${citation.clause}`;
  clear(body).appendChild(h('p', { class: 'loading' }, '正在载入原文…'));
  if (!dialog.open) dialog.showModal();
  dialog.querySelector('[data-close]').focus();
  const restore = () => {
    dialog.removeEventListener('close', restore);
    if (opener && document.contains(opener)) opener.focus();
  };
  dialog.addEventListener('close', restore);

  const from = Math.max(1, first - CONTEXT);
  const to = last + CONTEXT;
  try {
    let data;
    try {
      data = await api.source(citation.file, from, to);
    } catch (e) {
      // Near the end of the file the context lines do not exist: show the cited lines alone.
      if (e.status !== 404) throw e;
      data = await api.source(citation.file, first, last);
    }
    const lines = linesOf(data, from);
    const doc = data?.document || data?.title;
    clear(body);
    body.appendChild(
      h(
        'p',
        { class: 'source-meta' },
        doc ? `《${doc}》 ` : '',
        `文件 ${citation.file}，引用第 ${first}${last !== first ? `–${last}` : ''} 行（高亮部分）。`,
      ),
    );
    const list = h('ol', { class: 'source-lines', start: lines[0]?.n ?? from });
    for (const l of lines) {
      const cited = l.n >= first && l.n <= last;
      const text = l.text === '' ? '\u00a0' : l.text;
      list.appendChild(
        h(
          'li',
          { value: l.n, class: cited ? 'cited' : 'context', dataset: { line: l.n } },
          cited ? h('mark', {}, h('span', { class: 'visually-hidden' }, '［引用］'), quoteMarked(text, citation.quote)) : text,
        ),
      );
    }
    body.appendChild(list);
    if (citation.quote) body.appendChild(h('p', { class: 'source-quote' }, '摘录：“', citation.quote, '”'));
    const firstCited = list.querySelector('li.cited');
    if (firstCited && typeof firstCited.scrollIntoView === 'function') firstCited.scrollIntoView({ block: 'center' });
  } catch (e) {
    clear(body).appendChild(h('p', { class: 'error', role: 'alert' }, `无法载入原文：${e.messageZh || e.message}`));
  }
}

/** Within a cited line, emphasise the rule's quoted excerpt as well. */
function quoteMarked(text, quote) {
  if (!quote) return text;
  const at = text.indexOf(quote);
  if (at < 0) return text;
  return [text.slice(0, at), h('strong', { class: 'quote' }, quote), text.slice(at + quote.length)];
}

export function initSourceDialog() {
  const dialog = document.getElementById('source-dialog');
  dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  // Click on the backdrop closes too.
  dialog.addEventListener('click', (ev) => {
    if (ev.target === dialog) dialog.close();
  });
}
