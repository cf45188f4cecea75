import type { Decision, OutputValue } from '../generated/decision.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { asDecimal, decimalText, toDecimal, type Decimal } from '../eval/decimal.js';
import { canonicalJson } from '../load/canonical-json.js';

/**
 * Constant-memory aggregation of "old version vs new version" over a stream
 * of cases: counts, directions, exact-decimal amount totals, and the rule
 * that made the difference — with a bounded sample of changed cases (both
 * explanations) per rule and overall. Nothing grows with the population.
 */
export interface Side {
  readonly status: Decision['status'] | 'error';
  readonly outcome: unknown;
  readonly display: string;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly explanation: readonly string[];
  readonly error?: string;
}

export interface ChangedCase {
  readonly line: number;
  readonly facts: Record<string, unknown>;
  readonly rules: readonly string[];
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

export interface RuleGroup {
  readonly rules: readonly string[];
  readonly titles: readonly string[];
  count: number;
  newly_eligible: number;
  no_longer_eligible: number;
  amount_change: Record<string, string>;
  readonly sample: ChangedCase[];
}

export interface ImpactReport {
  readonly ruleset: string;
  readonly from: { readonly version: string; readonly hash: string; readonly effective_from: string | null };
  readonly to: { readonly version: string; readonly hash: string; readonly effective_from: string | null };
  readonly as_of: string;
  records: number;
  /** Records refused by either version (bad facts); counted, not compared. */
  invalid: number;
  changed: number;
  unchanged: number;
  readonly outcome: {
    readonly output: string;
    readonly title: string;
    readonly boolean: boolean;
    newly_eligible: number;
    no_longer_eligible: number;
    became_undetermined: number;
    became_decided: number;
    transitions: { from: string; to: string; count: number }[];
  };
  readonly amounts: AmountImpact[];
  by_rule: RuleGroup[];
  readonly sample: ChangedCase[];
  readonly invalid_sample: { line: number; message: string }[];
  elapsed_ms: number;
  records_per_second: number;
}

const MAX_TRANSITIONS = 50;
const MAX_GROUPS = 500;

export class ImpactAggregator {
  readonly report: ImpactReport;
  private readonly totals = new Map<string, { from: Decimal; to: Decimal }>();
  private readonly groups = new Map<string, RuleGroup>();
  private readonly transitions = new Map<string, { from: string; to: string; count: number }>();

  constructor(
    private readonly fromRs: PreparedRuleSet,
    private readonly toRs: PreparedRuleSet,
    asOf: string,
    private readonly sampleSize = 10,
    private readonly samplePerRule = 2,
  ) {
    const outcomeId = toRs.definition.outcome;
    const outDef = toRs.definition.outputs[outcomeId];
    const amountOutputs = Object.entries(toRs.definition.outputs).filter(([, o]) => !o.collect && (o.type === 'decimal' || o.type === 'integer'));
    for (const [id] of amountOutputs) this.totals.set(id, { from: toDecimal(0), to: toDecimal(0) });
    this.report = {
      ruleset: toRs.id,
      from: { version: fromRs.version, hash: fromRs.hash, effective_from: fromRs.effectiveFrom },
      to: { version: toRs.version, hash: toRs.hash, effective_from: toRs.effectiveFrom },
      as_of: asOf,
      records: 0,
      invalid: 0,
      changed: 0,
      unchanged: 0,
      outcome: { output: outcomeId, title: outDef?.title ?? outcomeId, boolean: outDef?.type === 'boolean', newly_eligible: 0, no_longer_eligible: 0, became_undetermined: 0, became_decided: 0, transitions: [] },
      amounts: amountOutputs.map(([id, o]) => ({ output: id, title: o.title, ...(o['x-unit'] ? { unit: o['x-unit'] } : {}), up: 0, down: 0, total_from: '0', total_to: '0', total_change: '0' })),
      by_rule: [],
      sample: [],
      invalid_sample: [],
      elapsed_ms: 0,
      records_per_second: 0,
    };
  }

  invalid(line: number, message: string): void {
    this.report.records += 1;
    this.report.invalid += 1;
    if (this.report.invalid_sample.length < this.sampleSize) this.report.invalid_sample.push({ line, message });
  }

  add(line: number, facts: Record<string, unknown>, from: Decision, to: Decision): void {
    const r = this.report;
    r.records += 1;
    const outcome = r.outcome;
    const a = from.outcome;
    const b = to.outcome;
    const outputsChanged = new Set<string>();
    for (const id of new Set([...Object.keys(from.outputs), ...Object.keys(to.outputs)])) {
      if (!sameOutput(from.outputs[id], to.outputs[id])) outputsChanged.add(id);
    }
    for (const amount of r.amounts) {
      const t = this.totals.get(amount.output) as { from: Decimal; to: Decimal };
      const va = amountOf(from.outputs[amount.output]);
      const vb = amountOf(to.outputs[amount.output]);
      if (va !== undefined) t.from = t.from.plus(va);
      if (vb !== undefined) t.to = t.to.plus(vb);
      if (va !== undefined && vb !== undefined) {
        const c = vb.cmp(va);
        if (c > 0) amount.up += 1;
        if (c < 0) amount.down += 1;
      }
    }
    if (outputsChanged.size === 0 && from.status === to.status) {
      r.unchanged += 1;
      return;
    }
    r.changed += 1;
    const wasEligible = a.value === true;
    const isEligible = b.value === true;
    let newly = 0;
    let lost = 0;
    if (outcome.boolean && !wasEligible && isEligible) newly = 1;
    if (outcome.boolean && wasEligible && !isEligible) lost = 1;
    outcome.newly_eligible += newly;
    outcome.no_longer_eligible += lost;
    if (from.status === 'decided' && to.status === 'undetermined') outcome.became_undetermined += 1;
    if (from.status === 'undetermined' && to.status === 'decided') outcome.became_decided += 1;
    if (!sameOutput(a, b)) {
      const key = `${label(a)}→${label(b)}`;
      const t = this.transitions.get(key) ?? (this.transitions.size < MAX_TRANSITIONS ? { from: label(a), to: label(b), count: 0 } : this.transitions.get('其他→其他') ?? { from: '其他', to: '其他', count: 0 });
      t.count += 1;
      this.transitions.set(t.from === '其他' ? '其他→其他' : key, t);
    }

    const rules = differenceRules(from, to, outputsChanged);
    const groupKey = rules.join(',');
    let group = this.groups.get(groupKey);
    if (!group && this.groups.size < MAX_GROUPS) {
      const titles = rules.map((id) => this.toRs.rules.find((x) => x.id === id)?.definition.title ?? this.fromRs.rules.find((x) => x.id === id)?.definition.title ?? id);
      group = { rules, titles, count: 0, newly_eligible: 0, no_longer_eligible: 0, amount_change: {}, sample: [] };
      this.groups.set(groupKey, group);
    }
    const focus = new Set(rules);
    const changedCase = (): ChangedCase => ({ line, facts, rules, from: side(from, focus), to: side(to, focus) });
    if (group) {
      group.count += 1;
      group.newly_eligible += newly;
      group.no_longer_eligible += lost;
      for (const amount of r.amounts) {
        const va = amountOf(from.outputs[amount.output]) ?? toDecimal(0);
        const vb = amountOf(to.outputs[amount.output]) ?? toDecimal(0);
        if (va.eq(vb)) continue;
        group.amount_change[amount.output] = decimalText(toDecimal(group.amount_change[amount.output] ?? '0').plus(vb.minus(va)));
      }
      if (group.sample.length < this.samplePerRule) group.sample.push(changedCase());
    }
    if (r.sample.length < this.sampleSize) r.sample.push(changedCase());
  }

  finish(elapsedMs: number): ImpactReport {
    const r = this.report;
    for (const amount of r.amounts) {
      const t = this.totals.get(amount.output) as { from: Decimal; to: Decimal };
      amount.total_from = decimalText(t.from);
      amount.total_to = decimalText(t.to);
      amount.total_change = decimalText(t.to.minus(t.from));
    }
    r.outcome.transitions = [...this.transitions.values()].sort((x, y) => y.count - x.count);
    r.by_rule = [...this.groups.values()].sort((x, y) => y.count - x.count);
    r.elapsed_ms = Math.round(elapsedMs);
    r.records_per_second = elapsedMs > 0 ? Math.round((r.records / elapsedMs) * 1000) : 0;
    return r;
  }
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
  const da = asDecimal(a.value);
  const db = asDecimal(b.value);
  if (da && db) return da.eq(db);
  return canonicalJson(a.value ?? null) === canonicalJson(b.value ?? null);
}

function label(o: OutputValue): string {
  if (o.status === 'unknown') return '待定';
  return o.display ?? (o.value === null ? '（无）' : String(o.value));
}

/**
 * The rules that made the difference: those whose result (holds, fails,
 * unknown) differs between the versions; when every rule decides the same but
 * an output changed (an amount's formula), the rules that set it.
 */
function differenceRules(from: Decision, to: Decision, outputsChanged: ReadonlySet<string>): string[] {
  const a = new Map(from.rules.map((r) => [r.id, r.result]));
  const b = new Map(to.rules.map((r) => [r.id, r.result]));
  const out = new Set<string>();
  for (const id of new Set([...a.keys(), ...b.keys()])) {
    // Any change of a rule's result counts, unknown → false included (a case leaving 待定);
    // a rule only one version has counts where it holds.
    const ra = a.get(id);
    const rb = b.get(id);
    if (ra === undefined || rb === undefined ? (ra ?? rb) === 'true' : ra !== rb) out.add(id);
  }
  if (out.size === 0) {
    for (const id of outputsChanged) for (const r of [...(from.outputs[id]?.rules ?? []), ...(to.outputs[id]?.rules ?? [])]) out.add(r);
  }
  return [...out].sort();
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

/** Combine the reports of disjoint parts of one population (one per worker) into the report of the whole. */
export function mergeReports(parts: readonly ImpactReport[], sampleSize = 10, samplePerRule = 2): ImpactReport {
  const first = parts[0];
  if (!first) throw new Error('mergeReports: no reports');
  const sum = (f: (r: ImpactReport) => number) => parts.reduce((n, r) => n + f(r), 0);
  const dec = (v: string) => toDecimal(v);
  const amounts = first.amounts.map((a) => {
    const same = parts.map((r) => r.amounts.find((x) => x.output === a.output) as AmountImpact);
    const from = same.reduce((t, x) => t.plus(dec(x.total_from)), toDecimal(0));
    const to = same.reduce((t, x) => t.plus(dec(x.total_to)), toDecimal(0));
    return { ...a, up: same.reduce((n, x) => n + x.up, 0), down: same.reduce((n, x) => n + x.down, 0), total_from: decimalText(from), total_to: decimalText(to), total_change: decimalText(to.minus(from)) };
  });
  const transitions = new Map<string, { from: string; to: string; count: number }>();
  for (const r of parts) for (const t of r.outcome.transitions) {
    const k = `${t.from}→${t.to}`;
    const m = transitions.get(k) ?? { from: t.from, to: t.to, count: 0 };
    m.count += t.count;
    transitions.set(k, m);
  }
  const groups = new Map<string, RuleGroup>();
  for (const r of parts) for (const g of r.by_rule) {
    const k = g.rules.join(',');
    const m = groups.get(k) ?? { rules: g.rules, titles: g.titles, count: 0, newly_eligible: 0, no_longer_eligible: 0, amount_change: {}, sample: [] };
    m.count += g.count;
    m.newly_eligible += g.newly_eligible;
    m.no_longer_eligible += g.no_longer_eligible;
    for (const [o, v] of Object.entries(g.amount_change)) m.amount_change[o] = decimalText(dec(m.amount_change[o] ?? '0').plus(dec(v)));
    for (const c of g.sample) if (m.sample.length < samplePerRule) m.sample.push(c);
    groups.set(k, m);
  }
  return {
    ...first,
    records: sum((r) => r.records),
    invalid: sum((r) => r.invalid),
    changed: sum((r) => r.changed),
    unchanged: sum((r) => r.unchanged),
    outcome: {
      ...first.outcome,
      newly_eligible: sum((r) => r.outcome.newly_eligible),
      no_longer_eligible: sum((r) => r.outcome.no_longer_eligible),
      became_undetermined: sum((r) => r.outcome.became_undetermined),
      became_decided: sum((r) => r.outcome.became_decided),
      transitions: [...transitions.values()].sort((x, y) => y.count - x.count),
    },
    amounts,
    by_rule: [...groups.values()].sort((x, y) => y.count - x.count),
    sample: parts.flatMap((r) => r.sample).sort((x, y) => x.line - y.line).slice(0, sampleSize),
    invalid_sample: parts.flatMap((r) => r.invalid_sample).sort((x, y) => x.line - y.line).slice(0, sampleSize),
  };
}
