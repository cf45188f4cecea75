import type { RuleResult } from 'json-rules-engine';
import { assertAsOf } from './as-of.js';
import type { Decision, OutputValue, RuleTrace, ConditionTrace, Citation, Truth } from '../generated/decision.js';
import type { PreparedRuleSet, PreparedRule, PreparedOutput } from '../load/prepared-rule-set.js';
import { ZhiduError } from '../errors/finding.js';
import { checkFacts } from './check-facts.js';
import { toDecimal, toPlain, isDecimalText, isDecimal, decimalText } from './decimal.js';
import { canonicalJson } from '../load/canonical-json.js';
import { traceCondition, traceFromCodes, unknownFacts, type ActualCache } from '../decision/condition-trace.js';
import { ruleGrounds, forAnotherMatter, pendingFacts } from '../decision/grounds.js';
import { shownAmbiguities } from '../decision/ambiguity-relevance.js';
import { loadSlots, CODE_FALSE, CODE_NOT_EVALUATED, CODE_TRUE, CODE_UNKNOWN, type CompiledRule, type ProgramOutput } from './compile.js';
import { renderValue, renderTemplate, outputDisplay } from '../decision/render.js';
import { shortText } from './short-decimal.js';
import { headlineId, headlineForMatter, selectorFact } from './headline.js';
import { counterfactuals } from '../decision/counterfactual.js';

export interface EvaluateOptions {
  /** Decision date, YYYY-MM-DD; defaults to today (UTC). */
  readonly asOf?: string;
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Evaluate one set of facts against one prepared rule-set version: the
 * compiled conditions (src/eval/compile.ts), then the full explanation. Fresh
 * state per call; the prepared rule set is only read.
 */
export async function evaluate(rs: PreparedRuleSet, rawFacts: unknown, options: EvaluateOptions = {}): Promise<Decision> {
  return explain(rs, evaluateCompact(rs, rawFacts, options));
}

/**
 * What a compiled evaluation decides, and no more: the outputs, the status,
 * one code per condition node (see compile.ts), and the per-decision state
 * explain() needs to build the full Decision later, if ever. `values`,
 * `slots` and `derived` are built on first read: a caller that only needs
 * the outcome never pays for them.
 */
export interface CompactDecision {
  readonly outputs: Record<string, OutputValue>;
  readonly status: Decision['status'];
  readonly codes: Uint8Array;
  readonly asOf: string;
  readonly inputs: Record<string, unknown>;
  readonly derived: Record<string, unknown>;
  readonly values: ReadonlyMap<string, unknown>;
  /** The values in the compiled rule set's fact slots, in the reference path's form (decimals as decimal objects). */
  readonly slots: readonly unknown[];
  readonly missingFromFormulas: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * The result object: the fast values array stays private; the reference-form
 * views explain() reads are derived from it once, on demand.
 */
class Compact implements CompactDecision {
  private view: unknown[] | undefined;
  private map: Map<string, unknown> | undefined;
  private plain: Record<string, unknown> | undefined;

  constructor(
    private readonly rs: PreparedRuleSet,
    readonly outputs: Record<string, OutputValue>,
    readonly status: Decision['status'],
    readonly codes: Uint8Array,
    readonly asOf: string,
    readonly inputs: Record<string, unknown>,
    private readonly fast: readonly unknown[],
    readonly missingFromFormulas: ReadonlyMap<string, ReadonlySet<string>>,
  ) {}

  get slots(): readonly unknown[] {
    if (this.view === undefined) {
      const compiled = this.rs.compiled;
      const view = this.fast.slice();
      for (const i of compiled.inputs) if (i.numeric) view[i.slot] = referenceInput(this.inputs[i.name], true);
      for (const d of compiled.derived) {
        const x = view[d.slot];
        if (typeof x === 'number') view[d.slot] = toDecimal(x);
      }
      this.view = view;
    }
    return this.view;
  }

  get values(): ReadonlyMap<string, unknown> {
    if (this.map === undefined) {
      // The reference path's order: as_of, the inputs as given, the derived facts.
      const map = new Map<string, unknown>([['as_of', this.asOf]]);
      for (const key in this.inputs) {
        const value = this.inputs[key];
        if (value === undefined || value === null) continue;
        map.set(key, referenceInput(value, this.rs.facts.get(key)?.kind === 'number'));
      }
      const view = this.slots;
      for (const d of this.rs.compiled.derived) if (view[d.slot] !== undefined) map.set(d.id, view[d.slot]);
      this.map = map;
    }
    return this.map;
  }

  get derived(): Record<string, unknown> {
    if (this.plain === undefined) {
      const plain: Record<string, unknown> = {};
      for (const d of this.rs.compiled.derived) {
        const x = this.fast[d.slot];
        plain[d.id] = x === undefined ? null : plainOfFormula(x);
      }
      this.plain = plain;
    }
    return this.plain;
  }
}

/** An input value as the reference path holds it: decimal strings of number facts as decimals. */
function referenceInput(value: unknown, numeric: boolean): unknown {
  return numeric && typeof value === 'string' && isDecimalText(value) ? toDecimal(value) : value;
}

/** A formula's value in JSON: numbers (plain or decimal) as exact decimal text. */
function plainOfFormula(x: unknown): unknown {
  if (typeof x === 'number') return shortText(x) ?? decimalText(toDecimal(x));
  return toPlain(x);
}

let lastAsOf = '';

function checkedAsOf(asOf: string): string {
  // The same decision date arrives in decision after decision; it is checked once.
  if (asOf !== lastAsOf) {
    assertAsOf(asOf);
    lastAsOf = asOf;
  }
  return asOf;
}

const NO_MISSING: ReadonlyMap<string, ReadonlySet<string>> = new Map();

/** Synchronous: no engine, no promises, no cloned conditions, no maps: one values array and the codes. */
export function evaluateCompact(rs: PreparedRuleSet, rawFacts: unknown, options: EvaluateOptions = {}): CompactDecision {
  const asOf = checkedAsOf(options.asOf ?? today());
  const inputs = checkFacts(rs, rawFacts);
  const compiled = rs.compiled;
  const v = loadSlots(compiled, inputs, asOf);
  for (const d of compiled.derived) {
    if (!allDefined(v, d.needs)) continue;
    let x: unknown;
    try {
      x = d.run(v);
    } catch (err) {
      throw new ZhiduError('FORMULA_EVAL', { key: d.id, detail: (err as Error).message });
    }
    v[d.slot] = d.referenceForm && typeof x === 'number' ? toDecimal(x) : x;
  }
  const codes = new Uint8Array(compiled.nodeCount);
  const rules = compiled.rules;
  for (let i = 0; i < rules.length; i++) (rules[i] as CompiledRule).run(v, codes);
  const decided = decideOutputs(rs, codes, v, undefined);
  return new Compact(rs, decided.outputs, decided.status, codes, asOf, inputs, v, decided.missingFromFormulas ?? NO_MISSING);
}

function allDefined(v: readonly unknown[], slots: readonly number[]): boolean {
  for (let i = 0; i < slots.length; i++) if (v[slots[i] as number] === undefined) return false;
  return true;
}

/** What explain() may leave out; only the benchmark does (to price the counterfactual search). */
export interface ExplainOptions {
  /** false: no counterfactuals (default true). A recorded decision always has them. */
  readonly counterfactuals?: boolean;
}

/** The full Decision of a compact result, identical to the reference path's. */
export function explain(rs: PreparedRuleSet, compact: CompactDecision, options: ExplainOptions = {}): Decision {
  const compiled = rs.compiled;
  const actuals: ActualCache = new Map();
  const traces: RuleTrace[] = [];
  const slots = compact.slots;
  for (const rule of rs.rules) {
    const at = { i: (compiled.rules[rule.index] as CompiledRule).offset };
    traces.push(ruleTrace(rule, traceFromCodes(rule.template, compact.codes, at, compiled.leaves, slots, rs.facts, actuals)));
  }
  return assemble(rs, compact, compact, traces, options.counterfactuals !== false);
}

/**
 * json-rules-engine's evaluation, kept as the reference implementation the
 * compiled path is tested against (and `zhidu test --engine reference`).
 */
export async function evaluateReference(rs: PreparedRuleSet, rawFacts: unknown, options: EvaluateOptions = {}): Promise<Decision> {
  const facts = factValues(rs, rawFacts, options);
  const byName = await engineResults(rs, facts.values);

  const traces: RuleTrace[] = [];
  // Each rule's result at its root condition's code index, the layout decideOutputs reads.
  const codes = new Uint8Array(rs.compiled.nodeCount);
  const actuals: ActualCache = new Map();
  for (const rule of rs.rules) {
    const engineResult = byName.get(rule.id);
    const condition: ConditionTrace = engineResult
      ? traceCondition(engineResult.conditions as never, rule.template, rs.facts, actuals)
      : { kind: 'all', result: 'not_evaluated', children: [] };
    traces.push(ruleTrace(rule, condition));
    codes[(rs.compiled.rules[rule.index] as CompiledRule).offset] = CODE_OF_TRUTH[condition.result];
  }
  const decided = decideOutputs(rs, codes, undefined, facts.values);
  return assemble(rs, facts, { ...decided, missingFromFormulas: decided.missingFromFormulas ?? NO_MISSING }, traces);
}

/** The raw json-rules-engine run, for differential tests. */
export async function runEngine(rs: PreparedRuleSet, rawFacts: unknown, options: EvaluateOptions = {}): Promise<Map<string, RuleResult>> {
  return engineResults(rs, factValues(rs, rawFacts, options).values);
}

async function engineResults(rs: PreparedRuleSet, values: ReadonlyMap<string, unknown>): Promise<Map<string, RuleResult>> {
  const run = await rs.engine.run(Object.fromEntries(values));
  const byName = new Map<string, RuleResult>();
  for (const r of run.results) byName.set(r.name as string, r);
  for (const r of run.failureResults) byName.set(r.name as string, r);
  return byName;
}

interface FactValues {
  readonly asOf: string;
  readonly inputs: Record<string, unknown>;
  readonly derived: Record<string, unknown>;
  readonly values: Map<string, unknown>;
}

function factValues(rs: PreparedRuleSet, rawFacts: unknown, options: EvaluateOptions): FactValues {
  const asOf = options.asOf ?? today();
  assertAsOf(asOf);
  const inputs = checkFacts(rs, rawFacts);

  // Known values only: an absent fact is absent, never 0 or false. JSON
  // numbers stay numbers (comparing two decimal literals of up to 15 digits as
  // doubles is exact); decimal strings become exact decimals; formulas convert
  // every number to a decimal before any arithmetic.
  const values = new Map<string, unknown>([['as_of', asOf]]);
  for (const key in inputs) {
    const value = inputs[key];
    if (value === undefined || value === null) continue;
    values.set(key, typeof value === 'string' && rs.facts.get(key)?.kind === 'number' && isDecimalText(value) ? toDecimal(value) : value);
  }
  const derived: Record<string, unknown> = {};
  for (const d of rs.derived) {
    if (!hasAll(values, d.formula.symbols)) {
      derived[d.id] = null;
      continue;
    }
    let v: unknown;
    try {
      v = d.formula.evaluate(values);
    } catch (err) {
      throw new ZhiduError('FORMULA_EVAL', { key: d.id, detail: (err as Error).message });
    }
    values.set(d.id, v);
    derived[d.id] = toPlain(v);
  }
  return { asOf, inputs, derived, values };
}

function ruleTrace(rule: PreparedRule, condition: ConditionTrace): RuleTrace {
  const def = rule.definition;
  const trace: RuleTrace = { id: rule.id, title: def.title, result: condition.result, citation: def.citation as Citation, condition, sets: rule.sets.slice() };
  if (def.group) trace.group = def.group;
  return trace;
}

const CODE_OF_TRUTH: Record<Truth, number> = { not_evaluated: CODE_NOT_EVALUATED, true: CODE_TRUE, false: CODE_FALSE, unknown: CODE_UNKNOWN };

interface Decided {
  readonly outputs: Record<string, OutputValue>;
  readonly status: Decision['status'];
  readonly missingFromFormulas: Map<string, Set<string>> | undefined;
}

/**
 * Outputs by priority / collect / default, for both paths: the compiled one
 * passes its values array (`v`, fast formulas), the reference one its values
 * map (decimal.js formulas). Rule results are read at each rule's root code.
 */
function decideOutputs(rs: PreparedRuleSet, codes: Uint8Array, v: unknown[] | undefined, values: ReadonlyMap<string, unknown> | undefined): Decided {
  const state: OutputState = { codes, v, values, missing: undefined };
  const outputs: Record<string, OutputValue> = {};
  for (const po of rs.compiled.outputs) outputs[po.output.id] = decideOutput(po, state);
  const headline = outputs[v ? headlineOfSlots(rs, v) : headlineId(rs, values as ReadonlyMap<string, unknown>)] as OutputValue;
  return { outputs, status: headline.status === 'unknown' ? 'undetermined' : 'decided', missingFromFormulas: state.missing };
}

/** headlineId over the values array: the matter selector read from its slot. */
function headlineOfSlots(rs: PreparedRuleSet, v: readonly unknown[]): string {
  if (!rs.definition.matter_outcomes) return rs.definition.outcome;
  const selector = selectorFact(rs);
  const slot = selector === undefined ? undefined : rs.compiled.slotOf.get(selector);
  return headlineForMatter(rs, slot === undefined ? undefined : v[slot]);
}
/** Reasons, failed pathways, missing facts and ambiguities: the same for both evaluation paths. */
function assemble(
  rs: PreparedRuleSet,
  facts: Omit<FactValues, 'values'> & { readonly values: ReadonlyMap<string, unknown> },
  decided: { readonly outputs: Record<string, OutputValue>; readonly status: Decision['status']; readonly missingFromFormulas: ReadonlyMap<string, ReadonlySet<string>> },
  traces: readonly RuleTrace[],
  withCounterfactuals = true,
): Decision {
  const { values, inputs, derived, asOf } = facts;
  const { status, missingFromFormulas } = decided;
  const outputs = partlyKnown(rs, decided.outputs, traces, values);
  // A reason names what it could not fill in, rather than a bare "unknown":
  // the caseworker sees which fact to ask for.
  const lookup = (name: string): string => {
    const out = outputs[name];
    if (out) {
      if (out.status === 'unknown' && out.partial) return partialText(out);
      if (out.status === 'unknown') return pendingText(rs, outputMissing(out, missingFromFormulas, rs, values));
      if (out.value !== null || !rs.facts.has(name)) return out.display ?? (out.value === null ? '（无）' : renderValue(out.value));
      // An output no rule set this time, named like a fact: the fact's value is what the sentence means.
    }
    const value = values.get(name);
    if (value !== undefined && value !== null) return renderValue(value, rs.facts.get(name));
    if (rs.facts.get(name)?.origin === 'input') return '（未提供）';
    return pendingText(rs, absentInputs(rs, name, values));
  };

  const headline = outputs[headlineId(rs, values)] as OutputValue;

  const reasons: Decision['reasons'] = [];
  const failed: Decision['failed'] = [];
  const grounds: NonNullable<Decision['grounds']> = [];
  for (const rule of rs.rules) {
    const trace = traces[rule.index] as RuleTrace;
    const def = rule.definition;
    if (trace.result === 'true') {
      reasons.push({ rule: rule.id, holds: true, text: renderTemplate(def.reason, lookup), citation: trace.citation });
      continue;
    }
    if (trace.result !== 'false' && trace.result !== 'unknown') continue;
    // An undecided rule is a ground only while something it would set is still open.
    if (trace.result === 'unknown' && !rule.sets.some((o) => outputs[o]?.status === 'unknown')) continue;
    // A rule for another matter (it cannot hold whatever its own conditions) did not apply; it is no ground.
    if (forAnotherMatter(trace.condition, rs.facts)) continue;
    const { unmet, pending } = ruleGrounds(trace.condition, rs.facts);
    if (trace.result === 'false') {
      if (def.reason_not) reasons.push({ rule: rule.id, holds: false, text: renderTemplate(def.reason_not, lookup), citation: trace.citation });
      failed.push({ rule: rule.id, title: def.title, citation: trace.citation, conditions: unmet });
    }
    const ask = new Set<string>();
    for (const c of pending) for (const f of pendingFacts(c)) for (const input of absentInputs(rs, f, values)) ask.add(input);
    grounds.push({
      rule: rule.id,
      title: def.title,
      citation: trace.citation,
      result: trace.result,
      pathway: rule.sets.includes(headline.id),
      unmet,
      pending,
      ask: [...ask].map((fact) => ({ fact, title: rs.facts.get(fact)?.title ?? fact })),
    });
  }
  const shown = markApplicable(rs, outputs, headline, status);

  const decision: Decision = {
    ruleset: { id: rs.id, title: rs.title, version: rs.version, hash: rs.hash },
    as_of: asOf,
    status,
    outcome: headline,
    outcome_kind: outcomeKind(rs, headline, status),
    outputs: shown,
    rules: traces as RuleTrace[],
    reasons,
    failed,
    grounds,
    missing: missingFacts(rs, traces, outputs, missingFromFormulas, values),
    ambiguities: shownAmbiguities(rs, traces, outputs, derived),
    facts: { inputs: { ...inputs }, derived },
  };
  // Only for a decision that does not grant what was asked: most decisions carry no such key.
  if (!withCounterfactuals) return decision;
  const whatIf = counterfactuals(rs, values, headline, status, traces);
  if (whatIf.length > 0) decision.counterfactuals = whatIf;
  return decision;
}

/**
 * An output that means something only for some outcomes (applies_when) is
 * marked, not changed: its value stays what the rules gave (the compact
 * result is the same), but a refusal does not present 可随迁的家庭成员 as decided.
 */
function markApplicable(rs: PreparedRuleSet, outputs: Record<string, OutputValue>, headline: OutputValue, status: Decision['status']): Record<string, OutputValue> {
  let shown = outputs;
  for (const output of rs.outputs.values()) {
    const when = output.definition.applies_when;
    if (when === undefined || when === 'always' || output.id === headline.id) continue;
    const out = outputs[output.id];
    if (!out) continue;
    const applicable: OutputValue['applicable'] = status === 'undetermined' ? 'pending' : when.outcome.some((v) => String(v) === String(headline.value)) ? 'yes' : 'no';
    // Copies: the compact result's outputs may be read again by the caller.
    if (shown === outputs) shown = { ...outputs };
    shown[output.id] = { ...out, applicable };
  }
  return shown;
}

/**
 * A collected list still open (some rule that could add an entry is
 * undecided) keeps its unknown status and null value, as the compact result
 * has it; the explanation adds the entries already certain (rules that hold)
 * and the input facts that could add more. Without this, 通报批评 was hidden
 * because sanctions_count was absent, and a reason read "（尚未确定）".
 */
function partlyKnown(rs: PreparedRuleSet, outputs: Record<string, OutputValue>, traces: readonly RuleTrace[], values: ReadonlyMap<string, unknown>): Record<string, OutputValue> {
  let shown = outputs;
  for (const po of rs.compiled.outputs) {
    const def = po.output.definition;
    const out = outputs[po.output.id];
    if (!def.collect || !out || out.status !== 'unknown') continue;
    const known: unknown[] = [];
    const seen = new Set<string>();
    const more = new Set<string>();
    const state: OutputState = { codes: new Uint8Array(0), v: undefined, values, missing: undefined };
    for (const s of po.setBy) {
      const trace = traces[s.rule.index] as RuleTrace;
      if (trace.result === 'true') {
        const v = assign(s, po.output.id, state);
        if (v === undefined) continue;
        const key = canonicalJson(v);
        if (!seen.has(key)) {
          seen.add(key);
          known.push(v);
        }
      } else if (trace.result === 'unknown' || trace.result === 'not_evaluated') {
        for (const f of unknownFacts(trace.condition)) for (const input of absentInputs(rs, f, values)) more.add(input);
      }
    }
    for (const [fact] of state.missing ?? []) for (const input of absentInputs(rs, fact, values)) more.add(input);
    if (shown === outputs) shown = { ...outputs };
    shown[po.output.id] = {
      ...out,
      partial: true,
      known,
      known_display: known.length > 0 ? known.map((v) => outputDisplay(def, v)).join('、') : '（暂无）',
      more_from: [...more].map((fact) => ({ fact, title: rs.facts.get(fact)?.title ?? fact })),
    };
  }
  return shown;
}

/** Granted, refused, informational or pending: the headline's x-value-kinds, booleans read as yes/no. */
function outcomeKind(rs: PreparedRuleSet, headline: OutputValue, status: Decision['status']): NonNullable<Decision['outcome_kind']> {
  if (status === 'undetermined') return 'pending';
  const kinds = rs.outputs.get(headline.id)?.definition['x-value-kinds'];
  const kind = kinds?.[String(headline.value)];
  if (kind) return kind;
  if (typeof headline.value === 'boolean') return headline.value ? 'positive' : 'negative';
  return 'neutral';
}

/** "已知：合法生育率；尚缺计划生育率等，可能还有其他" — what a reason says of a partly known list. */
function partialText(out: OutputValue): string {
  const more = out.more_from ?? [];
  const tail = more.length > 0 ? `尚缺${more.map((m) => m.title).join('、')}，可能还有其他` : '可能还有其他';
  return (out.known?.length ?? 0) > 0 ? `${out.known_display}（已知；${tail}）` : `（暂无已知项；${tail}）`;
}

function hasAll(values: ReadonlyMap<string, unknown>, names: readonly string[]): boolean {
  for (const n of names) if (!values.has(n)) return false;
  return true;
}

interface OutputState {
  readonly codes: Uint8Array;
  readonly v: unknown[] | undefined;
  readonly values: ReadonlyMap<string, unknown> | undefined;
  missing: Map<string, Set<string>> | undefined;
}

type Setter = ProgramOutput['setBy'][number];

function decideOutput(po: ProgramOutput, state: OutputState): OutputValue {
  const output = po.output;
  const def = output.definition;
  const codes = state.codes;
  const held: Setter[] = [];
  let openTop = 0;
  let anyOpen = false;
  for (const s of po.setBy) {
    const t = codes[s.offset];
    if (t === CODE_TRUE) held.push(s);
    else if (t === CODE_UNKNOWN || t === CODE_NOT_EVALUATED) {
      anyOpen = true;
      if (s.rule.priority > openTop) openTop = s.rule.priority;
    }
  }
  if (def.collect) {
    if (anyOpen) return makeOutput(output, 'unknown', null, held);
    if (held.length === 0) {
      if (def.default !== undefined) return makeOutput(output, 'default', def.default, NONE, outputDisplay(def, def.default));
      return makeOutput(output, 'default', [], NONE, '（无）');
    }
    const list: unknown[] = [];
    const seen = new Set<string>();
    for (const s of held) {
      const v = assign(s, output.id, state);
      if (v === undefined) return makeOutput(output, 'unknown', null, held);
      const key = canonicalJson(v);
      if (!seen.has(key)) {
        seen.add(key);
        list.push(v);
      }
    }
    return makeOutput(output, 'set', list, held, list.map((v) => outputDisplay(def, v)).join('、'));
  }

  if (held.length === 0) {
    if (anyOpen) return makeOutput(output, 'unknown', null, NONE);
    if (def.default !== undefined) return makeOutput(output, 'default', def.default, NONE, outputDisplay(def, def.default));
    return makeOutput(output, 'unset', null, NONE);
  }
  let top = 0;
  for (const s of held) if (s.rule.priority > top) top = s.rule.priority;
  // A higher-priority rule still undecided could override what holds now.
  if (openTop > top) return makeOutput(output, 'unknown', null, NONE);
  if (held.length === 1) {
    // The common case: one rule sets the output.
    const only = held[0] as Setter;
    const value = assign(only, output.id, state);
    if (value === undefined) return makeOutput(output, 'unknown', null, held);
    return makeOutput(output, 'set', value, held, outputDisplay(def, value));
  }
  const winners = held.filter((s) => s.rule.priority === top);
  const computed = winners.map((s) => assign(s, output.id, state));
  if (computed.some((v) => v === undefined)) return makeOutput(output, 'unknown', null, winners);
  if (computed.length > 1 && new Set(computed.map((v) => canonicalJson(v))).size > 1) {
    throw new ZhiduError('OUTPUT_CONFLICT', {
      key: output.id,
      found: winners.map((s, i) => `${s.rule.id}=${JSON.stringify(computed[i])}`).join(', '),
    });
  }
  const value = computed[0];
  return makeOutput(output, 'set', value, winners, outputDisplay(def, value));
}

const NONE: readonly Setter[] = [];

// Built by assignment, not spreads or per-call closures: this runs for every output of every decision.
function makeOutput(output: PreparedOutput, status: OutputValue['status'], value: unknown, setters: readonly Setter[], display?: string): OutputValue {
  const def = output.definition;
  const ids: string[] = [];
  for (const s of setters) ids.push(s.rule.id);
  const out: OutputValue = { id: output.id, title: def.title, status, value, rules: ids };
  const unit = def['x-unit'];
  if (unit) out.unit = unit;
  if (display !== undefined) out.display = display;
  return out;
}

/** The value a holding rule gives an output; undefined when its formula needs a missing fact. */
function assign(setter: Setter, output: string, state: OutputState): unknown {
  const a = setter.assign;
  const type = setter.rule.outputTypes.get(output);
  if (a.kind === 'literal') {
    const v = a.value;
    if (v === undefined) return undefined;
    // Decimal outputs travel as exact strings; JSON numbers would invite float arithmetic downstream.
    if (type === 'decimal' && (typeof v === 'number' || isDecimal(v))) return decimalText(toDecimal(v as number));
    return toPlain(v);
  }
  const v = state.v;
  let absent: string[] | undefined;
  for (let i = 0; i < a.needs.length; i++) {
    const symbol = a.formula.symbols[i] as string;
    if (v ? v[a.needs[i] as number] === undefined : !(state.values as ReadonlyMap<string, unknown>).has(symbol)) (absent ??= []).push(symbol);
  }
  if (absent !== undefined) {
    const missing = (state.missing ??= new Map());
    for (const s of absent) {
      const set = missing.get(s) ?? new Set<string>();
      set.add(setter.rule.id);
      missing.set(s, set);
    }
    return undefined;
  }
  let x: unknown;
  try {
    x = v ? a.run(v) : a.formula.evaluate(state.values as ReadonlyMap<string, unknown>);
  } catch (err) {
    throw new ZhiduError('FORMULA_EVAL', { key: `${setter.rule.id}.${output}`, detail: (err as Error).message });
  }
  if (typeof x === 'number') return plainOfFormula(x);
  if (type === 'decimal' && isDecimal(x)) return decimalText(x);
  return toPlain(x);
}

/**
 * What the caseworker should ask next: input facts behind the unknown
 * conditions of rules whose outputs are still unknown, the ones that matter
 * to the headline outcome first, then those that settle the most rules.
 */
function missingFacts(
  rs: PreparedRuleSet,
  traces: readonly RuleTrace[],
  outputs: Record<string, OutputValue>,
  fromFormulas: ReadonlyMap<string, ReadonlySet<string>>,
  known: ReadonlyMap<string, unknown>,
): Decision['missing'] {
  const unknownOutputs = new Set(Object.values(outputs).filter((o) => o.status === 'unknown').map((o) => o.id));
  if (unknownOutputs.size === 0 && fromFormulas.size === 0) return [];
  const headline = headlineId(rs, known);
  const rulesFor = new Map<string, Set<string>>();
  const headlineFacts = new Set<string>();
  const { derivedInputs, order } = factIndex(rs);
  const toInputs = (fact: string): readonly string[] => derivedInputs.get(fact) ?? (fact === 'as_of' ? [] : [fact]);
  const note = (fact: string, rule: string, forHeadline: boolean) => {
    for (const input of toInputs(fact)) {
      if (rs.facts.get(input)?.origin !== 'input') continue;
      // A derived fact is unknown when any one of its inputs is absent; ask only for those.
      if (known.has(input)) continue;
      const set = rulesFor.get(input) ?? new Set<string>();
      set.add(rule);
      rulesFor.set(input, set);
      if (forHeadline) headlineFacts.add(input);
    }
  };
  for (const t of traces) {
    if (t.result !== 'unknown') continue;
    if (!t.sets.some((o) => unknownOutputs.has(o))) continue;
    for (const f of unknownFacts(t.condition)) note(f, t.id, t.sets.includes(headline));
  }
  for (const [fact, rules] of fromFormulas) {
    for (const r of rules) note(fact, r, traces.find((t) => t.id === r)?.sets.includes(headline) ?? false);
  }
  return [...rulesFor.entries()]
    .sort(([a, ra], [b, rb]) => {
      const ha = headlineFacts.has(a) ? 1 : 0;
      const hb = headlineFacts.has(b) ? 1 : 0;
      return hb - ha || rb.size - ra.size || (order.get(a) ?? 0) - (order.get(b) ?? 0);
    })
    .map(([fact, rules]) => ({ fact, title: rs.facts.get(fact)?.title ?? fact, rules: [...rules] }));
}

/** The input facts whose absence leaves a fact (input or derived) without a value. */
function absentInputs(rs: PreparedRuleSet, fact: string, known: ReadonlyMap<string, unknown>): string[] {
  const inputs = factIndex(rs).derivedInputs.get(fact) ?? [fact];
  return inputs.filter((f) => rs.facts.get(f)?.origin === 'input' && !known.has(f));
}

/** The input facts an unknown output waits for: those its holding rules' formulas lack. */
function outputMissing(out: OutputValue, fromFormulas: ReadonlyMap<string, ReadonlySet<string>>, rs: PreparedRuleSet, known: ReadonlyMap<string, unknown>): string[] {
  const facts = new Set<string>();
  for (const [fact, rules] of fromFormulas) {
    if (out.rules.some((r) => rules.has(r))) for (const f of absentInputs(rs, fact, known)) facts.add(f);
  }
  return [...facts];
}

function pendingText(rs: PreparedRuleSet, facts: readonly string[]): string {
  if (facts.length === 0) return '（尚未确定）';
  return `（尚缺${facts.map((f) => rs.facts.get(f)?.title ?? f).join('、')}，无法计算）`;
}

/** Per rule-set version, built on first use: what missingFacts reads in every undetermined decision. */
const factIndexes = new WeakMap<PreparedRuleSet, { derivedInputs: ReadonlyMap<string, readonly string[]>; order: ReadonlyMap<string, number> }>();

function factIndex(rs: PreparedRuleSet) {
  let index = factIndexes.get(rs);
  if (!index) {
    index = { derivedInputs: new Map(rs.derived.map((d) => [d.id, d.inputs])), order: new Map([...rs.facts.keys()].map((k, i) => [k, i])) };
    factIndexes.set(rs, index);
  }
  return index;
}
