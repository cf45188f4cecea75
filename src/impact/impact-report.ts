import type { Decision, OutputValue } from '../generated/decision.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { asDecimal, decimalText, toDecimal, type Decimal } from '../eval/decimal.js';
import { canonicalJson } from '../load/canonical-json.js';
import { evaluate, type CompactDecision } from '../eval/evaluate.js';
import { TRUTH_OF_CODE, type CompiledRule } from '../eval/compile.js';
import { renderValue } from '../decision/render.js';

/**
 * Constant-memory aggregation of "old version vs new version" over a stream
 * of compact decisions (no explanation is built per record): counts,
 * directions, exact-decimal amount totals, and the rules that made the
 * difference. Nothing grows with the population.
 *
 * The aggregation is a *partial* report that merges exactly and in any order:
 * parts of one population evaluated by different threads, processes or
 * machines merge into the partial of the whole, identical to one serial run.
 * That is why every cap below is chosen by a total order of keys (the k
 * smallest lines, the k smallest group keys) and never by arrival order: the
 * k smallest of a union are the k smallest of the parts' k smallest.
 * Explanations are built last, for the sample cases only (`finishReport`).
 */
export interface Side {
  readonly status: Decision['status'] | 'error';
  readonly outcome: unknown;
  readonly display: string;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly explanation: readonly string[];
  readonly error?: string;
}

/** A changed case as the partial keeps it: enough to re-decide it once the sample is final. */
export interface SampleCase {
  readonly line: number;
  readonly facts: Record<string, unknown>;
  readonly as_of: string;
  readonly rules: readonly string[];
}

export interface ChangedCase extends SampleCase {
  readonly from: Side;
  readonly to: Side;
  /** The applicant's facts in words, 迁入人与申请人的关系：子女 (only those given). */
  readonly facts_text: readonly string[];
  /** What changed, output by output, in words. */
  readonly changes: readonly OutputChange[];
}

export interface AmountImpact {
  readonly output: string;
  readonly title: string;
  readonly unit?: string;
  /**
   * Whether totals mean anything: money, people, area add up; deadlines in
   * days, ages, rates do not (decided by x-unit, see isSummable). When false
   * the totals are null and only directions and the distribution are given.
   */
  readonly summable: boolean;
  up: number;
  down: number;
  /** Exact decimal strings (null when not summable). */
  total_from: string | null;
  total_to: string | null;
  total_change: string | null;
  /** Records by exact change (new − old, decimal text), for the distribution; null beyond MAX_CHANGE_VALUES distinct changes. */
  changes: Record<string, number> | null;
}

/** Distinct change values kept per amount for the distribution. */
export const MAX_CHANGE_VALUES = 200;

/**
 * Units whose quantities add up across applicants. Anything else — 日, 个工作日,
 * 年, 岁, %, ‰, or no unit — is not summed: a total of deadlines is no figure.
 */
const ADDITIVE_UNIT = /^(?:元|万元|亿元|美元|元\/月|元\/年|元\/人|人|名|户|件|套|间|个|平方米|m²|㎡|亩)$/;

export function isSummable(unit: string | undefined): boolean {
  return unit !== undefined && ADDITIVE_UNIT.test(unit.trim());
}

/** A list output (collect: true), e.g. the pathways an applicant qualifies by: who gains or loses each value. */
export interface CollectedImpact {
  readonly output: string;
  readonly title: string;
  /** By value: its title, records that gained it, records that lost it. Values beyond the cap are counted in other. */
  values: { value: string; title: string; gained: number; lost: number }[];
  other: { gained: number; lost: number };
}

/** One changed output of a sample case, in words: 办理结论：准予落户（迁入） → 不予办理. */
export interface OutputChange {
  readonly output: string;
  readonly title: string;
  readonly from: string;
  readonly to: string;
}

export interface RuleGroup<C = ChangedCase> {
  readonly rules: readonly string[];
  readonly titles: readonly string[];
  count: number;
  newly_eligible: number;
  no_longer_eligible: number;
  amount_change: Record<string, string>;
  readonly sample: C[];
  /** The combinations beyond the cap, summed together (rules is empty). */
  readonly other?: true;
}

export interface Transition {
  readonly from: string;
  readonly to: string;
  count: number;
}

interface ReportHeader {
  readonly ruleset: string;
  readonly from: { readonly version: string; readonly hash: string; readonly effective_from: string | null };
  readonly to: { readonly version: string; readonly hash: string; readonly effective_from: string | null };
  readonly as_of: string;
}

interface Counts {
  records: number;
  /** Records refused by either version (bad facts); counted, not compared. */
  invalid: number;
  changed: number;
  unchanged: number;
}

interface OutcomeCounts {
  readonly output: string;
  readonly title: string;
  readonly boolean: boolean;
  newly_eligible: number;
  no_longer_eligible: number;
  became_undetermined: number;
  became_decided: number;
}

/** Mergeable state of an impact run over part (or all) of a population; JSON-safe. */
export interface ImpactPartial extends ReportHeader, Counts {
  readonly kind: 'impact-partial';
  readonly outcome: OutcomeCounts & {
    /** The MAX_TRANSITIONS smallest keys "from→to"; the rest counted in transitions_other. */
    transitions: Transition[];
    transitions_other: number;
  };
  readonly amounts: AmountImpact[];
  readonly collected: CollectedImpact[];
  /** The MAX_GROUPS smallest group keys (rule ids joined); the rest summed in other_group. */
  by_rule: RuleGroup<SampleCase>[];
  other_group: Omit<RuleGroup<SampleCase>, 'rules' | 'titles' | 'sample'>;
  /** The sampleSize changed cases with the smallest lines. */
  sample: SampleCase[];
  invalid_sample: { line: number; message: string }[];
  readonly caps: ImpactCaps;
}

/** Bounds of a partial; parts merge only with parts of the same bounds. */
export interface ImpactCaps {
  readonly sample: number;
  readonly sample_per_rule: number;
  readonly groups: number;
  readonly transitions: number;
}

export interface ImpactReport extends ReportHeader, Counts {
  readonly outcome: OutcomeCounts & { transitions: Transition[] };
  readonly amounts: AmountImpact[];
  readonly collected: CollectedImpact[];
  by_rule: RuleGroup[];
  readonly sample: ChangedCase[];
  readonly invalid_sample: { line: number; message: string }[];
  elapsed_ms: number;
  records_per_second: number;
}

export const MAX_TRANSITIONS = 200;
export const MAX_GROUPS = 500;
const OTHER = '其他';

/** Per version: where each rule's result sits in the compact codes. */
interface RuleIndex {
  readonly ids: readonly string[];
  readonly offsets: readonly number[];
}

function ruleIndex(rs: PreparedRuleSet): RuleIndex {
  return { ids: rs.rules.map((r) => r.id), offsets: rs.rules.map((r) => (rs.compiled.rules[r.index] as CompiledRule).offset) };
}

export class ImpactAggregator {
  private readonly header: ReportHeader;
  private readonly caps: ImpactCaps;
  private readonly counts: Counts = { records: 0, invalid: 0, changed: 0, unchanged: 0 };
  private readonly outcome: OutcomeCounts;
  private readonly amountDefs: { output: string; title: string; unit?: string; summable: boolean }[];
  private readonly totals: { from: Decimal; to: Decimal; up: number; down: number; changes: Map<string, number> | null }[];
  private readonly collectDefs: { output: string; title: string; titles: Readonly<Record<string, string>> }[];
  private readonly collected: { values: Map<string, { gained: number; lost: number }>; other: { gained: number; lost: number } }[];
  private readonly transitions = new Map<string, Transition>();
  private transitionsOther = 0;
  private readonly groups = new Map<string, GroupState>();
  private readonly otherGroup: GroupState;
  private readonly sample: SampleCase[] = [];
  private readonly invalidSample: { line: number; message: string }[] = [];
  private readonly fromIndex: RuleIndex;
  private readonly toIndex: RuleIndex;
  /** Rule ids of either version, each with its index in from and to (-1: that version has no such rule). */
  private readonly union: readonly { id: string; a: number; b: number }[];

  constructor(
    private readonly fromRs: PreparedRuleSet,
    private readonly toRs: PreparedRuleSet,
    asOf: string,
    sampleSize = 10,
    caps: Partial<Omit<ImpactCaps, 'sample'>> = {},
  ) {
    this.caps = { sample: sampleSize, sample_per_rule: caps.sample_per_rule ?? 2, groups: caps.groups ?? MAX_GROUPS, transitions: caps.transitions ?? MAX_TRANSITIONS };
    const outcomeId = toRs.definition.outcome;
    const outDef = toRs.definition.outputs[outcomeId];
    this.header = {
      ruleset: toRs.id,
      from: { version: fromRs.version, hash: fromRs.hash, effective_from: fromRs.effectiveFrom },
      to: { version: toRs.version, hash: toRs.hash, effective_from: toRs.effectiveFrom },
      as_of: asOf,
    };
    this.outcome = { output: outcomeId, title: outDef?.title ?? outcomeId, boolean: outDef?.type === 'boolean', newly_eligible: 0, no_longer_eligible: 0, became_undetermined: 0, became_decided: 0 };
    this.amountDefs = Object.entries(toRs.definition.outputs)
      .filter(([, o]) => !o.collect && (o.type === 'decimal' || o.type === 'integer'))
      .map(([id, o]) => ({ output: id, title: o.title, ...(o['x-unit'] ? { unit: o['x-unit'] } : {}), summable: isSummable(o['x-unit']) }));
    this.totals = this.amountDefs.map(() => ({ from: toDecimal(0), to: toDecimal(0), up: 0, down: 0, changes: new Map<string, number>() }));
    this.collectDefs = Object.entries(toRs.definition.outputs)
      .filter(([, o]) => o.collect)
      .map(([id, o]) => ({ output: id, title: o.title, titles: (o['x-value-titles'] ?? {}) as Record<string, string> }));
    this.collected = this.collectDefs.map(() => ({ values: new Map(), other: { gained: 0, lost: 0 } }));
    this.otherGroup = newGroup([], []);
    this.fromIndex = ruleIndex(fromRs);
    this.toIndex = ruleIndex(toRs);
    const aOf = new Map(this.fromIndex.ids.map((id, i) => [id, i]));
    const bOf = new Map(this.toIndex.ids.map((id, i) => [id, i]));
    this.union = [...new Set([...this.fromIndex.ids, ...this.toIndex.ids])].map((id) => ({ id, a: aOf.get(id) ?? -1, b: bOf.get(id) ?? -1 }));
  }

  invalid(line: number, message: string): void {
    this.counts.records += 1;
    this.counts.invalid += 1;
    insertByLine(this.invalidSample, { line, message }, this.caps.sample);
  }

  add(line: number, facts: Record<string, unknown>, asOf: string, from: CompactDecision, to: CompactDecision): void {
    this.counts.records += 1;
    const outputsChanged: string[] = [];
    for (const id in from.outputs) if (!sameOutput(from.outputs[id], to.outputs[id])) outputsChanged.push(id);
    for (const id in to.outputs) if (!(id in from.outputs)) outputsChanged.push(id);
    const deltas: (Decimal | undefined)[] = [];
    for (const [i, def] of this.amountDefs.entries()) {
      const t = this.totals[i] as (typeof this.totals)[number];
      const va = amountOf(from.outputs[def.output]);
      const vb = amountOf(to.outputs[def.output]);
      if (va !== undefined) t.from = t.from.plus(va);
      if (vb !== undefined) t.to = t.to.plus(vb);
      if (va !== undefined && vb !== undefined) {
        const c = vb.cmp(va);
        if (c > 0) t.up += 1;
        if (c < 0) t.down += 1;
      }
      const da = va ?? toDecimal(0);
      const db = vb ?? toDecimal(0);
      const delta = da.eq(db) ? undefined : db.minus(da);
      deltas.push(def.summable ? delta : undefined);
      if (delta && t.changes) {
        const key = decimalText(delta);
        t.changes.set(key, (t.changes.get(key) ?? 0) + 1);
        if (t.changes.size > MAX_CHANGE_VALUES) t.changes = null;
      }
    }
    for (const [i, def] of this.collectDefs.entries()) {
      const before = listOf(from.outputs[def.output]);
      const after = listOf(to.outputs[def.output]);
      if (before === after) continue;
      const c = this.collected[i] as (typeof this.collected)[number];
      const a = new Set(before.split('\u0000'));
      const b = new Set(after.split('\u0000'));
      for (const v of b) if (v && !a.has(v)) countValue(c, v, 'gained', this.caps.transitions);
      for (const v of a) if (v && !b.has(v)) countValue(c, v, 'lost', this.caps.transitions);
    }
    if (outputsChanged.length === 0 && from.status === to.status) {
      this.counts.unchanged += 1;
      return;
    }
    this.counts.changed += 1;
    const o = this.outcome;
    const a = from.outputs[o.output] as OutputValue;
    const b = to.outputs[o.output] as OutputValue;
    const wasEligible = a?.value === true;
    const isEligible = b?.value === true;
    const newly = o.boolean && !wasEligible && isEligible ? 1 : 0;
    const lost = o.boolean && wasEligible && !isEligible ? 1 : 0;
    o.newly_eligible += newly;
    o.no_longer_eligible += lost;
    if (from.status === 'decided' && to.status === 'undetermined') o.became_undetermined += 1;
    if (from.status === 'undetermined' && to.status === 'decided') o.became_decided += 1;
    if (a && b && !sameOutput(a, b)) this.countTransition(label(a), label(b));

    const rules = this.differenceRules(from, to, outputsChanged);
    const group = this.groupFor(rules);
    group.count += 1;
    group.newly_eligible += newly;
    group.no_longer_eligible += lost;
    for (const [i, d] of deltas.entries()) {
      if (d === undefined) continue;
      const id = (this.amountDefs[i] as (typeof this.amountDefs)[number]).output;
      group.amounts.set(id, (group.amounts.get(id) ?? toDecimal(0)).plus(d));
    }
    const needGroup = group !== this.otherGroup && (group.sample.length < this.caps.sample_per_rule || line < (group.sample[group.sample.length - 1] as SampleCase).line);
    const needOverall = this.sample.length < this.caps.sample || line < (this.sample[this.sample.length - 1] as SampleCase).line;
    if (needGroup || needOverall) {
      const c: SampleCase = { line, facts, as_of: asOf, rules };
      if (needGroup) insertByLine(group.sample, c, this.caps.sample_per_rule);
      if (needOverall) insertByLine(this.sample, c, this.caps.sample);
    }
  }

  private countTransition(from: string, to: string): void {
    const key = `${from}→${to}`;
    const t = this.transitions.get(key);
    if (t) {
      t.count += 1;
      return;
    }
    if (this.transitions.size < this.caps.transitions) {
      this.transitions.set(key, { from, to, count: 1 });
      return;
    }
    const max = maxKey(this.transitions.keys());
    if (key < max) {
      this.transitionsOther += (this.transitions.get(max) as Transition).count;
      this.transitions.delete(max);
      this.transitions.set(key, { from, to, count: 1 });
    } else this.transitionsOther += 1;
  }

  private groupFor(rules: readonly string[]): GroupState {
    const key = rules.join(',');
    const g = this.groups.get(key);
    if (g) return g;
    const titles = () => rules.map((id) => this.toRs.rules.find((x) => x.id === id)?.definition.title ?? this.fromRs.rules.find((x) => x.id === id)?.definition.title ?? id);
    if (this.groups.size < this.caps.groups) {
      const made = newGroup(rules, titles());
      this.groups.set(key, made);
      return made;
    }
    const max = maxKey(this.groups.keys());
    if (key > max) return this.otherGroup;
    foldInto(this.otherGroup, this.groups.get(max) as GroupState);
    this.groups.delete(max);
    const made = newGroup(rules, titles());
    this.groups.set(key, made);
    return made;
  }

  /**
   * The rules that made the difference: those whose result (holds, fails,
   * unknown) differs between the versions; when every rule decides the same but
   * an output changed (an amount's formula), the rules that set it.
   */
  private differenceRules(from: CompactDecision, to: CompactDecision, outputsChanged: readonly string[]): string[] {
    const out: string[] = [];
    const fa = this.fromIndex.offsets;
    const tb = this.toIndex.offsets;
    for (const u of this.union) {
      const ra = u.a >= 0 ? TRUTH_OF_CODE[from.codes[fa[u.a] as number] as number] : undefined;
      const rb = u.b >= 0 ? TRUTH_OF_CODE[to.codes[tb[u.b] as number] as number] : undefined;
      // Any change of a rule's result counts, unknown → false included (a case leaving 待定);
      // a rule only one version has counts where it holds.
      if (ra === undefined || rb === undefined ? (ra ?? rb) === 'true' : ra !== rb) out.push(u.id);
    }
    if (out.length === 0) {
      const set = new Set<string>();
      for (const id of outputsChanged) for (const r of [...(from.outputs[id]?.rules ?? []), ...(to.outputs[id]?.rules ?? [])]) set.add(r);
      return [...set].sort();
    }
    return out.sort();
  }

  /** The mergeable state so far (a copy: the aggregator may go on). */
  partial(): ImpactPartial {
    return {
      kind: 'impact-partial',
      ...this.header,
      ...this.counts,
      outcome: { ...this.outcome, transitions: sortedTransitions([...this.transitions.values()].map((t) => ({ ...t }))), transitions_other: this.transitionsOther },
      amounts: this.amountDefs.map((d, i) => {
        const t = this.totals[i] as (typeof this.totals)[number];
        return {
          ...d,
          up: t.up,
          down: t.down,
          total_from: d.summable ? decimalText(t.from) : null,
          total_to: d.summable ? decimalText(t.to) : null,
          total_change: d.summable ? decimalText(t.to.minus(t.from)) : null,
          changes: t.changes ? changesRecord(t.changes) : null,
        };
      }),
      collected: this.collectDefs.map((d, i) => {
        const c = this.collected[i] as (typeof this.collected)[number];
        return { output: d.output, title: d.title, values: [...c.values.entries()].sort(([x], [y]) => cmp(x, y)).map(([value, n]) => ({ value, title: d.titles[value] ?? value, ...n })), other: { ...c.other } };
      }),
      by_rule: sortedGroups([...this.groups.values()].map(groupOut)),
      other_group: otherOut(this.otherGroup),
      sample: this.sample.slice(),
      invalid_sample: this.invalidSample.slice(),
      caps: this.caps,
    };
  }
}

/** A list output's values as one comparable key (sorted, NUL-joined); '' when empty or unknown. */
function listOf(o: OutputValue | undefined): string {
  if (!o || o.status === 'unknown' || !Array.isArray(o.value)) return '';
  return o.value.map((v) => String(v)).sort().join('\u0000');
}

/** Count a list value gained or lost, keeping the `cap` smallest values (the rest in other), as the groups do. */
function countValue(c: { values: Map<string, { gained: number; lost: number }>; other: { gained: number; lost: number } }, v: string, side: 'gained' | 'lost', cap: number): void {
  let n = c.values.get(v);
  if (!n) {
    if (c.values.size >= cap) {
      const max = maxKey(c.values.keys());
      if (v > max) {
        c.other[side] += 1;
        return;
      }
      const evicted = c.values.get(max) as { gained: number; lost: number };
      c.other.gained += evicted.gained;
      c.other.lost += evicted.lost;
      c.values.delete(max);
    }
    n = { gained: 0, lost: 0 };
    c.values.set(v, n);
  }
  n[side] += 1;
}

/** By numeric value of the change, so the distribution reads left to right. */
function changesRecord(m: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => toDecimal(a).cmp(toDecimal(b))));
}

interface GroupState {
  readonly rules: readonly string[];
  readonly titles: readonly string[];
  count: number;
  newly_eligible: number;
  no_longer_eligible: number;
  readonly amounts: Map<string, Decimal>;
  readonly sample: SampleCase[];
}

function newGroup(rules: readonly string[], titles: readonly string[]): GroupState {
  return { rules, titles, count: 0, newly_eligible: 0, no_longer_eligible: 0, amounts: new Map(), sample: [] };
}

function foldInto(into: GroupState, g: { count: number; newly_eligible: number; no_longer_eligible: number; amounts: ReadonlyMap<string, Decimal> }): void {
  into.count += g.count;
  into.newly_eligible += g.newly_eligible;
  into.no_longer_eligible += g.no_longer_eligible;
  for (const [k, v] of g.amounts) into.amounts.set(k, (into.amounts.get(k) ?? toDecimal(0)).plus(v));
}

function amountRecord(m: ReadonlyMap<string, Decimal>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...m.keys()].sort()) {
    const v = m.get(k) as Decimal;
    if (!v.isZero()) out[k] = decimalText(v);
  }
  return out;
}

function groupOut(g: GroupState): RuleGroup<SampleCase> {
  return { rules: g.rules, titles: g.titles, count: g.count, newly_eligible: g.newly_eligible, no_longer_eligible: g.no_longer_eligible, amount_change: amountRecord(g.amounts), sample: g.sample.slice() };
}

function otherOut(g: GroupState): ImpactPartial['other_group'] {
  return { count: g.count, newly_eligible: g.newly_eligible, no_longer_eligible: g.no_longer_eligible, amount_change: amountRecord(g.amounts) };
}

function groupIn(g: { count: number; newly_eligible: number; no_longer_eligible: number; amount_change: Record<string, string> }) {
  return { count: g.count, newly_eligible: g.newly_eligible, no_longer_eligible: g.no_longer_eligible, amounts: new Map(Object.entries(g.amount_change).map(([k, v]) => [k, toDecimal(v)])) };
}

function maxKey(keys: Iterable<string>): string {
  let max = '';
  for (const k of keys) if (k > max) max = k;
  return max;
}

/** Keep `list` the `cap` items with the smallest lines, ascending (a line appears once). */
function insertByLine<T extends { line: number }>(list: T[], item: T, cap: number): void {
  if (cap <= 0) return;
  if (list.length >= cap && item.line >= (list[list.length - 1] as T).line) return;
  let i = list.length;
  while (i > 0 && (list[i - 1] as T).line > item.line) i -= 1;
  if (i > 0 && (list[i - 1] as T).line === item.line) return;
  list.splice(i, 0, item);
  if (list.length > cap) list.pop();
}

/** Most frequent first; ties by key, so the order never depends on arrival. */
function sortedTransitions(ts: Transition[]): Transition[] {
  return ts.sort((x, y) => y.count - x.count || cmp(`${x.from}→${x.to}`, `${y.from}→${y.to}`));
}

function sortedGroups<C>(gs: RuleGroup<C>[]): RuleGroup<C>[] {
  return gs.sort((x, y) => y.count - x.count || cmp(x.rules.join(','), y.rules.join(',')));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Combine the partials of disjoint parts of one population (threads,
 * processes, chunks on other machines) into the partial of the whole: exact,
 * and the same whatever the order or the split.
 */
export function mergeReports(parts: readonly ImpactPartial[]): ImpactPartial {
  const first = parts[0];
  if (!first) throw new Error('mergeReports: no reports');
  for (const p of parts) if (p.to.hash !== first.to.hash || p.from.hash !== first.from.hash || p.as_of !== first.as_of || canonicalJson(p.caps) !== canonicalJson(first.caps)) throw new Error('mergeReports: partials of different runs');
  const caps = first.caps;
  const sampleSize = caps.sample;
  const perRule = caps.sample_per_rule;
  const sum = (f: (r: ImpactPartial) => number) => parts.reduce((n, r) => n + f(r), 0);
  const dsum = (xs: readonly string[]) => xs.reduce((t, x) => t.plus(toDecimal(x)), toDecimal(0));
  const amounts = first.amounts.map((a): AmountImpact => {
    const same = parts.map((r) => r.amounts.find((x) => x.output === a.output) as AmountImpact);
    const from = dsum(same.map((x) => x.total_from ?? '0'));
    const to = dsum(same.map((x) => x.total_to ?? '0'));
    let changes: Map<string, number> | null = new Map();
    for (const x of same) {
      if (!x.changes || !changes) {
        changes = null;
        break;
      }
      for (const [k, n] of Object.entries(x.changes)) changes.set(k, (changes.get(k) ?? 0) + n);
    }
    if (changes && changes.size > MAX_CHANGE_VALUES) changes = null;
    return {
      ...a,
      up: same.reduce((n, x) => n + x.up, 0),
      down: same.reduce((n, x) => n + x.down, 0),
      total_from: a.summable ? decimalText(from) : null,
      total_to: a.summable ? decimalText(to) : null,
      total_change: a.summable ? decimalText(to.minus(from)) : null,
      changes: changes ? changesRecord(changes) : null,
    };
  });
  const collected = first.collected.map((c): CollectedImpact => {
    const state = { values: new Map<string, { gained: number; lost: number }>(), other: { gained: 0, lost: 0 } };
    const titles = new Map<string, string>();
    for (const r of parts) {
      const x = r.collected.find((y) => y.output === c.output) as CollectedImpact;
      state.other.gained += x.other.gained;
      state.other.lost += x.other.lost;
      for (const v of x.values) {
        titles.set(v.value, v.title);
        const n = state.values.get(v.value) ?? { gained: 0, lost: 0 };
        n.gained += v.gained;
        n.lost += v.lost;
        state.values.set(v.value, n);
      }
    }
    const kept = [...state.values.keys()].sort(cmp).slice(0, caps.transitions);
    const keptSet = new Set(kept);
    for (const [k, n] of state.values) if (!keptSet.has(k)) {
      state.other.gained += n.gained;
      state.other.lost += n.lost;
    }
    return { output: c.output, title: c.title, values: kept.map((k) => ({ value: k, title: titles.get(k) ?? k, ...(state.values.get(k) as { gained: number; lost: number }) })), other: state.other };
  });

  const transitions = new Map<string, Transition>();
  let transitionsOther = sum((r) => r.outcome.transitions_other);
  for (const r of parts)
    for (const t of r.outcome.transitions) {
      const k = `${t.from}→${t.to}`;
      const m = transitions.get(k) ?? { from: t.from, to: t.to, count: 0 };
      m.count += t.count;
      transitions.set(k, m);
    }
  const keptTransitions = [...transitions.keys()].sort(cmp).slice(0, caps.transitions);
  const keptT = new Set(keptTransitions);
  for (const [k, t] of transitions) if (!keptT.has(k)) transitionsOther += t.count;

  const groups = new Map<string, GroupState>();
  const other = newGroup([], []);
  for (const r of parts) {
    foldInto(other, groupIn(r.other_group));
    for (const g of r.by_rule) {
      const k = g.rules.join(',');
      const m = groups.get(k) ?? newGroup(g.rules, g.titles);
      foldInto(m, groupIn(g));
      for (const c of g.sample) insertByLine(m.sample, c, perRule);
      groups.set(k, m);
    }
  }
  const keptGroups = new Set([...groups.keys()].sort(cmp).slice(0, caps.groups));
  for (const [k, g] of groups) if (!keptGroups.has(k)) foldInto(other, g);

  const sample: SampleCase[] = [];
  for (const r of parts) for (const c of r.sample) insertByLine(sample, c, sampleSize);
  const invalidSample: { line: number; message: string }[] = [];
  for (const r of parts) for (const e of r.invalid_sample) insertByLine(invalidSample, e, sampleSize);

  return {
    kind: 'impact-partial',
    ruleset: first.ruleset,
    from: first.from,
    to: first.to,
    as_of: first.as_of,
    records: sum((r) => r.records),
    invalid: sum((r) => r.invalid),
    changed: sum((r) => r.changed),
    unchanged: sum((r) => r.unchanged),
    outcome: {
      output: first.outcome.output,
      title: first.outcome.title,
      boolean: first.outcome.boolean,
      newly_eligible: sum((r) => r.outcome.newly_eligible),
      no_longer_eligible: sum((r) => r.outcome.no_longer_eligible),
      became_undetermined: sum((r) => r.outcome.became_undetermined),
      became_decided: sum((r) => r.outcome.became_decided),
      transitions: sortedTransitions(keptTransitions.map((k) => transitions.get(k) as Transition)),
      transitions_other: transitionsOther,
    },
    amounts,
    collected,
    by_rule: sortedGroups([...groups.entries()].filter(([k]) => keptGroups.has(k)).map(([, g]) => groupOut(g))),
    other_group: otherOut(other),
    sample,
    invalid_sample: invalidSample,
    caps,
  };
}

/**
 * The report policy staff read: the partial with each sample case re-decided
 * under both versions, this time with the full explanation (the only
 * explanations an impact run builds).
 */
export async function finishReport(p: ImpactPartial, fromRs: PreparedRuleSet, toRs: PreparedRuleSet, elapsedMs: number): Promise<ImpactReport> {
  const explained = new Map<number, ChangedCase>();
  const explainCase = async (c: SampleCase): Promise<ChangedCase> => {
    const done = explained.get(c.line);
    if (done) return done;
    const focus = new Set(c.rules);
    const decide = async (rs: PreparedRuleSet): Promise<Decision | Error> => {
      try {
        return await evaluate(rs, c.facts, { asOf: c.as_of });
      } catch (err) {
        return err as Error;
      }
    };
    const a = await decide(fromRs);
    const b = await decide(toRs);
    const sideOf = (d: Decision | Error): Side => (d instanceof Error ? { status: 'error', outcome: null, display: '错误', outputs: {}, explanation: [], error: d.message } : side(d, focus));
    const made: ChangedCase = { ...c, from: sideOf(a), to: sideOf(b), facts_text: factsText(toRs, c.facts), changes: a instanceof Error || b instanceof Error ? [] : outputChanges(a, b) };
    explained.set(c.line, made);
    return made;
  };
  const byRule: RuleGroup[] = [];
  for (const g of p.by_rule) {
    const sample: ChangedCase[] = [];
    for (const c of g.sample) sample.push(await explainCase(c));
    byRule.push({ ...g, sample });
  }
  if (p.other_group.count > 0) byRule.push({ rules: [], titles: [], ...p.other_group, sample: [], other: true });
  const sample: ChangedCase[] = [];
  for (const c of p.sample) sample.push(await explainCase(c));
  const transitions = p.outcome.transitions.slice();
  if (p.outcome.transitions_other > 0) transitions.push({ from: OTHER, to: OTHER, count: p.outcome.transitions_other });
  const { transitions_other: _omit, ...outcome } = p.outcome;
  return {
    ruleset: p.ruleset,
    from: p.from,
    to: p.to,
    as_of: p.as_of,
    records: p.records,
    invalid: p.invalid,
    changed: p.changed,
    unchanged: p.unchanged,
    outcome: { ...outcome, transitions },
    amounts: p.amounts,
    collected: p.collected,
    by_rule: byRule,
    sample,
    invalid_sample: p.invalid_sample,
    elapsed_ms: Math.round(elapsedMs),
    records_per_second: elapsedMs > 0 ? Math.round((p.records / elapsedMs) * 1000) : 0,
  };
}

/** The facts as a caseworker would read them: title：value (enum titles, units), in input order. */
function factsText(rs: PreparedRuleSet, facts: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [id, p] of Object.entries(rs.definition.inputs.properties)) {
    if (!(id in facts) || facts[id] === null || facts[id] === undefined) continue;
    out.push(`${p.title ?? id}：${renderValue(facts[id], { ...(p['x-enum-titles'] ? { enumTitles: p['x-enum-titles'] } : {}), ...(p['x-unit'] ? { unit: p['x-unit'] } : {}) })}`);
  }
  return out;
}

/** Outputs whose value differs, before → after, in the words of the decision. */
function outputChanges(a: Decision, b: Decision): OutputChange[] {
  const out: OutputChange[] = [];
  for (const id of new Set([...Object.keys(a.outputs), ...Object.keys(b.outputs)])) {
    const x = a.outputs[id];
    const y = b.outputs[id];
    if (sameOutput(x, y)) continue;
    const words = (o: OutputValue | undefined) => (!o ? '（无）' : o.status === 'unknown' ? '待定' : o.status === 'unset' ? '（无）' : (o.display ?? String(o.value)));
    out.push({ output: id, title: y?.title ?? x?.title ?? id, from: words(x), to: words(y) });
  }
  return out;
}

/** An amount counts when decided; an output no rule set (not eligible) counts as 0; unknown counts as nothing. */
function amountOf(o: OutputValue | undefined): Decimal | undefined {
  if (!o || o.status === 'unknown') return undefined;
  if (o.status === 'unset') return toDecimal(0);
  return asDecimal(o.value);
}

function sameOutput(a: OutputValue | undefined, b: OutputValue | undefined): boolean {
  if (!a || !b) return a === b;
  if ((a.status === 'unknown') !== (b.status === 'unknown')) return false;
  if (a.value === b.value) return true;
  const da = asDecimal(a.value);
  const db = asDecimal(b.value);
  if (da && db) return da.eq(db);
  return canonicalJson(a.value ?? null) === canonicalJson(b.value ?? null);
}

function label(o: OutputValue): string {
  if (o.status === 'unknown') return '待定';
  return o.display ?? (o.value === null ? '（无）' : String(o.value));
}

/** One version's answer for a changed case: the reasons, and the failed pathways among the rules that made the difference. */
export function side(d: Decision, focus?: ReadonlySet<string>): Side {
  return {
    status: d.status,
    outcome: d.outcome.value,
    display: d.status === 'undetermined' ? '待定' : label(d.outcome),
    outputs: Object.fromEntries(Object.values(d.outputs).filter((o) => o.status !== 'unset').map((o) => [o.id, o.value])),
    explanation: [...d.reasons.map((r) => `${r.holds ? '✔' : '✘'} ${r.text}〔${r.citation.clause}〕`), ...d.failed.filter((f) => !focus || focus.has(f.rule)).map((f) => `✘ 未满足：${f.title}〔${f.citation.clause}〕${f.conditions.length ? `：${f.conditions.map((c) => `${c.text}（实际 ${c.actual_display ?? '未知'}）`).join('；')}` : ''}`)],
  };
}
