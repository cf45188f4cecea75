import type { Truth } from '../generated/decision.js';
import type { PreparedDerived, PreparedOutput, PreparedRule } from '../load/prepared-rule-set.js';
import type { CompiledFormula, SlotFormula } from './formula.js';
import { OPERATOR_FUNCTIONS } from './operators.js';
import { parsePath } from './path-resolver.js';
import { isDecimalText, toDecimal } from './decimal.js';

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
  /** Fact names, by slot: as_of first, then the inputs, the derived facts, anything else a condition names. */
  readonly slots: readonly string[];
  /** Slot of each fact name. */
  readonly slotOf: ReadonlyMap<string, number>;
  readonly nodeCount: number;
  readonly rules: readonly CompiledRule[];
  /** By node index, for leaves: how explain re-reads the values a condition compared. */
  readonly leaves: readonly (LeafRead | undefined)[];
  readonly asOfSlot: number;
  readonly inputs: readonly InputSlot[];
  /** In declaration order, each after the facts it reads. */
  readonly derived: readonly DerivedSlot[];
  /** In the rule set's output order. */
  readonly outputs: readonly ProgramOutput[];
}

export interface InputSlot {
  readonly name: string;
  readonly slot: number;
  /** A number fact: a decimal string becomes a number (exact, see short-decimal.ts) or a decimal. */
  readonly numeric: boolean;
  /** Read with a path somewhere: keep the reference form (a decimal object), as the almanac sees it. */
  readonly referenceForm: boolean;
}

export interface DerivedSlot {
  readonly id: string;
  readonly slot: number;
  /** Slots of the facts the formula reads: it is computed only when all have values. */
  readonly needs: readonly number[];
  readonly run: SlotFormula;
  readonly referenceForm: boolean;
}

export type SlotAssign =
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'formula'; readonly run: SlotFormula; readonly needs: readonly number[]; readonly formula: CompiledFormula };

export interface ProgramOutput {
  readonly output: PreparedOutput;
  /** output.setBy, each with the code index of its rule's root condition and its assignment. */
  readonly setBy: readonly { readonly rule: PreparedRule; readonly offset: number; readonly assign: SlotAssign }[];
}

/** What a version's program is compiled from (load-rule-set.ts prepares these once per version). */
export interface ProgramParts {
  readonly inputs: readonly { readonly name: string; readonly numeric: boolean }[];
  readonly derived: readonly PreparedDerived[];
  readonly rules: readonly PreparedRule[];
  readonly outputs: ReadonlyMap<string, PreparedOutput>;
}

export interface LeafRead {
  readonly actual: (v: readonly unknown[]) => unknown;
  /** Absent for a literal. */
  readonly expected: ((v: readonly unknown[]) => unknown) | undefined;
}

interface Counter {
  n: number;
  readonly leaves: (LeafRead | undefined)[];
  /** Slots some condition reads with a path. */
  readonly pathSlots: Set<number>;
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

/** Counts compilations (one per rule-set version is the contract: see compileCount). */
let compilations = 0;

/** How many rule-set versions this process has compiled: tests assert one compile per publish. */
export function compileCount(): number {
  return compilations;
}

export function compileRuleSet(parts: ProgramParts): CompiledRuleSet {
  compilations += 1;
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
  const asOfSlot = slot('as_of');
  for (const i of parts.inputs) slot(i.name);
  for (const d of parts.derived) slot(d.id);
  const counter: Counter = { n: 0, leaves: [], pathSlots: new Set() };
  const rules: CompiledRule[] = [];
  for (const rule of parts.rules) {
    const offset = counter.n;
    const run = compileNode(rule.definition.when as WhenNode, slot, counter);
    rules.push({ offset, size: counter.n - offset, run });
  }
  const inputs = parts.inputs.map((i) => {
    const s = slot(i.name);
    return { name: i.name, slot: s, numeric: i.numeric, referenceForm: counter.pathSlots.has(s) };
  });
  const derived = parts.derived.map((d) => {
    const s = slot(d.id);
    return { id: d.id, slot: s, needs: d.formula.symbols.map(slot), run: d.formula.bind(slot), referenceForm: counter.pathSlots.has(s) };
  });
  const outputs = [...parts.outputs.values()].map((output) => ({
    output,
    setBy: output.setBy.map((rule) => {
      const a = rule.assignments.get(output.id);
      const assign: SlotAssign =
        a === undefined || a.kind === 'literal'
          ? { kind: 'literal', value: a?.value }
          : { kind: 'formula', run: a.formula.bind(slot), needs: a.formula.symbols.map(slot), formula: a.formula };
      return { rule, offset: (rules[rule.index] as CompiledRule).offset, assign };
    }),
  }));
  return { slots, slotOf, nodeCount: counter.n, rules, leaves: counter.leaves, asOfSlot, inputs, derived, outputs };
}

/**
 * The values array of one decision from its checked input facts: one read per
 * fact. Decimal strings of number facts become plain numbers when they are
 * short decimals (exactly the decimal written), else decimals.
 */
export function loadSlots(compiled: CompiledRuleSet, inputs: Record<string, unknown>, asOf: string): unknown[] {
  const v = new Array<unknown>(compiled.slots.length);
  v[compiled.asOfSlot] = asOf;
  for (const i of compiled.inputs) {
    const value = inputs[i.name];
    if (value === undefined || value === null) continue;
    v[i.slot] = i.numeric && typeof value === 'string' && isDecimalText(value) ? (i.referenceForm ? toDecimal(value) : numberOfText(value)) : value;
  }
  return v;
}

/** A decimal text of at most 15 digits is a short decimal: Number() gives the double that denotes it. */
function numberOfText(text: string): unknown {
  if (text.length <= 16) {
    const digits = text.length - (text.charCodeAt(0) === 45 ? 1 : 0) - (text.includes('.') ? 1 : 0);
    if (digits <= 15) return Number(text);
  }
  return toDecimal(text);
}

/** Fill the values array a compiled rule set reads from a values map (the reference path's). */
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
  const factSlot = slot(node.fact as string);
  if (node.path) counter.pathSlots.add(factSlot);
  const read = reader(factSlot, node.path);
  const value = node.value;
  // json-rules-engine's almanac treats any object with an own `fact` key as a fact reference.
  const isRef = value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, 'fact');
  if (isRef) {
    const ref = value as { fact: string; path?: string };
    const refSlot = slot(ref.fact);
    if (ref.path) counter.pathSlots.add(refSlot);
    const readRef = reader(refSlot, ref.path);
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
