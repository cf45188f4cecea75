import type { MathNode } from 'mathjs';
import { math, asDecimal, isDecimal, toDecimal, type Decimal } from './decimal.js';
import { parseDate, yearsBetween, monthsBetween, daysBetween, addDays, addMonths, formatDate, inDateRange, DATE_RANGE, type CalendarDate } from './calendar.js';
import { addShort, mulShort, divShort, modShort, roundShort, scaleOf } from './short-decimal.js';

/**
 * Formulas are text from rule files, so they are hostile: mathjs parses them
 * (we write no parser), and we then accept only an allow-list of node types,
 * operators and functions. No member access, assignment, function definition,
 * matrices or units — nothing can reach JavaScript globals or mathjs' own
 * `import`/`evaluate`. Each formula is compiled once per rule-set version.
 */
const ALLOWED_OPERATORS = new Set([
  'add', 'subtract', 'multiply', 'divide', 'mod', 'pow', 'unaryMinus', 'unaryPlus',
  'equal', 'unequal', 'smaller', 'larger', 'smallerEq', 'largerEq', 'and', 'or', 'not', 'xor',
]);

function requireDate(value: unknown, fn: string): CalendarDate {
  const date = parseDate(value);
  if (!date) throw new Error(`${fn}: expected a date YYYY-MM-DD, found ${JSON.stringify(value)}`);
  return date;
}

function requireInteger(value: unknown, fn: string): number {
  const d = asDecimal(value);
  if (!d || !d.isInteger()) throw new Error(`${fn}: expected a whole number, found ${String(value)}`);
  return d.toNumber();
}

/** A date past 9999-12-31 (or before 1000) is refused: as text it would no longer compare as a date. */
function inRange(date: CalendarDate, fn: string): CalendarDate {
  if (!Number.isFinite(date.y) || !inDateRange(date)) throw new Error(`${fn}：结果日期超出 ${DATE_RANGE.min} 至 ${DATE_RANGE.max} (${fn}: date outside ${DATE_RANGE.min}..${DATE_RANGE.max})`);
  return date;
}

/** Date functions the documents need (ages, years of work, deadlines): completed units, like 周岁. */
const CALENDAR_FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  years_between: (a, b) => toDecimal(yearsBetween(requireDate(a, 'years_between'), requireDate(b, 'years_between'))),
  months_between: (a, b) => toDecimal(monthsBetween(requireDate(a, 'months_between'), requireDate(b, 'months_between'))),
  days_between: (a, b) => toDecimal(daysBetween(requireDate(a, 'days_between'), requireDate(b, 'days_between'))),
  add_days: (a, n) => formatDate(inRange(addDays(requireDate(a, 'add_days'), requireInteger(n, 'add_days')), 'add_days')),
  add_months: (a, n) => formatDate(inRange(addMonths(requireDate(a, 'add_months'), requireInteger(n, 'add_months')), 'add_months')),
  year_of: (a) => toDecimal(requireDate(a, 'year_of').y),
};


export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  'min', 'max', 'round', 'floor', 'ceil', 'abs', 'fix', 'mod', 'equalText',
  ...Object.keys(CALENDAR_FUNCTIONS),
]);

export interface CompiledFormula {
  readonly text: string;
  /** Fact names the formula reads. */
  readonly symbols: readonly string[];
  evaluate(scope: ReadonlyMap<string, unknown>): unknown;
  /**
   * The same formula over a values array (slot per fact), with exact
   * arithmetic on plain numbers where it is provably exact
   * (src/eval/short-decimal.ts). Its result may be a JS number (denoting the
   * decimal String(n)) where evaluate() gives a decimal; the value is the same.
   */
  bind(slotOf: (name: string) => number): SlotFormula;
}

/** A formula bound to fact slots: reads v[slot], returns a decimal, a JS number, a boolean or a string. */
export type SlotFormula = (v: readonly unknown[]) => unknown;

export type FormulaProblem =
  | { kind: 'syntax'; detail: string }
  | { kind: 'forbidden'; found: string }
  | { kind: 'undeclared'; found: string }
  | { kind: 'constant'; found: string; detail: string };

/**
 * Bounds on what one formula may cost or make. Formulas in the documents are
 * short and their amounts far below 10^30; without bounds `10 ^ 1000000000`
 * validated clean and printing its result exhausted the heap, and a 200,000-term
 * sum blocked the parser for seconds before overflowing the stack.
 */
export const FORMULA_LIMITS = {
  /** Characters of formula text. */
  maxLength: 2000,
  /** Nesting of parentheses and brackets, checked by a linear scan before parsing. */
  maxNesting: 32,
  /** Every number made or read by arithmetic has magnitude below 10^maxMagnitude, and is 0 or at least 10^-maxMagnitude. */
  maxMagnitude: 30,
  /** |exponent| of `^`. */
  maxPower: 1000,
  /** Decimal places of round(x, n). */
  maxRoundDigits: 30,
} as const;

function checkText(text: string): string | undefined {
  if (text.length > FORMULA_LIMITS.maxLength) return `公式过长：${text.length} 个字符，上限 ${FORMULA_LIMITS.maxLength} (formula longer than ${FORMULA_LIMITS.maxLength} characters)`;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91) {
      depth += 1;
      if (depth > FORMULA_LIMITS.maxNesting) return `括号嵌套过深：上限 ${FORMULA_LIMITS.maxNesting} 层 (parentheses nested deeper than ${FORMULA_LIMITS.maxNesting})`;
    } else if (c === 41 || c === 93) {
      depth -= 1;
    }
  }
  return undefined;
}

export function compileFormula(
  text: string,
  known: (name: string) => boolean,
): { ok: true; formula: CompiledFormula } | { ok: false; problems: FormulaProblem[] } {
  const tooBig = checkText(text);
  if (tooBig) return { ok: false, problems: [{ kind: 'syntax', detail: tooBig }] };
  let root: MathNode;
  try {
    root = math.parse(text);
  } catch (err) {
    return { ok: false, problems: [{ kind: 'syntax', detail: (err as Error).message }] };
  }
  const problems: FormulaProblem[] = [];
  const symbols = new Set<string>();
  root.traverse((node: MathNode, path: string, parent: MathNode | null) => {
    switch (node.type) {
      case 'ConstantNode':
      case 'ParenthesisNode':
      case 'ConditionalNode':
        return;
      case 'OperatorNode': {
        const fn = (node as unknown as { fn: string }).fn;
        if (!ALLOWED_OPERATORS.has(fn)) problems.push({ kind: 'forbidden', found: (node as unknown as { op: string }).op });
        return;
      }
      case 'FunctionNode': {
        const fnNode = (node as unknown as { fn: MathNode }).fn;
        const name = fnNode.type === 'SymbolNode' ? (fnNode as unknown as { name: string }).name : fnNode.type;
        if (!ALLOWED_FUNCTIONS.has(name)) problems.push({ kind: 'forbidden', found: name });
        return;
      }
      case 'SymbolNode': {
        if (parent?.type === 'FunctionNode' && path === 'fn') return;
        const name = (node as unknown as { name: string }).name;
        if (!known(name)) problems.push({ kind: 'undeclared', found: name });
        symbols.add(name);
        return;
      }
      default:
        problems.push({ kind: 'forbidden', found: node.type });
    }
  });
  if (problems.length > 0) return { ok: false, problems };
  checkConstants(root, problems);
  if (problems.length > 0) return { ok: false, problems };
  const run = compileNode(root);
  return {
    ok: true,
    formula: {
      text,
      symbols: [...symbols],
      evaluate(scope) {
        return normalise(run(scope));
      },
      bind(slotOf) {
        const fast = compileFast(root, slotOf);
        return (v) => normaliseFast(fast(v));
      },
    },
  };
}

/**
 * What reads no fact can be decided when the rule set loads: each largest
 * part of the formula without a symbol (`10 ^ 1000000000`, `0 ^ -1`, `1 / 0`,
 * a literal 1e40) is evaluated once under the same bounds, and a failure
 * refuses the rule file instead of every decision that reaches it.
 */
function checkConstants(node: MathNode, problems: FormulaProblem[]): void {
  if (readsNoFact(node)) {
    if (node.type === 'ConstantNode' && typeof (node as unknown as { value: unknown }).value === 'string') return;
    try {
      normalise(compileNode(node)(new Map()));
    } catch (err) {
      problems.push({ kind: 'constant', found: node.toString({ handler: plainConstants }), detail: (err as Error).message });
    }
    return;
  }
  node.forEach((child: MathNode, path: string) => {
    if (node.type === 'FunctionNode' && path === 'fn') return;
    checkConstants(child, problems);
  });
}

/** Constants as written (1000000000, not mathjs' 1e+9), except those too long to print. */
function plainConstants(node: MathNode): string | undefined {
  const v = node.type === 'ConstantNode' ? (node as unknown as { value: unknown }).value : undefined;
  if (!isDecimal(v) || !v.isFinite()) return undefined;
  const e = (v as unknown as { e: number }).e;
  return Math.abs(e) < 40 ? v.toFixed() : undefined;
}

function readsNoFact(node: MathNode): boolean {
  let found = false;
  node.traverse((n: MathNode, path: string, parent: MathNode | null) => {
    if (n.type === 'SymbolNode' && !(parent?.type === 'FunctionNode' && path === 'fn')) found = true;
  });
  return !found;
}

/** Numbers outside the bounds are refused, never rounded to something else. */
function bounded(d: Decimal, what: string): Decimal {
  if (!d.isFinite()) throw new Error(`${what}：结果不是有限数 (${what}: result is not a finite number)`);
  if (!d.isZero()) {
    const e = (d as unknown as { e: number }).e;
    if (e >= FORMULA_LIMITS.maxMagnitude) throw new Error(`${what}：数值过大，绝对值须小于 1e${FORMULA_LIMITS.maxMagnitude} (${what}: magnitude 1e${FORMULA_LIMITS.maxMagnitude} or more)`);
    if (e < -FORMULA_LIMITS.maxMagnitude) throw new Error(`${what}：数值过小，非零值的绝对值须不小于 1e-${FORMULA_LIMITS.maxMagnitude} (${what}: non-zero magnitude below 1e-${FORMULA_LIMITS.maxMagnitude})`);
  }
  return d;
}

function power(a: unknown, b: unknown): Decimal {
  const base = num(a, '^');
  const exponent = num(b, '^');
  if (exponent.abs().gt(FORMULA_LIMITS.maxPower)) throw new Error(`^：指数 ${exponent.toString()} 超出范围，绝对值上限 ${FORMULA_LIMITS.maxPower} (^: exponent beyond ±${FORMULA_LIMITS.maxPower})`);
  if (base.isZero() && exponent.isNegative()) throw new Error('^：0 不能取负数次幂 (zero to a negative power)');
  if (base.isNegative() && !exponent.isInteger()) throw new Error('^：负数不能取非整数次幂 (negative base to a fractional power)');
  return bounded(base.pow(exponent), '^');
}

function roundTo(args: unknown[]): Decimal {
  const x = num(args[0], 'round');
  if (args.length < 2) return x.round();
  const digits = num(args[1], 'round');
  if (!digits.isInteger() || digits.isNegative() || digits.gt(FORMULA_LIMITS.maxRoundDigits)) {
    throw new Error(`round：小数位数须为 0 至 ${FORMULA_LIMITS.maxRoundDigits} 的整数，现为 ${digits.toString()} (round: places must be a whole number 0–${FORMULA_LIMITS.maxRoundDigits})`);
  }
  return x.toDecimalPlaces(digits.toNumber());
}

/**
 * mathjs parses and we validate its tree (above); evaluation then runs as
 * closures over decimal.js (the Decimal class mathjs itself uses, same
 * precision and half-up rounding). Written by hand because mathjs' own
 * compiled evaluation dispatches every operator through typed-function and
 * cost ~14 µs a formula — most of an explained decision. Two deliberate
 * differences from mathjs: comparisons are exact (mathjs treats values within
 * a relative 1e-12 as equal), and dividing by zero is an error, not Infinity.
 * test/formula-compiler.test.ts checks agreement with mathjs on the rest.
 */
type Run = (scope: ReadonlyMap<string, unknown>) => unknown;

const BigNumber = (math as unknown as { BigNumber: new (v: string | number) => Decimal }).BigNumber;

function num(v: unknown, what: string): Decimal {
  if (isDecimal(v)) return v;
  if (typeof v === 'number') return toDecimal(v);
  const d = asDecimal(v);
  if (d) return d;
  throw new Error(`${what}: expected a number, found ${JSON.stringify(v)}`);
}

function truthy(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (isDecimal(v)) return !v.isZero();
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  return Boolean(v);
}

function same(a: unknown, b: unknown): boolean {
  if (isDecimal(a) || isDecimal(b) || typeof a === 'number' || typeof b === 'number') {
    const da = asDecimal(a);
    const db = asDecimal(b);
    if (da && db) return da.eq(db);
  }
  return a === b;
}

const BINARY: Record<string, (a: unknown, b: unknown) => unknown> = {
  add: (a, b) => bounded(num(a, '+').plus(num(b, '+')), '+'),
  subtract: (a, b) => bounded(num(a, '-').minus(num(b, '-')), '-'),
  multiply: (a, b) => bounded(num(a, '*').times(num(b, '*')), '*'),
  divide: (a, b) => {
    const d = num(b, '/');
    if (d.isZero()) throw new Error('division by zero');
    return bounded(num(a, '/').div(d), '/');
  },
  mod: (a, b) => {
    const d = num(b, 'mod');
    if (d.isZero()) throw new Error('modulo by zero');
    return num(a, 'mod').mod(d);
  },
  pow: power,
  equal: (a, b) => same(a, b),
  unequal: (a, b) => !same(a, b),
  smaller: (a, b) => num(a, '<').lt(num(b, '<')),
  larger: (a, b) => num(a, '>').gt(num(b, '>')),
  smallerEq: (a, b) => num(a, '<=').lte(num(b, '<=')),
  largerEq: (a, b) => num(a, '>=').gte(num(b, '>=')),
  xor: (a, b) => truthy(a) !== truthy(b),
};

const FUNCTIONS: Record<string, (args: unknown[]) => unknown> = {
  min: (args) => args.map((a) => num(a, 'min')).reduce((x, y) => (y.lt(x) ? y : x)),
  max: (args) => args.map((a) => num(a, 'max')).reduce((x, y) => (y.gt(x) ? y : x)),
  round: roundTo,
  floor: (args) => num(args[0], 'floor').floor(),
  ceil: (args) => num(args[0], 'ceil').ceil(),
  abs: (args) => num(args[0], 'abs').abs(),
  fix: (args) => num(args[0], 'fix').trunc(),
  mod: (args) => BINARY.mod!(args[0], args[1]),
  equalText: (args) => String(args[0]) === String(args[1]),
  ...Object.fromEntries(Object.entries(CALENDAR_FUNCTIONS).map(([name, fn]) => [name, (args: unknown[]) => fn(...args)])),
};

function compileNode(node: MathNode): Run {
  const n = node as unknown as Record<string, unknown>;
  switch (node.type) {
    case 'ConstantNode': {
      const v = n.value;
      const value = typeof v === 'number' ? new BigNumber(String(v)) : v;
      if (isDecimal(value)) bounded(value, value.toString());
      return () => value;
    }
    case 'ParenthesisNode':
      return compileNode(n.content as MathNode);
    case 'SymbolNode': {
      const name = n.name as string;
      return (scope) => {
        const v = scope.get(name);
        return typeof v === 'number' ? toDecimal(v) : v;
      };
    }
    case 'ConditionalNode': {
      const c = compileNode(n.condition as MathNode);
      const t = compileNode(n.trueExpr as MathNode);
      const f = compileNode(n.falseExpr as MathNode);
      return (scope) => (truthy(c(scope)) ? t(scope) : f(scope));
    }
    case 'OperatorNode': {
      const fn = n.fn as string;
      const args = (n.args as MathNode[]).map(compileNode);
      const [a, b] = args as [Run, Run];
      switch (fn) {
        case 'unaryMinus':
          return (scope) => num(a(scope), '-').neg();
        case 'unaryPlus':
          return (scope) => num(a(scope), '+');
        case 'not':
          return (scope) => !truthy(a(scope));
        case 'and':
          return (scope) => truthy(a(scope)) && truthy(b(scope));
        case 'or':
          return (scope) => truthy(a(scope)) || truthy(b(scope));
        default: {
          const op = BINARY[fn];
          if (!op) throw new Error(`operator ${fn} is not allowed`);
          return (scope) => op(a(scope), b(scope));
        }
      }
    }
    case 'FunctionNode': {
      const name = ((n.fn as Record<string, unknown>).name as string) ?? '';
      const impl = FUNCTIONS[name];
      if (!impl) throw new Error(`function ${name} is not allowed`);
      const args = (n.args as MathNode[]).map(compileNode);
      return (scope) => impl(args.map((f) => f(scope)));
    }
    default:
      throw new Error(`${node.type} is not allowed`);
  }
}

function normalise(value: unknown): unknown {
  if (isDecimal(value) || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return toDecimal(value);
  if (value !== null && typeof value === 'object' && 'toArray' in value) {
    return (value as { toArray(): unknown[] }).toArray().map(normalise);
  }
  throw new Error(`formula produced an unsupported value: ${String(value)}`);
}

/**
 * The slot-bound compilation: each operator first tries the exact
 * plain-number path when both operands are JS numbers, and otherwise (or
 * when the exact result would not be short) does what compileNode does, with
 * the same decimal.js operations and the same error messages.
 */
type FastRun = (v: readonly unknown[]) => unknown;

/** A constant as a plain number when it is a short decimal (same value), else as parsed. */
function fastConstant(v: unknown): unknown {
  if (typeof v === 'number') return scaleOf(v) >= 0 ? v : new BigNumber(String(v));
  if (isDecimal(v) && v.isFinite()) {
    const n = Number(v.toString());
    if (scaleOf(n) >= 0 && toDecimal(n).eq(v)) return n;
  }
  return v;
}

const CALENDAR_RAW: Record<string, (args: unknown[]) => unknown> = {
  years_between: (args) => yearsBetween(requireDate(args[0], 'years_between'), requireDate(args[1], 'years_between')),
  months_between: (args) => monthsBetween(requireDate(args[0], 'months_between'), requireDate(args[1], 'months_between')),
  days_between: (args) => daysBetween(requireDate(args[0], 'days_between'), requireDate(args[1], 'days_between')),
  year_of: (args) => requireDate(args[0], 'year_of').y,
};

function compileFast(node: MathNode, slotOf: (name: string) => number): FastRun {
  const n = node as unknown as Record<string, unknown>;
  switch (node.type) {
    case 'ConstantNode': {
      const value = fastConstant(n.value);
      return () => value;
    }
    case 'ParenthesisNode':
      return compileFast(n.content as MathNode, slotOf);
    case 'SymbolNode': {
      const slot = slotOf(n.name as string);
      return (v) => v[slot];
    }
    case 'ConditionalNode': {
      const c = compileFast(n.condition as MathNode, slotOf);
      const t = compileFast(n.trueExpr as MathNode, slotOf);
      const f = compileFast(n.falseExpr as MathNode, slotOf);
      return (v) => (truthy(c(v)) ? t(v) : f(v));
    }
    case 'OperatorNode': {
      const fn = n.fn as string;
      const args = (n.args as MathNode[]).map((a) => compileFast(a, slotOf));
      const [a, b] = args as [FastRun, FastRun];
      switch (fn) {
        case 'unaryMinus':
          return (v) => {
            const x = a(v);
            return typeof x === 'number' ? -x : num(x, '-').neg();
          };
        case 'unaryPlus':
          return (v) => {
            const x = a(v);
            return typeof x === 'number' ? x : num(x, '+');
          };
        case 'not':
          return (v) => !truthy(a(v));
        case 'and':
          return (v) => truthy(a(v)) && truthy(b(v));
        case 'or':
          return (v) => truthy(a(v)) || truthy(b(v));
        default: {
          const op = BINARY[fn];
          if (!op) throw new Error(`operator ${fn} is not allowed`);
          const fast = FAST_BINARY[fn];
          if (!fast) return (v) => op(a(v), b(v));
          return (v) => {
            const x = a(v);
            const y = b(v);
            if (typeof x === 'number' && typeof y === 'number') {
              const r = fast(x, y);
              if (r !== undefined) return r;
            }
            return op(x, y);
          };
        }
      }
    }
    case 'FunctionNode': {
      const name = ((n.fn as Record<string, unknown>).name as string) ?? '';
      const impl = FUNCTIONS[name];
      if (!impl) throw new Error(`function ${name} is not allowed`);
      const args = (n.args as MathNode[]).map((a) => compileFast(a, slotOf));
      const calendar = CALENDAR_RAW[name];
      if (calendar) return (v) => calendar(args.map((f) => asReference(f(v))));
      const fast = FAST_FUNCTIONS[name];
      if (name === 'equalText') {
        // String() of a decimal and of a double may differ in form; compare as the reference does.
        return (v) => impl(args.map((f) => asReference(f(v))));
      }
      return (v) => {
        const values = args.map((f) => f(v));
        if (fast) {
          const r = fast(values);
          if (r !== undefined) return r;
        }
        return impl(values);
      };
    }
    default:
      throw new Error(`${node.type} is not allowed`);
  }
}

/** A JS number as the reference path holds it: the decimal it denotes. */
function asReference(v: unknown): unknown {
  return typeof v === 'number' ? toDecimal(v) : v;
}

/** Exact on two JS numbers, or undefined to take the decimal path (which also throws the errors). */
const FAST_BINARY: Record<string, (a: number, b: number) => unknown> = {
  add: (a, b) => addShort(a, b, 1),
  subtract: (a, b) => addShort(a, b, -1),
  multiply: (a, b) => mulShort(a, b),
  divide: (a, b) => (b === 0 ? undefined : divShort(a, b)),
  mod: (a, b) => (b === 0 ? undefined : modShort(a, b)),
  // Comparing two doubles is comparing the decimals they denote (short-decimal.ts).
  equal: (a, b) => a === b,
  unequal: (a, b) => a !== b,
  smaller: (a, b) => a < b,
  larger: (a, b) => a > b,
  smallerEq: (a, b) => a <= b,
  largerEq: (a, b) => a >= b,
};

function allNumbers(values: readonly unknown[]): values is number[] {
  for (const x of values) if (typeof x !== 'number') return false;
  return values.length > 0;
}

/** Functions with an exact plain-number path; undefined falls back to FUNCTIONS. */
const FAST_FUNCTIONS: Record<string, (args: unknown[]) => unknown> = {
  min: (args) => {
    if (!allNumbers(args)) return undefined;
    let m = args[0] as number;
    for (const x of args) if (x < m) m = x;
    return m;
  },
  max: (args) => {
    if (!allNumbers(args)) return undefined;
    let m = args[0] as number;
    for (const x of args) if (x > m) m = x;
    return m;
  },
  round: (args) => {
    const x = args[0];
    if (typeof x !== 'number') return undefined;
    if (args.length === 1) return roundShort(x, 0);
    const places = args[1];
    return typeof places === 'number' ? roundShort(x, places) : undefined;
  },
  floor: (args) => (typeof args[0] === 'number' && scaleOf(args[0]) >= 0 ? Math.floor(args[0]) : undefined),
  ceil: (args) => (typeof args[0] === 'number' && scaleOf(args[0]) >= 0 ? Math.ceil(args[0]) : undefined),
  fix: (args) => (typeof args[0] === 'number' && scaleOf(args[0]) >= 0 ? Math.trunc(args[0]) : undefined),
  abs: (args) => (typeof args[0] === 'number' ? Math.abs(args[0]) : undefined),
  mod: (args) => (typeof args[0] === 'number' && typeof args[1] === 'number' ? FAST_BINARY.mod!(args[0], args[1]) : undefined),
};

function normaliseFast(value: unknown): unknown {
  return typeof value === 'number' ? value : normalise(value);
}

export type { Decimal };
