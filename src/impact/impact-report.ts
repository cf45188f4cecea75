import type { Decision, OutputValue } from '../generated/decision.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { asDecimal, decimalText, toDecimal, type Decimal } from '../eval/decimal.js';
import { canonicalJson } from '../load/canonical-json.js';
import { evaluate, type CompactDecision } from '../eval/evaluate.js';
import { TRUTH_OF_CODE, type CompiledRule } from '../eval/compile.js';

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
}

export interface AmountImpact {
  readonly output: string;
  readonly title: string;
  readonly unit?: string;
  up: number;
  down: number;
  /** Exact decimal strings. */
  total_from: string;
  total_to: string;
  total_change: string;
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
  private readonly amountDefs: { output: string; title: string; unit?: string }[];
  private readonly totals: { from: Decimal; to: Decimal; up: number; down: number }[];
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
      .map(([id, o]) => ({ output: id, title: o.title, ...(o['x-unit'] ? { unit: o['x-unit'] } : {}) }));
    this.totals = this.amountDefs.map(() => ({ from: toDecimal(0), to: toDecimal(0), up: 0, down: 0 }));
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
      deltas.push(da.eq(db) ? undefined : db.minus(da));
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
        return { ...d, up: t.up, down: t.down, total_from: decimalText(t.from), total_to: decimalText(t.to), total_change: decimalText(t.to.minus(t.from)) };
      }),
      by_rule: sortedGroups([...this.groups.values()].map(groupOut)),
      other_group: otherOut(this.otherGroup),
      sample: this.sample.slice(),
      invalid_sample: this.invalidSample.slice(),
      caps: this.caps,
    };
  }
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
  const amounts = first.amounts.map((a) => {
    const same = parts.map((r) => r.amounts.find((x) => x.output === a.output) as AmountImpact);
    const from = dsum(same.map((x) => x.total_from));
    const to = dsum(same.map((x) => x.total_to));
    return { ...a, up: same.reduce((n, x) => n + x.up, 0), down: same.reduce((n, x) => n + x.down, 0), total_from: decimalText(from), total_to: decimalText(to), total_change: decimalText(to.minus(from)) };
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
    const sideOf = async (rs: PreparedRuleSet): Promise<Side> => {
      try {
        return side(await evaluate(rs, c.facts, { asOf: c.as_of }), focus);
      } catch (err) {
        return { status: 'error', outcome: null, display: '错误', outputs: {}, explanation: [], error: (err as Error).message };
      }
    };
    const made: ChangedCase = { ...c, from: await sideOf(fromRs), to: await sideOf(toRs) };
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
    by_rule: byRule,
    sample,
    invalid_sample: p.invalid_sample,
    elapsed_ms: Math.round(elapsedMs),
    records_per_second: elapsedMs > 0 ? Math.round((p.records / elapsedMs) * 1000) : 0,
  };
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
