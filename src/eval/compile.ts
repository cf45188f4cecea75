import type { Truth } from '../generated/decision.js';
import { OPERATOR_FUNCTIONS } from './operators.js';
import { parsePath } from './path-resolver.js';

/**
 * A rule set's conditions compiled once per version into synchronous
 * closures. The reference is json-rules-engine as zhidu configures it, whose
 * result tree condition-trace.ts reads; this must leave the same trace:
 *
 * - Every child of an all/any is evaluated. json-rules-engine only
 *   short-circuits between priority sets of conditions, and a zhidu condition
 *   has no priority of its own and no fact carries one, so each all/any is a
 *   single set evaluated whole (Promise.all). A single-child all/any, and a
 *   not, evaluate their one child directly.
 * - A leaf is unknown when its fact (or the fact it compares with) has no
 *   value; otherwise the operator's answer. The engine's raw result
 *   (`!missing && !missing && fn`) is false there; zhidu reports unknown.
 * - Boolean nodes combine by Kleene's logic as condition-trace.ts `combine`.
 *
 * Codes: one per condition node, in pre-order within a rule, rules in order.
 */
export const CODE_NOT_EVALUATED = 0;
export const CODE_TRUE = 1;
export const CODE_FALSE = 2;
export const CODE_UNKNOWN = 3;

export const TRUTH_OF_CODE: readonly Truth[] = ['not_evaluated', 'true', 'false', 'unknown'];

type NodeEval = (v: readonly unknown[], codes: Uint8Array) => number;

export interface CompiledRule {
  /** Index of the rule's root condition node in the codes array. */
  readonly offset: number;
  /** Number of condition nodes in the rule. */
  readonly size: number;
  readonly run: NodeEval;
}

export interface CompiledRuleSet {
  /** Fact names, by slot: the values array is read from the values map in this order. */
  readonly slots: readonly string[];
  readonly nodeCount: number;
  readonly rules: readonly CompiledRule[];
  /** By node index, for leaves: how explain re-reads the values a condition compared. */
  readonly leaves: readonly (LeafRead | undefined)[];
}

export interface LeafRead {
  readonly actual: (v: readonly unknown[]) => unknown;
  /** Absent for a literal. */
  readonly expected: ((v: readonly unknown[]) => unknown) | undefined;
}

interface Counter {
  n: number;
  readonly leaves: (LeafRead | undefined)[];
}

interface WhenNode {
  all?: WhenNode[];
  any?: WhenNode[];
  not?: WhenNode;
  fact?: string;
  operator?: string;
  value?: unknown;
  path?: string;
}

export function compileRuleSet(whens: readonly unknown[]): CompiledRuleSet {
  const slots: string[] = [];
  const slotOf = new Map<string, number>();
  const slot = (name: string): number => {
    let s = slotOf.get(name);
    if (s === undefined) {
      s = slots.length;
      slots.push(name);
      slotOf.set(name, s);
    }
    return s;
  };
  const counter: Counter = { n: 0, leaves: [] };
  const rules: CompiledRule[] = [];
  for (const when of whens) {
    const offset = counter.n;
    const run = compileNode(when as WhenNode, slot, counter);
    rules.push({ offset, size: counter.n - offset, run });
  }
  return { slots, nodeCount: counter.n, rules, leaves: counter.leaves };
}

/** Fill the values array a compiled rule set reads: one lookup per fact, not per condition. */
export function readSlots(compiled: CompiledRuleSet, values: ReadonlyMap<string, unknown>): unknown[] {
  const v = new Array<unknown>(compiled.slots.length);
  for (let i = 0; i < compiled.slots.length; i++) v[i] = values.get(compiled.slots[i] as string);
  return v;
}

function compileNode(node: WhenNode, slot: (name: string) => number, counter: Counter): NodeEval {
  const index = counter.n++;
  if (node.all || node.any) {
    const isAll = node.all !== undefined;
    const children = ((isAll ? node.all : node.any) as WhenNode[]).map((c) => compileNode(c, slot, counter));
    const n = children.length;
    return (v, codes) => {
      let yes = 0;
      let no = 0;
      let skipped = 0;
      for (let i = 0; i < n; i++) {
        const c = (children[i] as NodeEval)(v, codes);
        if (c === CODE_TRUE) yes += 1;
        else if (c === CODE_FALSE) no += 1;
        else if (c === CODE_NOT_EVALUATED) skipped += 1;
      }
      let code: number;
      if (isAll) code = no > 0 ? CODE_FALSE : yes === n ? CODE_TRUE : CODE_UNKNOWN;
      else code = yes > 0 ? CODE_TRUE : no === n ? CODE_FALSE : CODE_UNKNOWN;
      if (code === CODE_UNKNOWN && skipped === n) code = CODE_NOT_EVALUATED;
      codes[index] = code;
      return code;
    };
  }
  if (node.not) {
    const child = compileNode(node.not, slot, counter);
    return (v, codes) => {
      const c = child(v, codes);
      const code = c === CODE_TRUE ? CODE_FALSE : c === CODE_FALSE ? CODE_TRUE : c;
      codes[index] = code;
      return code;
    };
  }
  const fn = OPERATOR_FUNCTIONS[node.operator as string];
  if (!fn) throw new Error(`unknown operator ${String(node.operator)}`);
  const read = reader(slot(node.fact as string), node.path);
  const value = node.value;
  // json-rules-engine's almanac treats any object with an own `fact` key as a fact reference.
  const isRef = value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, 'fact');
  if (isRef) {
    const ref = value as { fact: string; path?: string };
    const readRef = reader(slot(ref.fact), ref.path);
    counter.leaves[index] = { actual: read, expected: readRef };
    return (v, codes) => {
      const a = read(v);
      const b = readRef(v);
      const code = a === undefined || a === null || b === undefined || b === null ? CODE_UNKNOWN : fn(a, b) ? CODE_TRUE : CODE_FALSE;
      codes[index] = code;
      return code;
    };
  }
  counter.leaves[index] = { actual: read, expected: undefined };
  const literalMissing = value === undefined || value === null;
  return (v, codes) => {
    const a = read(v);
    const code = a === undefined || a === null ? CODE_UNKNOWN : !literalMissing && fn(a, value) ? CODE_TRUE : CODE_FALSE;
    codes[index] = code;
    return code;
  };
}

/** A fact's value as the almanac gives it: a path applies to an object value only, else the value itself. */
export function reader(s: number, path: string | undefined): (v: readonly unknown[]) => unknown {
  if (!path) return (v) => v[s];
  const segments = parsePath(path);
  return (v) => {
    const value = v[s];
    if (value === null || value === undefined || typeof value !== 'object') return value;
    if (!segments) return undefined;
    let current: unknown = value;
    for (const seg of segments) {
      if (current === null || typeof current !== 'object') return undefined;
      if (!Object.prototype.hasOwnProperty.call(current, seg)) return undefined;
      current = (current as Record<string | number, unknown>)[seg];
    }
    return current;
  };
}
