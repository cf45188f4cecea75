import { describe, it, expect } from 'vitest';
import { compileFormula } from '../src/eval/formula.js';
import { math, isDecimal } from '../src/eval/decimal.js';
import { ARITHMETIC_FORMULAS } from './formula-corpus.js';

/**
 * Our formula evaluator runs mathjs' parse tree over decimal.js directly; it
 * must agree with mathjs' own BigNumber evaluation wherever mathjs is exact.
 */
const FORMULAS = ARITHMETIC_FORMULAS;

function rand(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('formula evaluation agrees with mathjs BigNumber evaluation', () => {
  const r = rand(42);
  const values = (): Record<string, string> => ({
    a: (Math.floor(r() * 2_000_000) / 100).toFixed(2),
    b: String(Math.floor(r() * 10_000) - 3000),
    c: String(1 + Math.floor(r() * 9)),
  });
  for (const text of FORMULAS) {
    it(text, () => {
      const compiled = compileFormula(text, () => true);
      expect(compiled.ok).toBe(true);
      if (!compiled.ok) return;
      const mathjs = math.compile(text);
      for (let i = 0; i < 200; i++) {
        const v = values();
        const ours = compiled.formula.evaluate(new Map(Object.entries(v).map(([k, x]) => [k, math.bignumber(x)])));
        const theirs = mathjs.evaluate(Object.fromEntries(Object.entries(v).map(([k, x]) => [k, math.bignumber(x)])));
        const show = (x: unknown) => (isDecimal(x) ? x.toFixed() : String(x));
        expect(show(ours), `${text} with ${JSON.stringify(v)}`).toBe(show(theirs));
      }
    });
  }

  it('differs on purpose: exact comparison, and division by zero is an error', () => {
    const eq = compileFormula('a == b', () => true);
    const div = compileFormula('a / b', () => true);
    if (!eq.ok || !div.ok) throw new Error('compile');
    const near = new Map([['a', math.bignumber('1.0000000000001')], ['b', math.bignumber('1')]]);
    expect(eq.formula.evaluate(near)).toBe(false);
    expect(math.evaluate('a == b', { a: near.get('a'), b: near.get('b') })).toBe(true);
    expect(() => div.formula.evaluate(new Map([['a', math.bignumber(1)], ['b', math.bignumber(0)]]))).toThrow(/division by zero/);
  });
});
