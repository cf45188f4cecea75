import { create, all, type BigNumber, type MathJsInstance } from 'mathjs';
import { DECIMAL_TEXT } from '../../web/decimal-text.js';

/**
 * One mathjs instance in BigNumber mode serves every formula: money and shares
 * are exact decimal (1880000 × 0.8 = 1504000 exactly, 0.1 + 0.2 = 0.3), never
 * binary floating point. Precision 40 significant digits covers any amount in
 * the documents with room for intermediate products.
 */
export const math: MathJsInstance = create(all as NonNullable<typeof all>, { number: 'BigNumber', precision: 40 });

export type Decimal = BigNumber;

export function isDecimal(value: unknown): value is Decimal {
  return math.isBigNumber(value);
}

export function isDecimalText(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL_TEXT.test(value);
}

const BigNumberOf = (math as unknown as { BigNumber: new (v: string) => Decimal }).BigNumber;
/**
 * Numbers already converted, bounded: the same literals and fact values are
 * converted in formula after formula, and each conversion parses a string.
 * Decimals are immutable, so sharing one between decisions is safe.
 */
const fromNumbers = new Map<number, Decimal>();

/** A JS number from JSON becomes the decimal it was written as (shortest round-trip text). */
export function toDecimal(value: number | string | Decimal): Decimal {
  if (isDecimal(value)) return value;
  if (typeof value === 'number') {
    let d = fromNumbers.get(value);
    if (d === undefined) {
      // The instance's own constructor, not math.bignumber(): same value and precision, without typed-function dispatch.
      d = new BigNumberOf(String(value));
      if (fromNumbers.size >= 4096) fromNumbers.clear();
      fromNumbers.set(value, d);
    }
    return d;
  }
  return new BigNumberOf(value);
}

export function asDecimal(value: unknown): Decimal | undefined {
  if (isDecimal(value)) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return toDecimal(value);
  if (isDecimalText(value)) return toDecimal(value);
  return undefined;
}

/** Exact text without exponent (1.5e+6 → "1500000"). */
export function decimalText(value: Decimal): string {
  return value.toFixed();
}

/** JSON-safe form of an evaluated value: decimals become exact strings. */
export function toPlain(value: unknown): unknown {
  if (isDecimal(value)) return decimalText(value);
  if (Array.isArray(value)) return value.map(toPlain);
  return value;
}
