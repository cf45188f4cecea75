/**
 * Exact decimal arithmetic on plain JS numbers, where it is provably exact,
 * so that the common case of a formula (money with two decimals, counts,
 * shares such as 0.7) does not build decimal.js objects. Written by hand: no
 * library offers "double when exact, else decimal" with the proof below.
 *
 * The convention zhidu already uses for JSON numbers: a finite double x
 * denotes the decimal String(x) (its shortest round-trip text). A *short*
 * decimal is one with at most 15 significant digits (DBL_DIG), |m| < 10^15
 * when written m × 10^-s:
 *
 * - distinct short decimals round to distinct doubles, and rounding is
 *   monotonic, so comparing two doubles is comparing the decimals they
 *   denote (true for any finite doubles under the convention);
 * - m / 10^s with m < 2^53 and s ≤ 22 is one correctly rounded division of
 *   two exact doubles: the double nearest the decimal, which denotes it;
 * - the scale s of a short decimal is found by checking m / 10^s === x for
 *   m = round(x · 10^s), s = 0…15 (with |m| < 10^15 the product x · 10^s is
 *   within 0.25 of m, so the rounding finds it); integer arithmetic on m is
 *   then exact while every result stays below 2^53 (checked after the
 *   operation: if the true result is 2^53 or more, the rounded one is too).
 *   Aligning two scales multiplies the integer m, never x again.
 *
 * Each operation returns a number only when its exact decimal result is
 * short; otherwise it returns undefined and the caller computes in
 * decimal.js, which at 40 significant digits gives exactly the same value
 * whenever that value is short. test/short-decimal.test.ts checks every
 * operation against decimal.js on random and edge operands.
 */

const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** 10^15: the bound on the integer m of a short decimal. */
const SHORT = 1e15;

/** The scale s of x as a short decimal (m = x · 10^s an integer below 10^15), or -1. */
export function scaleOf(x: number): number {
  if (Number.isInteger(x)) return x > -SHORT && x < SHORT ? 0 : -1;
  if (!(x > -SHORT && x < SHORT)) return -1;
  for (let s = 1; s <= 15; s++) {
    const p = POW10[s] as number;
    const m = Math.round(x * p);
    if (m / p === x) return m > -SHORT && m < SHORT ? s : -1;
  }
  return -1;
}

/** m of x = m × 10^-s, for s = scaleOf(x) ≥ 0. */
function mantissa(x: number, s: number): number {
  return s === 0 ? x : Math.round(x * (POW10[s] as number));
}

/** The exact decimal m × 10^-s as a double, when it is short (and so has a scale scaleOf finds). */
function fromScaled(m: number, s: number): number | undefined {
  if (!(m > -SHORT && m < SHORT) || s > 15) return undefined;
  return s === 0 ? m : m / (POW10[s] as number);
}

/** The mantissas of a and b at their common (larger) scale, or undefined when that leaves the safe range. */
function aligned(a: number, b: number): [number, number, number] | undefined {
  const sa = scaleOf(a);
  const sb = scaleOf(b);
  if (sa < 0 || sb < 0) return undefined;
  const s = sa > sb ? sa : sb;
  const ma = mantissa(a, sa) * (POW10[s - sa] as number);
  const mb = mantissa(b, sb) * (POW10[s - sb] as number);
  if (!Number.isSafeInteger(ma) || !Number.isSafeInteger(mb)) return undefined;
  return [ma, mb, s];
}

export function addShort(a: number, b: number, sign: 1 | -1): number | undefined {
  const m = aligned(a, b);
  if (m === undefined) return undefined;
  return fromScaled(sign === 1 ? m[0] + m[1] : m[0] - m[1], m[2]);
}

export function mulShort(a: number, b: number): number | undefined {
  const sa = scaleOf(a);
  const sb = scaleOf(b);
  if (sa < 0 || sb < 0) return undefined;
  return fromScaled(mantissa(a, sa) * mantissa(b, sb), sa + sb);
}

/** a / b when the quotient is a terminating decimal that is short; b ≠ 0 is the caller's check. */
export function divShort(a: number, b: number): number | undefined {
  const sa = scaleOf(a);
  const sb = scaleOf(b);
  if (sa < 0 || sb < 0) return undefined;
  const ma = mantissa(a, sa);
  const mb = mantissa(b, sb);
  // a / b = (ma · 10^(sb+k) / mb) × 10^-(sa+k): find the least k making the division exact.
  for (let k = 0; k <= 15; k++) {
    const e = sb + k;
    if (e > 22) return undefined;
    const n = ma * (POW10[e] as number);
    if (!Number.isSafeInteger(n)) return undefined;
    // n / mb = (a / b) × 10^(sa+k), exact when it divides.
    if (n % mb === 0) return fromScaled(n / mb, sa + k);
  }
  return undefined;
}

/** a mod b, never negative: mathjs configures decimal.js with modulo mode EUCLID. b ≠ 0 is the caller's check. */
export function modShort(a: number, b: number): number | undefined {
  const m = aligned(a, b);
  if (m === undefined) return undefined;
  const r = m[0] % m[1];
  return fromScaled(r < 0 ? r + Math.abs(m[1]) : r, m[2]);
}

/** round(x, places), half away from zero (decimal.js ROUND_HALF_UP, as mathjs' BigNumber round). */
export function roundShort(x: number, places: number): number | undefined {
  if (!Number.isInteger(places) || places < 0 || places > 15) return undefined;
  const s = scaleOf(x);
  if (s < 0) return undefined;
  if (s <= places) return x;
  const m = mantissa(x, s);
  const unit = POW10[s - places] as number;
  const neg = m < 0;
  const abs = neg ? -m : m;
  const r = abs % unit;
  let q = (abs - r) / unit;
  if (r * 2 >= unit) q += 1;
  return fromScaled(neg ? -q : q, places);
}

/** Exact text without exponent, as decimal.js' toFixed() gives for the same value; undefined when String() would use an exponent. */
export function shortText(x: number): string | undefined {
  const t = String(x);
  if (t.includes('e')) return undefined;
  return t;
}
