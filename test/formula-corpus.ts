/**
 * Formulas over facts a, b, c that both formula comparison tests run: against mathjs'
 * own BigNumber evaluation (formula-compiler) and against the fast plain-number path
 * (short-decimal). One list, so a formula added for one is tried by both.
 */
export const ARITHMETIC_FORMULAS = [
  'a + b * c',
  '(a - b) / c',
  'a * 0.8',
  'a * 20 / 100',
  '-a + +b',
  'mod(a, c)',
  'a % c',
  'c ^ 2',
  'max(0, ceil((a - 2000) / 1000)) + floor(b / 2000) + 2',
  'min(a, b, c)',
  'round(a / c, 2)',
  'round(a / 7)',
  'fix(-a / c)',
  'abs(b - a)',
  'a > b ? a - b : b - a',
  'a >= b and c <= 10 or not (a == b)',
  'a != b xor c < 0',
  'round(a * 0.7, 2) + round(a * 0.3, 2)',
] as const;
