import type { FactInfo } from '../load/fact-catalogue.js';
import { toPlain, asDecimal, decimalText } from '../eval/decimal.js';
import { OPERATOR_ZH } from '../eval/operators.js';
import { withUnit, spaceBefore, spaceAfter } from '../../web/number-words.js';

/** How a value reads to a caseworker: enum labels, 是/否, units, at most displayDecimals decimals. */
export function renderValue(value: unknown, info?: { enumTitles?: Readonly<Record<string, string>>; unit?: string; displayDecimals?: number }): string {
  if (value === undefined || value === null) return '（未知）';
  const plain = toPlain(value);
  if (Array.isArray(plain)) return plain.map((v) => renderValue(v, info)).join('、') || '（无）';
  if (typeof plain === 'boolean') return info?.enumTitles?.[String(plain)] ?? (plain ? '是' : '否');
  const label = info?.enumTitles?.[String(plain)];
  if (label) return label;
  const text = info?.displayDecimals === undefined ? String(plain) : rounded(plain, info.displayDecimals);
  // 96.99%, 2 届, 12,345.50 元: one form with the web app's (web/number-words.js).
  return withUnit(text, info?.unit);
}

/** The display of a number with at most `places` decimals, half up; anything else unchanged. The value itself stays exact. */
function rounded(plain: unknown, places: number): string {
  if (typeof plain === 'string' && !/^-?\d+(\.\d+)?$/.test(plain)) return plain;
  const d = typeof plain === 'number' || typeof plain === 'string' ? asDecimal(plain) : undefined;
  if (!d) return String(plain);
  return decimalText(d.toDecimalPlaces(places, 4 /* ROUND_HALF_UP */));
}

/** "工作年限应大于或等于 2 年" / "住所类型不应属于 出租房屋". */
export function requirementText(info: FactInfo | undefined, fact: string, operator: string, expected: unknown, expectedFact: FactInfo | undefined, negated: boolean): string {
  const name = info?.title ?? fact;
  const op = OPERATOR_ZH[operator] ?? operator;
  // Compared with another fact: its title, and its value once it is known.
  const target = expectedFact
    ? expected === undefined || expected === null
      ? expectedFact.title
      : `${expectedFact.title}（${renderValue(expected, expectedFact)}）`
    : renderValue(expected, info);
  if (info?.kind === 'boolean' && operator === 'equal' && typeof expected === 'boolean') {
    return `${name}${negated ? '不应为' : '应为'}${renderValue(expected, info)}`;
  }
  return `${name}${negated ? '不应' : '应'}${op} ${target}`;
}

const TEMPLATE_SPLIT = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/;
/** Templates split once into text and names (odd positions): a rule set's few templates, rendered in every decision. */
const compiled = new Map<string, readonly string[]>();

export function renderTemplate(template: string, lookup: (name: string) => string): string {
  let parts = compiled.get(template);
  if (!parts) {
    parts = template.split(TEMPLATE_SPLIT);
    if (compiled.size >= 4096) compiled.clear();
    compiled.set(template, parts);
  }
  let out = parts[0] as string;
  for (let i = 1; i < parts.length; i += 2) {
    const value = lookup(parts[i] as string);
    const after = parts[i + 1] as string;
    // “连任{{n}}届” reads 连任 2 届 like every other number beside Chinese, whether or not the template spaced it.
    out += spaceBefore(out, value) + value + spaceAfter(value, after) + after;
  }
  return out;
}

/** How an output's value reads: its value titles, else the value with the output's unit. */
export function outputDisplay(def: { readonly 'x-value-titles'?: Readonly<Record<string, string>>; readonly 'x-unit'?: string; readonly 'x-display-decimals'?: number }, value: unknown): string {
  const titled = def['x-value-titles']?.[String(value)];
  if (titled !== undefined) return titled;
  const unit = def['x-unit'];
  const places = def['x-display-decimals'];
  return renderValue(value, unit || places !== undefined ? { ...(unit ? { unit } : {}), ...(places !== undefined ? { displayDecimals: places } : {}) } : undefined);
}
