import { describe, it, expect } from 'vitest';
import { compileFormula } from '../src/eval/formula.js';
import { math, toDecimal, toPlain, isDecimal, decimalText } from '../src/eval/decimal.js';
import { ARITHMETIC_FORMULAS } from './formula-corpus.js';
import { addShort, mulShort, divShort, modShort, roundShort, scaleOf, shortText } from '../src/eval/short-decimal.js';

/**
 * The plain-number fast path of the compiled formulas must give exactly what
 * decimal.js gives (precision 40, half-up, Euclidean modulo, as mathjs
 * configures it) on every operand, or decline. Operands: short decimals of
 * every scale and size near the limits, plus doubles that are not short.
 */
const D = (math as unknown as { BigNumber: new (v: string) => import('../src/eval/decimal.js').Decimal }).BigNumber;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function operand(r: () => number): number {
  const kind = r();
  if (kind < 0.05) return [0, -0, 1, -1, 0.005, 0.1, 0.2, 0.3, 1e15 - 1, -(1e15 - 1), 2 ** 53, 1e-7, 123456789012.345][Math.floor(r() * 13)] as number;
  if (kind < 0.1) return r() * 1000 - 500; // a double with ~17 digits: not short
  const scale = Math.floor(r() * 7);
  const digits = 1 + Math.floor(r() * (kind < 0.3 ? 15 : 8));
  const m = Math.floor(r() * 10 ** digits) * (r() < 0.2 ? -1 : 1);
  return Number(toDecimal(m).div(10 ** scale).toFixed());
}

/** The decimal a double denotes under zhidu's convention: String(x). */
const dec = (x: number) => new D(String(x));

function same(fast: number | undefined, exact: () => import('../src/eval/decimal.js').Decimal, label: string, failures: string[]): boolean {
  if (fast === undefined) return false;
  const want = exact();
  // The double must denote exactly the decimal result (and be short, so it round-trips).
  if (!dec(fast).eq(want) || scaleOf(fast) < 0) failures.push(`${label}: fast ${fast}, decimal.js ${want.toFixed()}`);
  return true;
}

describe('short-decimal arithmetic', () => {
  it('agrees with decimal.js on every operation it takes, and takes most short operands', () => {
    const r = rng(20261204);
    const failures: string[] = [];
    const taken = { add: 0, mul: 0, div: 0, mod: 0, round: 0 };
    for (let i = 0; i < 40_000; i++) {
      const a = operand(r);
      const b = operand(r);
      if (same(addShort(a, b, 1), () => dec(a).plus(dec(b)), `${a} + ${b}`, failures)) taken.add++;
      same(addShort(a, b, -1), () => dec(a).minus(dec(b)), `${a} - ${b}`, failures);
      if (same(mulShort(a, b), () => dec(a).times(dec(b)), `${a} * ${b}`, failures)) taken.mul++;
      if (b !== 0) {
        if (same(divShort(a, b), () => dec(a).div(dec(b)), `${a} / ${b}`, failures)) taken.div++;
        if (same(modShort(a, b), () => dec(a).mod(dec(b)), `${a} mod ${b}`, failures)) taken.mod++;
      }
      const places = Math.floor(r() * 5);
      if (same(roundShort(a, places), () => dec(a).toDecimalPlaces(places), `round(${a}, ${places})`, failures)) taken.round++;
      // Comparing doubles is comparing the decimals they denote.
      if ((a < b) !== dec(a).lt(dec(b)) || (a === b) !== dec(a).eq(dec(b))) failures.push(`compare ${a} ${b}`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
    // The fast path is not vacuous: it took most operations on short operands.
    expect(taken.add).toBeGreaterThan(30_000);
    expect(taken.mul).toBeGreaterThan(10_000);
    expect(taken.div).toBeGreaterThan(1_000);
    expect(taken.round).toBeGreaterThan(30_000);
  });

  it('rounds half away from zero and keeps the Euclidean sign of mod', () => {
    expect(roundShort(2.345, 2)).toBe(2.35);
    expect(roundShort(-2.345, 2)).toBe(-2.35);
    expect(roundShort(-0.5, 0)).toBe(-1);
    expect(modShort(-4.5, 2)).toBe(1.5);
    expect(divShort(10000, 4)).toBe(2500);
    expect(divShort(1, 3)).toBeUndefined();
    expect(addShort(0.1, 0.2, 1)).toBe(0.3);
    expect(mulShort(1e8, 1e8)).toBeUndefined();
    expect(scaleOf(0.1 + 0.2)).toBe(-1);
    expect(shortText(1e-7)).toBeUndefined();
  });
});

/** Whole formulas: the slot-bound fast compilation against the decimal.js one, on the same facts. */
const FORMULAS = [
  ...ARITHMETIC_FORMULAS,
  'max(a, b) - min(a, c)',
  'round(a, 1) + round(b)',
  'a == b * c',
  'round(a / b * 100, 2)',
  'floor(a * 100 / (b + 0.005)) + 1',
  'b - (a - c)',
  'equalText(a, b)',
  'years_between(d, "2025-06-01") + a',
];

describe('fast formulas agree with the decimal.js formulas', () => {
  it.each(FORMULAS)('%s', (text) => {
    const known = (n: string) => ['a', 'b', 'c', 'd'].includes(n);
    const compiled = compileFormula(text, known);
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
    const f = compiled.formula;
    const slot = (n: string) => ['a', 'b', 'c', 'd'].indexOf(n);
    const fast = f.bind(slot);
    const r = rng(text.length * 7919);
    let compared = 0;
    for (let i = 0; i < 3_000; i++) {
      const a = operand(r);
      const b = operand(r);
      const c = r() < 0.5 ? operand(r) : Math.floor(r() * 20) - 5;
      const d = '2000-03-01';
      const outcome = (run: () => unknown): string => {
        try {
          const x = run();
          return JSON.stringify(typeof x === 'number' ? (shortText(x) ?? decimalText(toDecimal(x))) : isDecimal(x) ? decimalText(x) : toPlain(x));
        } catch (err) {
          return `error ${(err as Error).message}`;
        }
      };
      // The reference sees what the reference path's values map holds: decimals for numbers.
      const reference = outcome(() => f.evaluate(new Map<string, unknown>([['a', toDecimal(a)], ['b', toDecimal(b)], ['c', toDecimal(c)], ['d', d]])));
      const got = outcome(() => fast([a, b, c, d]));
      expect(got, `a=${a} b=${b} c=${c}`).toBe(reference);
      compared++;
    }
    expect(compared).toBe(3_000);
  });
});
