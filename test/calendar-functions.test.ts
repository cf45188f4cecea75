import { describe, it, expect } from 'vitest';
import { compileFormula } from '../src/eval/formula.js';
import { toPlain } from '../src/eval/decimal.js';

/** Calendar functions rule formulas may call: month periods end on the corresponding day (民法典 202). */
function run(text: string, scope: Record<string, unknown> = {}): unknown {
  const compiled = compileFormula(text, (name) => name in scope);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  return toPlain(compiled.formula.evaluate(new Map(Object.entries(scope))));
}

describe('add_months', () => {
  const cases: [string, number, string][] = [
    ['2024-03-15', 1, '2024-04-15'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2023-01-31', 1, '2023-02-28'],
    ['2024-12-20', 1, '2025-01-20'],
    ['2024-05-31', 1, '2024-06-30'],
    ['2024-03-31', -1, '2024-02-29'],
    ['2024-02-29', 12, '2025-02-28'],
  ];
  for (const [date, n, expected] of cases) {
    it(`${date} + ${n} month(s) = ${expected}`, () => {
      expect(run('add_months(d, n)', { d: date, n })).toBe(expected);
    });
  }
  it('refuses a fractional number of months', () => {
    expect(() => run('add_months(d, 1.5)', { d: '2024-01-01' })).toThrow(/whole number/);
  });
});

describe('year_of', () => {
  it('gives the calendar year as a number', () => {
    expect(run('year_of(d)', { d: '2023-12-31' })).toBe('2023');
    expect(run('year_of(d) < year_of(e)', { d: '2023-12-31', e: '2024-01-01' })).toBe(true);
  });
  it('refuses a non-date', () => {
    expect(() => run('year_of(d)', { d: '2023-13-01' })).toThrow(/expected a date/);
  });
});
