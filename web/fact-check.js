// Client-side check of one answer against the rule set's input schema, worded with the
// API's own message templates (served from /app/messages.json), so a caseworker sees the
// same sentence whether the browser or the server caught the mistake.

import { normaliseAnswer } from './input-normalise.js';
import { expectedWords, factLabel, foundWords } from './fact-words.js';
import { DECIMAL_TEXT as DECIMAL } from './decimal-text.js';
import { withUnit } from './number-words.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INTEGER = /^-?\d+$/;

// Until /app/messages.json arrives: the catalogue's texts (src/errors/catalogue.ts).
let templates = {
  FACT_REQUIRED: { zh: '请填写“{key}”' },
  FACT_TYPE: { zh: '“{key}”须为{expected}；现填 {found}' },
  FACT_RANGE: { zh: '“{key}”须{expected}；现填 {found}' },
};

export function useTemplates(t) {
  if (t && typeof t === 'object') templates = { ...templates, ...t };
}

function format(code, params) {
  const t = templates[code]?.zh ?? code;
  return t.replace(/\{(key|expected|found|detail)\}/g, (_, name) => (params[name] === undefined ? '' : String(params[name])));
}


function isValidDate(s) {
  if (!DATE.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}


/**
 * raw: the string the control holds ('' = not answered).
 * Returns { empty: true } | { value } | { error } — value already converted to its JSON type.
 */
export function checkAnswer(name, prop, raw, required) {
  const key = factLabel(name, prop);
  const normalised = normaliseAnswer(prop, raw);
  const text = typeof normalised === 'string' ? normalised.trim() : normalised;
  if (text === '' || text === undefined || text === null) {
    return required ? { error: format('FACT_REQUIRED', { key }) } : { empty: true };
  }
  const typeError = () => ({ error: format('FACT_TYPE', { key, expected: expectedWords(prop).zh, found: foundWords(text).zh }) });
  const rangeError = (kind, value) => ({ error: format('FACT_RANGE', { key, expected: expectedWords(prop, kind).zh, found: foundWords(value).zh }) });

  if (Array.isArray(prop.enum)) {
    const hit = prop.enum.find((v) => String(v) === text);
    if (hit === undefined) return typeError();
    return { value: hit };
  }

  let value;
  switch (prop.type) {
    case 'boolean':
      if (text !== 'true' && text !== 'false') return typeError();
      return { value: text === 'true' };
    case 'integer':
      if (!INTEGER.test(text)) return typeError();
      value = Number(text);
      break;
    case 'number':
      if (!DECIMAL.test(text)) return typeError();
      value = Number(text);
      break;
    default:
      value = text;
      if (prop.format === 'date' && !isValidDate(text)) return typeError();
      if (prop.format === 'decimal' && !DECIMAL.test(text)) return typeError();
      if (prop.maxLength !== undefined && [...text].length > prop.maxLength) return rangeError('maxLength', text);
      // `pattern` is left to the server, which matches it with a linear-time
      // engine (RE2): the browser's backtracking RegExp would let a rule
      // file's `^(a+)+$` freeze the caseworker's tab on a 30-character answer.
      return { value };
  }
  const bounds = [
    ['minimum', (v, l) => v >= l],
    ['maximum', (v, l) => v <= l],
    ['exclusiveMinimum', (v, l) => v > l],
    ['exclusiveMaximum', (v, l) => v < l],
  ];
  for (const [kw, ok] of bounds) {
    if (typeof prop[kw] === 'number' && !ok(value, prop[kw])) return rangeError(kw, text);
  }
  return { value };
}

/** Human range text for a numeric question: "0 至 20 届". */
export function rangeText(prop) {
  const u = (n) => withUnit(String(n), prop['x-unit']);
  const lo = prop.minimum ?? prop.exclusiveMinimum;
  const hi = prop.maximum ?? prop.exclusiveMaximum;
  const loWord = prop.exclusiveMinimum !== undefined ? '（不含）' : '';
  const hiWord = prop.exclusiveMaximum !== undefined ? '（不含）' : '';
  if (lo !== undefined && hi !== undefined) return `${lo}${loWord} 至 ${u(hi)}${hiWord}`;
  if (lo !== undefined) return `${loWord ? '大于' : '不小于'} ${u(lo)}`;
  if (hi !== undefined) return `${hiWord ? '小于' : '不大于'} ${u(hi)}`;
  return '';
}
