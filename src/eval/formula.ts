import type { MathNode, EvalFunction } from 'mathjs';
import { math, asDecimal, isDecimal, toDecimal, type Decimal } from './decimal.js';
import { parseDate, yearsBetween, monthsBetween, daysBetween, addDays, addMonths, formatDate, type CalendarDate } from './calendar.js';

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

/** Date functions the documents need (ages, years of work, deadlines): completed units, like 周岁. */
const CALENDAR_FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  years_between: (a, b) => toDecimal(yearsBetween(requireDate(a, 'years_between'), requireDate(b, 'years_between'))),
  months_between: (a, b) => toDecimal(monthsBetween(requireDate(a, 'months_between'), requireDate(b, 'months_between'))),
  days_between: (a, b) => toDecimal(daysBetween(requireDate(a, 'days_between'), requireDate(b, 'days_between'))),
  add_days: (a, n) => formatDate(addDays(requireDate(a, 'add_days'), requireInteger(n, 'add_days'))),
  add_months: (a, n) => formatDate(addMonths(requireDate(a, 'add_months'), requireInteger(n, 'add_months'))),
  year_of: (a) => toDecimal(requireDate(a, 'year_of').y),
};

math.import(CALENDAR_FUNCTIONS, { override: true });

export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  'min', 'max', 'round', 'floor', 'ceil', 'abs', 'fix', 'equalText',
  ...Object.keys(CALENDAR_FUNCTIONS),
]);

export interface CompiledFormula {
  readonly text: string;
  /** Fact names the formula reads. */
  readonly symbols: readonly string[];
  evaluate(scope: ReadonlyMap<string, unknown>): unknown;
}

export type FormulaProblem =
  | { kind: 'syntax'; detail: string }
  | { kind: 'forbidden'; found: string }
  | { kind: 'undeclared'; found: string };

export function compileFormula(
  text: string,
  known: (name: string) => boolean,
): { ok: true; formula: CompiledFormula } | { ok: false; problems: FormulaProblem[] } {
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
  const compiled: EvalFunction = root.compile();
  const symbolList = [...symbols];
  return {
    ok: true,
    formula: {
      text,
      symbols: [...symbols],
      evaluate(scope) {
        // mathjs reads a Map scope through its own safe accessors; only the
        // formula's own symbols go in, numbers as exact decimals.
        const own = new Map<string, unknown>();
        for (const name of symbolList) {
          const v = scope.get(name);
          own.set(name, typeof v === 'number' ? toDecimal(v) : v);
        }
        return normalise(compiled.evaluate(own));
      },
    },
  };
}

function normalise(value: unknown): unknown {
  if (isDecimal(value) || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return toDecimal(value);
  if (value !== null && typeof value === 'object' && 'toArray' in value) {
    return (value as { toArray(): unknown[] }).toArray().map(normalise);
  }
  throw new Error(`formula produced an unsupported value: ${String(value)}`);
}

export type { Decimal };
