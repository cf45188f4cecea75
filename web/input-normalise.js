// What Chinese input methods produce, turned into what the fact schema expects:
// full-width digits and punctuation, 万/元 on money, dates as 2025年6月1日.
// Only the web form normalises: the API takes JSON from systems and stays strict.
// Plain module with no DOM use, so the unit tests import it directly.

/** Full-width ASCII (U+FF01–U+FF5E) and the ideographic space to their ASCII forms. */
export function toHalfWidth(text) {
  return text.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

/** Multiply a plain decimal string by 10^4 by moving the point, so 1.5万 is exactly 15000 (no float). */
function timesTenThousand(decimal) {
  const negative = decimal.startsWith('-');
  const digits = negative || decimal.startsWith('+') ? decimal.slice(1) : decimal;
  const [whole = '', frac = ''] = digits.split('.');
  const padded = frac.padEnd(4, '0');
  const int = (whole + padded.slice(0, 4)).replace(/^0+(?=\d)/, '');
  const rest = padded.slice(4).replace(/0+$/, '');
  const out = rest ? `${int}.${rest}` : int;
  return negative && /[1-9]/.test(out) ? `-${out}` : out;
}

const PLAIN_DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * A number as typed: full-width forms, 。 typed for the point, thousands
 * separators (, ， 、 between digit groups); on money facts (x-unit 元) a 元
 * suffix is dropped and 万 multiplies by 10 000. Anything else is returned
 * as it was, for the check to report in the user's own terms.
 */
export function normaliseNumber(raw, { money = false } = {}) {
  let text = toHalfWidth(raw).trim().replace(/。/g, '.').replace(/\s+/g, '');
  text = text.replace(/(\d)[,、](?=\d{3}(\D|$))/g, '$1');
  if (money) {
    if (text.endsWith('元')) text = text.slice(0, -1);
    if (text.endsWith('万')) {
      const n = text.slice(0, -1);
      if (PLAIN_DECIMAL.test(n)) return timesTenThousand(n.startsWith('.') ? `0${n}` : n);
    }
  }
  return text;
}

/** 2025年6月1日 (and full-width 2025-6-1, 2025/6/1, 2025.6.1) to 2025-06-01; other text unchanged. */
export function normaliseDate(raw) {
  const text = toHalfWidth(raw).trim();
  const m = /^(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?$/.exec(text);
  if (!m) return text;
  return `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
}

/** The answer a form control holds, normalised for its fact's schema. */
export function normaliseAnswer(prop, raw) {
  if (typeof raw !== 'string' || !prop) return raw;
  if (prop.format === 'date') return normaliseDate(raw);
  if (prop.type === 'number' || prop.type === 'integer' || prop.format === 'decimal') return normaliseNumber(raw, { money: prop['x-unit'] === '元' });
  return raw;
}
