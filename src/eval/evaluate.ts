import type { RuleResult } from 'json-rules-engine';
import type { Decision, OutputValue, RuleTrace, ConditionTrace, Citation, Truth } from '../generated/decision.js';
import type { PreparedRuleSet, PreparedRule, PreparedOutput } from '../load/prepared-rule-set.js';
import { ZhiduError } from '../errors/finding.js';
import { checkFacts } from './check-facts.js';
import { toDecimal, toPlain, isDecimalText, isDecimal, decimalText } from './decimal.js';
import { canonicalJson } from '../load/canonical-json.js';
import { isIsoDate } from './calendar.js';
import { traceCondition, traceFromCodes, unknownFacts, type ActualCache } from '../decision/condition-trace.js';
import { ruleGrounds, forAnotherMatter, pendingFacts } from '../decision/grounds.js';
import { readSlots, TRUTH_OF_CODE, type CompiledRule } from './compile.js';
import { renderValue, renderTemplate } from '../decision/render.js';
import { headlineId } from './headline.js';

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
 * explain() needs to build the full Decision later, if ever.
 */
export interface CompactDecision {
  readonly outputs: Record<string, OutputValue>;
  readonly status: Decision['status'];
  readonly codes: Uint8Array;
  readonly asOf: string;
  readonly inputs: Record<string, unknown>;
  readonly derived: Record<string, unknown>;
  readonly values: ReadonlyMap<string, unknown>;
  /** The values map read into the compiled rule set's fact slots. */
  readonly slots: readonly unknown[];
  readonly missingFromFormulas: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Synchronous: no engine, no promises, no cloned conditions. */
export function evaluateCompact(rs: PreparedRuleSet, rawFacts: unknown, options: EvaluateOptions = {}): CompactDecision {
  const facts = factValues(rs, rawFacts, options);
  const compiled = rs.compiled;
  const slots = readSlots(compiled, facts.values);
  const codes = new Uint8Array(compiled.nodeCount);
  const results: Truth[] = [];
  for (const rule of compiled.rules) results.push(TRUTH_OF_CODE[rule.run(slots, codes)] as Truth);
  const decided = decideOutputs(rs, results, facts.values);
  return { ...decided, codes, asOf: facts.asOf, inputs: facts.inputs, derived: facts.derived, values: facts.values, slots };
}

/** The full Decision of a compact result, identical to the reference path's. */
export function explain(rs: PreparedRuleSet, compact: CompactDecision): Decision {
  const compiled = rs.compiled;
  const actuals: ActualCache = new Map();
  const traces: RuleTrace[] = [];
  for (const rule of rs.rules) {
    const at = { i: (compiled.rules[rule.index] as CompiledRule).offset };
    traces.push(ruleTrace(rule, traceFromCodes(rule.template, compact.codes, at, compiled.leaves, compact.slots, rs.facts, actuals)));
  }
  return assemble(rs, compact, compact, traces);
}

/**
 * json-rules-engine's evaluation, kept as the reference implementation the
 * compiled path is tested against (and `zhidu test --engine reference`).
 */
export async function evaluateReference(rs: PreparedRuleSet, rawFacts: unknown, options: EvaluateOptions = {}): Promise<Decision> {
  const facts = factValues(rs, rawFacts, options);
  const byName = await engineResults(rs, facts.values);

  const traces: RuleTrace[] = [];
  const results: Truth[] = [];
  const actuals: ActualCache = new Map();
  for (const rule of rs.rules) {
    const engineResult = byName.get(rule.id);
    const condition: ConditionTrace = engineResult
      ? traceCondition(engineResult.conditions as never, rule.template, rs.facts, actuals)
      : { kind: 'all', result: 'not_evaluated', children: [] };
    traces.push(ruleTrace(rule, condition));
    results.push(condition.result);
  }
  return assemble(rs, facts, decideOutputs(rs, results, facts.values), traces);
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
  if (!isIsoDate(asOf)) throw new ZhiduError('AS_OF_INVALID', { found: asOf });
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

interface Decided {
  readonly outputs: Record<string, OutputValue>;
  readonly status: Decision['status'];
  readonly missingFromFormulas: Map<string, Set<string>>;
}

function decideOutputs(rs: PreparedRuleSet, results: readonly Truth[], values: ReadonlyMap<string, unknown>): Decided {
  const missingFromFormulas = new Map<string, Set<string>>();
  const outputs: Record<string, OutputValue> = {};
  for (const output of rs.outputs.values()) {
    outputs[output.id] = decideOutput(output, results, values, missingFromFormulas);
  }
  const headline = outputs[headlineId(rs, values)] as OutputValue;
  return { outputs, status: headline.status === 'unknown' ? 'undetermined' : 'decided', missingFromFormulas };
}

/** Reasons, failed pathways, missing facts and ambiguities: the same for both evaluation paths. */
function assemble(
  rs: PreparedRuleSet,
  facts: Omit<FactValues, 'values'> & { readonly values: ReadonlyMap<string, unknown> },
  decided: { readonly outputs: Record<string, OutputValue>; readonly status: Decision['status']; readonly missingFromFormulas: ReadonlyMap<string, ReadonlySet<string>> },
  traces: readonly RuleTrace[],
): Decision {
  const { values, inputs, derived, asOf } = facts;
  const { outputs, status, missingFromFormulas } = decided;
  // A reason names what it could not fill in, rather than a bare "unknown":
  // the caseworker sees which fact to ask for.
  const lookup = (name: string): string => {
    const out = outputs[name];
    if (out) {
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

  return {
    ruleset: { id: rs.id, title: rs.title, version: rs.version, hash: rs.hash },
    as_of: asOf,
    status,
    outcome: headline,
    outputs: shown,
    rules: traces as RuleTrace[],
    reasons,
    failed,
    grounds,
    missing: missingFacts(rs, traces, outputs, missingFromFormulas, values),
    ambiguities: ambiguities(rs, traces, derived),
    facts: { inputs: { ...inputs }, derived },
  };
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

function hasAll(values: ReadonlyMap<string, unknown>, names: readonly string[]): boolean {
  for (const n of names) if (!values.has(n)) return false;
  return true;
}

function displayOf(def: PreparedOutput['definition'], value: unknown): string {
  const titled = def['x-value-titles']?.[String(value)];
  return titled ?? renderValue(value, def['x-unit'] ? { unit: def['x-unit'] } : undefined);
}

function decideOutput(
  output: PreparedOutput,
  results: readonly Truth[],
  values: ReadonlyMap<string, unknown>,
  missingFromFormulas: Map<string, Set<string>>,
): OutputValue {
  const def = output.definition;
  const held: PreparedRule[] = [];
  let openTop = 0;
  let anyOpen = false;
  for (const r of output.setBy) {
    const t = results[r.index];
    if (t === 'true') held.push(r);
    else if (t === 'unknown' || t === 'not_evaluated') {
      anyOpen = true;
      if (r.priority > openTop) openTop = r.priority;
    }
  }
  if (def.collect) {
    if (anyOpen) return makeOutput(output, 'unknown', null, held);
    if (held.length === 0) {
      if (def.default !== undefined) return makeOutput(output, 'default', def.default, [], displayOf(def, def.default));
      return makeOutput(output, 'default', [], [], '（无）');
    }
    const list: unknown[] = [];
    const seen = new Set<string>();
    for (const r of held) {
      const v = assign(r, output.id, values, missingFromFormulas);
      if (v === undefined) return makeOutput(output, 'unknown', null, held);
      const key = canonicalJson(v);
      if (!seen.has(key)) {
        seen.add(key);
        list.push(v);
      }
    }
    return makeOutput(output, 'set', list, held, list.map((v) => displayOf(def, v)).join('、'));
  }

  if (held.length === 0) {
    if (anyOpen) return makeOutput(output, 'unknown', null, []);
    if (def.default !== undefined) return makeOutput(output, 'default', def.default, [], displayOf(def, def.default));
    return makeOutput(output, 'unset', null, []);
  }
  let top = 0;
  for (const r of held) if (r.priority > top) top = r.priority;
  // A higher-priority rule still undecided could override what holds now.
  if (openTop > top) return makeOutput(output, 'unknown', null, []);
  const winners = held.filter((r) => r.priority === top);
  const computed = winners.map((r) => assign(r, output.id, values, missingFromFormulas));
  if (computed.some((v) => v === undefined)) return makeOutput(output, 'unknown', null, winners);
  if (computed.length > 1 && new Set(computed.map((v) => canonicalJson(v))).size > 1) {
    throw new ZhiduError('OUTPUT_CONFLICT', {
      key: output.id,
      found: winners.map((r, i) => `${r.id}=${JSON.stringify(computed[i])}`).join(', '),
    });
  }
  const value = computed[0];
  return makeOutput(output, 'set', value, winners, displayOf(def, value));
}

// Built by assignment, not spreads or per-call closures: this runs for every output of every decision.
function makeOutput(output: PreparedOutput, status: OutputValue['status'], value: unknown, rules: readonly PreparedRule[], display?: string): OutputValue {
  const def = output.definition;
  const ids: string[] = [];
  for (const r of rules) ids.push(r.id);
  const out: OutputValue = { id: output.id, title: def.title, status, value, rules: ids };
  const unit = def['x-unit'];
  if (unit) out.unit = unit;
  if (display !== undefined) out.display = display;
  return out;
}

/** The value a holding rule gives an output; undefined when its formula needs a missing fact. */
function assign(rule: PreparedRule, output: string, values: ReadonlyMap<string, unknown>, missing: Map<string, Set<string>>): unknown {
  const v = assignRaw(rule, output, values, missing);
  if (v === undefined) return undefined;
  const type = outputTypeOf(rule, output);
  // Decimal outputs travel as exact strings; JSON numbers would invite float arithmetic downstream.
  if (type === 'decimal' && (typeof v === 'number' || isDecimal(v))) return decimalText(toDecimal(v as number));
  return toPlain(v);
}

function outputTypeOf(rule: PreparedRule, output: string): string | undefined {
  return rule.outputTypes.get(output);
}

function assignRaw(rule: PreparedRule, output: string, values: ReadonlyMap<string, unknown>, missing: Map<string, Set<string>>): unknown {
  const a = rule.assignments.get(output);
  if (!a) return undefined;
  if (a.kind === 'literal') return a.value;
  const absent = a.formula.symbols.filter((s) => !values.has(s));
  if (absent.length > 0) {
    for (const s of absent) {
      const set = missing.get(s) ?? new Set<string>();
      set.add(rule.id);
      missing.set(s, set);
    }
    return undefined;
  }
  try {
    return a.formula.evaluate(values);
  } catch (err) {
    throw new ZhiduError('FORMULA_EVAL', { key: `${rule.id}.${output}`, detail: (err as Error).message });
  }
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

/** Ambiguities that bear on this decision: the rule set's own, those of derived facts used, of rules that held. */
function ambiguities(rs: PreparedRuleSet, traces: readonly RuleTrace[], derived: Record<string, unknown>): Decision['ambiguities'] {
  const notes = rs.ambiguityNotes;
  const out: Decision['ambiguities'] = notes.ruleSet.slice();
  for (const [id, list] of notes.derived) if (derived[id] !== null && derived[id] !== undefined) out.push(...list);
  for (const [index, list] of notes.rules) if (traces[index]?.result === 'true') out.push(...list);
  return out;
}
