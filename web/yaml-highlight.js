// YAML syntax highlighting for the rule editor, written here (no library, nothing from a CDN):
// one line at a time into text nodes inside spans — never HTML — so a rule file cannot inject markup.

const KEY = /^(\s*(?:-\s+)?)([^\s#'"{}[\],:][^#{}[\],:]*?|"[^"]*"|'[^']*')(\s*:)(?=\s|$)/;
const SCALAR = /^(?:true|false|null|~)$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** Tokens of one line: [{text, cls}] where cls is '', 'key', 'str', 'num', 'kw', 'punct', 'comment', 'dash'. */
export function tokenizeLine(line) {
  const out = [];
  let rest = line;
  const key = KEY.exec(rest);
  if (key) {
    const [all, indent, name, colon] = key;
    const dash = indent.indexOf('-');
    if (dash >= 0) {
      out.push({ text: indent.slice(0, dash), cls: '' }, { text: '-', cls: 'dash' }, { text: indent.slice(dash + 1), cls: '' });
    } else out.push({ text: indent, cls: '' });
    out.push({ text: name, cls: 'key' }, { text: colon, cls: 'punct' });
    rest = rest.slice(all.length);
  } else {
    const m = /^(\s*)(-)(\s|$)/.exec(rest);
    if (m) {
      out.push({ text: m[1], cls: '' }, { text: '-', cls: 'dash' });
      rest = rest.slice(m[1].length + 1);
    }
  }
  value(rest, out);
  return out.filter((t) => t.text !== '');
}

function value(text, out) {
  let i = 0;
  let word = '';
  const flushWord = () => {
    if (!word) return;
    const trimmed = word.trim();
    const cls = NUMBER.test(trimmed) ? 'num' : SCALAR.test(trimmed) ? 'kw' : '';
    out.push({ text: word, cls });
    word = '';
  };
  while (i < text.length) {
    const ch = text[i];
    if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      flushWord();
      out.push({ text: text.slice(i), cls: 'comment' });
      return;
    }
    if (ch === '"' || ch === "'") {
      flushWord();
      let j = i + 1;
      while (j < text.length && text[j] !== ch) j += ch === '"' && text[j] === '\\' ? 2 : 1;
      out.push({ text: text.slice(i, j + 1), cls: 'str' });
      i = j + 1;
      continue;
    }
    if ('{}[],'.includes(ch)) {
      flushWord();
      out.push({ text: ch, cls: 'punct' });
      i += 1;
      continue;
    }
    if (ch === ':' && (i + 1 === text.length || /\s/.test(text[i + 1]))) {
      // A key inside a flow mapping: { fact: age, … }
      out.push({ text: word, cls: 'key' }, { text: ':', cls: 'punct' });
      word = '';
      i += 1;
      continue;
    }
    if (/\s/.test(ch) && word.trim() !== '') {
      flushWord();
    }
    word += ch;
    i += 1;
  }
  flushWord();
}

/** A highlighted line as DOM nodes. */
export function renderLine(doc, line) {
  const div = doc.createElement('div');
  div.className = 'code-line';
  for (const t of tokenizeLine(line)) {
    if (!t.cls) div.appendChild(doc.createTextNode(t.text));
    else {
      const span = doc.createElement('span');
      span.className = `tok-${t.cls}`;
      span.textContent = t.text;
      div.appendChild(span);
    }
  }
  // An empty line still takes its height.
  if (!div.firstChild) div.appendChild(doc.createTextNode('\u200b'));
  return div;
}
