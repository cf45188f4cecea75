// How a number reads beside its unit, for the server's explanations (src/decision/render.ts)
// and the browser's screens alike, so a caseworker sees one form everywhere. Plain ES with
// no DOM under web/ for the same reason as fact-words.js: the browser loads only what the
// web app serves, and Node imports it too.
//
// The form (as GB/T 15835 and common zh-CN copy guides write it): a space between a number
// and a word unit (“2 届”, “800 元”), none before a sign unit (“96.99%”, “5‰”, “30°”);
// money (a unit with 元) groups thousands and shows a fraction to the fen (“12,345.50 元”).
// Only the text changes: the value stays exact, never a binary float.

const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** “12345.5” → “12,345.50”; anything that is not a plain decimal is returned unchanged. */
export function moneyText(text) {
  const m = PLAIN_DECIMAL.exec(text);
  if (!m) return text;
  const [, sign, whole, fraction] = m;
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  // A fraction shorter than the fen is padded; a longer one (an exact intermediate) is kept whole.
  const fen = fraction === undefined ? '' : `.${fraction.length === 1 ? `${fraction}0` : fraction}`;
  return `${sign}${grouped}${fen}`;
}

/** A number's text with its unit: “2 届”, “96.99%”, “12,345.50 元”. */
export function withUnit(text, unit) {
  if (!unit) return text;
  const shown = unit.includes('元') ? moneyText(text) : text;
  return /^[%‰°]/.test(unit) ? `${shown}${unit}` : `${shown} ${unit}`;
}

const isIdeograph = (code) => code >= 0x4e00 && code <= 0x9fff;
const isDigit = (code) => code >= 0x30 && code <= 0x39;

/**
 * The glue between template text and a value put into it: a space where Chinese meets a
 * number (“连任{{n}}” with 2 届 → “连任 2 届”, “{{rate}}的” with 96.99% → “96.99% 的”),
 * nothing otherwise, so “连任2 届” cannot arise from a template that wrote no space.
 */
export function spaceBefore(textBefore, value) {
  if (textBefore.length === 0 || value.length === 0) return '';
  const first = value.charCodeAt(value[0] === '-' ? 1 : 0);
  return isIdeograph(textBefore.charCodeAt(textBefore.length - 1)) && isDigit(first) ? ' ' : '';
}

export function spaceAfter(value, textAfter) {
  if (textAfter.length === 0 || value.length === 0) return '';
  const last = value[value.length - 1];
  return isIdeograph(textAfter.charCodeAt(0)) && (isDigit(last.charCodeAt(0)) || last === '%' || last === '‰') ? ' ' : '';
}
