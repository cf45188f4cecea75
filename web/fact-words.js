// What a fact's answer must look like, in words a caseworker reads (zh) and an
// integrator reads (en). One module for the server's facts check
// (src/eval/check-facts.ts) and the browser's (web/fact-check.js), so both say
// the same sentence; it lives under web/ because the browser can load only what
// the web app serves, and it is plain ES with no DOM so Node imports it too.

import { withUnit } from './number-words.js';

const BOOLEAN_ZH = '“是”或“否”';

/** The label a caseworker knows a fact by: its title, else its id (ids only where a rule set gives no title). */
export function factLabel(name, prop) {
  return (prop && typeof prop.title === 'string' && prop.title) || name;
}

function unitOf(prop) {
  return prop && typeof prop['x-unit'] === 'string' ? prop['x-unit'] : '';
}

/** A value that satisfies the schema, for "如 2". */
function exampleOf(prop) {
  const lo = typeof prop.minimum === 'number' ? prop.minimum : typeof prop.exclusiveMinimum === 'number' ? prop.exclusiveMinimum + 1 : undefined;
  const hi = typeof prop.maximum === 'number' ? prop.maximum : typeof prop.exclusiveMaximum === 'number' ? prop.exclusiveMaximum - 1 : undefined;
  let v = 2;
  if (lo !== undefined && v < lo) v = lo;
  if (hi !== undefined && v > hi) v = hi;
  return String(v);
}

/** The choices of an enum fact: by their titles for people, by value for systems. */
function choices(prop) {
  const titles = prop['x-enum-titles'] || {};
  return {
    zh: prop.enum.map((v) => titles[String(v)] || String(v)).join('、'),
    en: prop.enum.map((v) => JSON.stringify(v)).join(', '),
  };
}

/**
 * Expected form of an answer, as { zh, en }. `kind` is what was wrong: 'type'
 * (not the right kind of value), or a range / length keyword.
 */
export function expectedWords(prop, kind = 'type') {
  const p = prop || {};
  const unit = unitOf(p);
  const u = (n) => withUnit(String(n), unit);
  switch (kind) {
    case 'minimum':
      return { zh: `不小于 ${u(p.minimum)}`, en: `>= ${p.minimum}` };
    case 'maximum':
      return { zh: `不大于 ${u(p.maximum)}`, en: `<= ${p.maximum}` };
    case 'exclusiveMinimum':
      return { zh: `大于 ${u(p.exclusiveMinimum)}`, en: `> ${p.exclusiveMinimum}` };
    case 'exclusiveMaximum':
      return { zh: `小于 ${u(p.exclusiveMaximum)}`, en: `< ${p.exclusiveMaximum}` };
    case 'maxLength':
      return { zh: `不超过 ${p.maxLength} 个字`, en: `at most ${p.maxLength} characters` };
    case 'pattern':
      return { zh: typeof p['x-pattern-title'] === 'string' ? `符合格式：${p['x-pattern-title']}` : '符合规定的格式', en: `a string matching ${p.pattern}` };
    default:
      break;
  }
  if (Array.isArray(p.enum)) {
    const c = choices(p);
    return { zh: `以下之一：${c.zh}`, en: `one of ${c.en}` };
  }
  if (p.format === 'date') return { zh: '日期，如 2025-06-01 或 2025年6月1日', en: 'a date YYYY-MM-DD' };
  if (p.format === 'decimal') return { zh: `数字，如 ${u('1200.50')}`, en: 'a decimal number string' };
  switch (p.type) {
    case 'integer':
      return { zh: `整数，如 ${u(exampleOf(p))}`, en: 'integer' };
    case 'number':
      return { zh: `数字，如 ${u(exampleOf(p))}`, en: 'number' };
    case 'boolean':
      return { zh: BOOLEAN_ZH, en: 'boolean' };
    default:
      return { zh: '文字', en: 'string' };
  }
}

/** How a wrong answer is quoted back: as typed for people, as JSON for systems. */
export function foundWords(value) {
  if (value === undefined) return { zh: '（未填）', en: 'nothing' };
  if (typeof value === 'string') return { zh: value === '' ? '（空）' : value, en: JSON.stringify(value) };
  if (typeof value === 'boolean') return { zh: value ? '是' : '否', en: String(value) };
  if (value === null) return { zh: '（空）', en: 'null' };
  if (typeof value === 'object') return { zh: Array.isArray(value) ? '一组值' : '一组字段', en: Array.isArray(value) ? 'an array' : 'an object' };
  return { zh: String(value), en: String(value) };
}
