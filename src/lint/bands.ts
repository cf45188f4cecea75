import type { Rule, Assignment } from '../generated/rule-set.js';
import type { Finding, Severity } from '../errors/finding.js';
import { canonicalJson } from '../load/canonical-json.js';
import { lintFinding, allAmbiguities, type LintContext } from './lint-context.js';
import { toDnf, factDomain, literalConstraint, meet, type Literal, type Constraint } from './fact-constraint.js';
import { literalText } from './satisfiability.js';
import { ALL, intersect, union, subtract, hull, isEmpty, describeSet, describeSetEn, NONE, type IntervalSet } from './interval.js';

/**
 * Numeric bands across the rules of one decision — rules sharing a `group`,
 * or setting one output to different values — that overlap (a value falls in
 * two bands) or leave gaps (a value falls in none). The documents have real
 * ones (5000人以下 / 5000人至8000人 / 8000人以上 overlap at 5000 and 8000 under
 * the 以上/以下 convention). A finding the rule set acknowledges with an
 * ambiguity is a property of the source text, reported as info.
 */
interface Piece {
  readonly rule: number;
  readonly set: IntervalSet;
  readonly pointer: string;
  readonly context: string;
  readonly contextText: string;
  /** The term's literals on other facts: the context, as literals. */
  readonly rest: readonly Literal[];
}

interface Decision {
  readonly rules: readonly number[];
  readonly explicit: boolean;
  readonly output?: string;
}

export function checkBands(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  const done = new Set<string>();
  const used = new Set<string>();
  for (const decision of decisions(ctx)) {
    for (const fact of bandFacts(ctx, decision)) {
      const pieces = piecesFor(ctx, decision, fact);
      const byContext = new Map<string, Piece[]>();
      for (const p of pieces) byContext.set(p.context, [...(byContext.get(p.context) ?? []), p]);
      for (const [context, list] of byContext) {
        const ruleIdx = [...new Set(list.map((p) => p.rule))].sort((a, b) => a - b);
        if (ruleIdx.length < 2) continue;
        const key = `${fact}|${context}|${ruleIdx.join(',')}`;
        if (done.has(key)) continue;
        done.add(key);
        out.push(...overlaps(ctx, decision, fact, list, used), ...gaps(ctx, decision, fact, list, ruleIdx, used, pieces));
      }
    }
  }
  return [...out, ...unusedAcknowledgements(ctx, used)];
}

function decisions(ctx: LintContext): Decision[] {
  const rs = ctx.definition;
  const out: Decision[] = [];
  const groups = new Map<string, number[]>();
  rs.rules.forEach((r, i) => {
    if (r.group) groups.set(r.group, [...(groups.get(r.group) ?? []), i]);
  });
  for (const rules of groups.values()) if (rules.length >= 2) out.push({ rules, explicit: true });
  for (const [id, def] of Object.entries(rs.outputs)) {
    if (def.collect) continue;
    const rules = rs.rules.map((r, i) => (id in r.then ? i : -1)).filter((i) => i >= 0);
    const values = new Set(rules.map((i) => canonicalJson(rs.rules[i]?.then[id] ?? null)));
    if (rules.length >= 2 && values.size >= 2) out.push({ rules, explicit: false, output: id });
  }
  return out;
}

/** Numeric facts compared with constants in at least two rules of the decision. */
function bandFacts(ctx: LintContext, d: Decision): string[] {
  const count = new Map<string, Set<number>>();
  for (const i of d.rules) {
    const rule = ctx.definition.rules[i] as Rule;
    const dnf = toDnf(rule.when, `/rules/${i}/when`) ?? [];
    for (const term of dnf) {
      for (const lit of term) {
        const info = ctx.ruleSet.facts.get(lit.condition.fact);
        if (info?.kind !== 'number') continue;
        if (literalConstraint(lit, info).kind !== 'numeric') continue;
        count.set(lit.condition.fact, (count.get(lit.condition.fact) ?? new Set()).add(i));
      }
    }
  }
  return [...count].filter(([, rules]) => rules.size >= 2).map(([f]) => f);
}

function piecesFor(ctx: LintContext, d: Decision, fact: string): Piece[] {
  const info = ctx.ruleSet.facts.get(fact);
  if (!info) return [];
  const domain = factDomain(ctx.definition, info);
  const out: Piece[] = [];
  for (const i of d.rules) {
    const rule = ctx.definition.rules[i] as Rule;
    const dnf = toDnf(rule.when, `/rules/${i}/when`);
    if (!dnf) continue;
    for (const term of dnf) {
      const own = term.filter((l) => l.condition.fact === fact && literalConstraint(l, info).kind === 'numeric');
      if (own.length === 0) continue;
      const c = own.map((l) => literalConstraint(l, info)).reduce<Constraint>(meet, domain);
      if (c.kind !== 'numeric' || isEmpty(c.set)) continue;
      const rest = term.filter((l) => !own.includes(l));
      out.push({
        rule: i,
        set: c.set,
        pointer: (own[0] as Literal).pointer,
        context: canonicalJson(rest.map((l) => ({ c: l.condition, n: l.negated })).sort((a, b) => canonicalJson(a).localeCompare(canonicalJson(b)))),
        contextText: rest.map((l) => literalText(l, ctx.ruleSet.facts).zh).join('、'),
        rest,
      });
    }
  }
  return out;
}

function domainSet(ctx: LintContext, fact: string): { set: IntervalSet; integer: boolean } {
  const info = ctx.ruleSet.facts.get(fact);
  const d = info ? factDomain(ctx.definition, info) : undefined;
  return d?.kind === 'numeric' ? { set: d.set, integer: d.integer } : { set: ALL, integer: false };
}

function valueOf(a: Assignment | undefined, titles?: Readonly<Record<string, string>>): string {
  if (a !== null && typeof a === 'object') return `公式 ${a.formula}`;
  const title = titles?.[String(a)];
  return title ? `${title}（${String(a)}）` : JSON.stringify(a);
}

/**
 * The ambiguity that acknowledges a band finding: one whose `acknowledges` names this kind and
 * exactly these rules (and this fact, when it names one). Nothing else silences a finding — an
 * ambiguity merely sitting on one of the rules, or citing the same lines, once demoted an
 * overlap a draft had introduced (issue #12).
 */
function acknowledgement(ctx: LintContext, kind: 'overlap' | 'gap', rules: readonly Rule[], fact: string, used: Set<string>): string | undefined {
  const ids = new Set(rules.map((r) => r.id));
  for (const { ambiguity, pointer } of allAmbiguities(ctx.definition)) {
    for (const [k, a] of (ambiguity.acknowledges ?? []).entries()) {
      if (a.kind !== kind || (a.fact !== undefined && a.fact !== fact)) continue;
      if (a.rules.length !== ids.size || !a.rules.every((r) => ids.has(r))) continue;
      used.add(`${pointer}/acknowledges/${k}`);
      return ambiguity.id;
    }
  }
  return undefined;
}

/** Acknowledgements that match no finding: stale after an edit, or naming the wrong rules. */
function unusedAcknowledgements(ctx: LintContext, used: ReadonlySet<string>): Finding[] {
  const out: Finding[] = [];
  const KIND = { overlap: { zh: '区间重叠', en: 'overlap' }, gap: { zh: '区间空档', en: 'gap' } } as const;
  for (const { ambiguity, pointer } of allAmbiguities(ctx.definition)) {
    for (const [k, a] of (ambiguity.acknowledges ?? []).entries()) {
      const at = `${pointer}/acknowledges/${k}`;
      if (used.has(at)) continue;
      const kind = KIND[a.kind];
      out.push(
        lintFinding(
          ctx,
          'LINT_ACK_UNUSED',
          at,
          {
            zh: `歧义 ${ambiguity.id} 记录的${kind.zh}（规则 ${a.rules.join('、')}${a.fact ? `，事实 ${a.fact}` : ''}）在本版本中不存在；请删除或更正这条 acknowledges`,
            en: `ambiguity ${ambiguity.id} acknowledges a band ${kind.en} of ${a.rules.join(', ')}${a.fact ? ` on ${a.fact}` : ''} that this version does not have`,
          },
          'warning',
          a.rules,
        ),
      );
    }
  }
  return out;
}

function overlaps(ctx: LintContext, d: Decision, fact: string, pieces: readonly Piece[], used: Set<string>): Finding[] {
  const rs = ctx.definition;
  const info = ctx.ruleSet.facts.get(fact);
  const { integer } = domainSet(ctx, fact);
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (let a = 0; a < pieces.length; a++) {
    for (let b = a + 1; b < pieces.length; b++) {
      const pa = pieces[a] as Piece;
      const pb = pieces[b] as Piece;
      if (pa.rule === pb.rule) continue;
      const both = intersect(pa.set, pb.set, integer);
      if (isEmpty(both)) continue;
      const [first, second] = pa.rule < pb.rule ? [pa, pb] : [pb, pa];
      const ra = rs.rules[first.rule] as Rule;
      const rb = rs.rules[second.rule] as Rule;
      // A collect output lists every holding rule's value: two values there never conflict.
      const shared = Object.keys(ra.then).filter((o) => o in rb.then && !rs.outputs[o]?.collect && canonicalJson(ra.then[o] ?? null) !== canonicalJson(rb.then[o] ?? null));
      if (!d.explicit && shared.length === 0) continue;
      const key = `${ra.id}|${rb.id}|${describeSetEn(both)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const pA = ra.priority ?? 1;
      const pB = rb.priority ?? 1;
      const ack = acknowledgement(ctx, 'overlap', [ra, rb], fact, used);
      const conflict = shared.length > 0 && pA === pB;
      const severity: Severity = ack ? 'info' : conflict ? 'error' : 'warning';
      const values = shared.map((o) => `“${rs.outputs[o]?.title ?? o}”分别为 ${valueOf(ra.then[o], rs.outputs[o]?.['x-value-titles'])} 与 ${valueOf(rb.then[o], rs.outputs[o]?.['x-value-titles'])}`).join('；');
      const where = first.contextText ? `（在${first.contextText}时）` : '';
      const zh =
        `${info?.title ?? fact}为 ${describeSet(both, info?.unit)}时，规则 ${ra.id}（${ra.title}）与 ${rb.id}（${rb.title}）同时成立${where}` +
        (values ? `：${values}` : '') +
        (shared.length > 0 ? (pA === pB ? '，优先级相同，决定时将报冲突' : `，按优先级（${pA} 对 ${pB}）取其一`) : '') +
        (ack ? `；已记录为歧义 ${ack}` : '');
      const en =
        `${fact} = ${describeSetEn(both)} satisfies both ${ra.id} and ${rb.id}` +
        (shared.length > 0 ? (pA === pB ? `, equal priority: they conflict on ${shared.join(', ')}` : `, resolved by priority ${pA} vs ${pB}`) : '') +
        (ack ? `; acknowledged by ambiguity ${ack}` : '');
      out.push(lintFinding(ctx, 'LINT_BAND_OVERLAP', second.pointer, { zh, en }, severity, [ra.id, rb.id]));
    }
  }
  return out;
}

function gaps(ctx: LintContext, d: Decision, fact: string, pieces: readonly Piece[], ruleIdx: readonly number[], used: Set<string>, all: readonly Piece[]): Finding[] {
  const rs = ctx.definition;
  const info = ctx.ruleSet.facts.get(fact);
  if (!d.explicit && d.output && rs.outputs[d.output]?.default !== undefined) return [];
  const { set: domain, integer } = domainSet(ctx, fact);
  const covered = pieces.reduce<IntervalSet>((acc, p) => union(acc, p.set, integer), NONE);
  const span = hull(covered);
  const interior = uncoveredByNarrowerTerms(ctx, pieces, subtract(intersect(span, domain, integer), covered, integer), all, integer);
  // Values the input schema allows outside every band, bounded on both sides (e.g. 0 when counts start at 1).
  const exterior = subtract(domain, span, integer).filter((i) => i.lo !== null && i.hi !== null);
  const rules = ruleIdx.map((i) => rs.rules[i] as Rule);
  const ids = rules.map((r) => r.id);
  // Only an interior gap can be acknowledged: the exterior one is always info.
  const ack = isEmpty(interior) ? undefined : acknowledgement(ctx, 'gap', rules, fact, used);
  const where = pieces[0]?.contextText ? `（在${pieces[0].contextText}时）` : '';
  const out: Finding[] = [];
  if (!isEmpty(interior)) {
    // Point at the band just above the first gap: that is the threshold an editor would move.
    const gapTop = interior[0]?.hi ?? null;
    const after = pieces.find((p) => gapTop !== null && p.set[0]?.lo != null && p.set[0].lo.gte(gapTop)) ?? pieces[0];
    out.push(
      lintFinding(
        ctx,
        'LINT_BAND_GAP',
        (after as Piece).pointer,
        {
          zh: `${info?.title ?? fact}为 ${describeSet(interior, info?.unit)}时不落入任何区间：规则 ${ids.join('、')} 均不成立${where}${ack ? `；已记录为歧义 ${ack}` : ''}`,
          en: `${fact} = ${describeSetEn(interior)} falls in no band of ${ids.join(', ')}${ack ? `; acknowledged by ambiguity ${ack}` : ''}`,
        },
        ack ? 'info' : 'warning',
        ids,
      ),
    );
  }
  if (exterior.length > 0) {
    out.push(
      lintFinding(
        ctx,
        'LINT_BAND_GAP',
        (pieces[0] as Piece).pointer,
        {
          zh: `${info?.title ?? fact}为 ${describeSet(exterior, info?.unit)}时（输入定义允许）不落入任何区间：规则 ${ids.join('、')} 均不成立${where}`,
          en: `${fact} = ${describeSetEn(exterior)} is allowed by the input schema but falls in no band of ${ids.join(', ')}`,
        },
        'info',
        ids,
      ),
    );
  }
  return out;
}

const literalKey = (l: Literal): string => canonicalJson({ c: l.condition, n: l.negated });

/**
 * The part of a gap that no rule covers once terms of a narrower context are
 * counted: a band the base context leaves open may be closed by rules that
 * add conditions on yes/no or enumerated facts, jointly exhaustive there
 * (head-start: 2,500–10,000 USD is 托收承付 when 异地 and 商品交易, otherwise
 * 委托收款 only — every combination is covered, so it is no gap). Each
 * combination of those facts' values is tried; what stays open under any one
 * of them is a real gap. A narrower term with a condition that cannot be
 * enumerated (another number, a fact reference) is not counted, so the
 * finding can only shrink where coverage is certain.
 */
function uncoveredByNarrowerTerms(ctx: LintContext, base: readonly Piece[], gap: IntervalSet, all: readonly Piece[], integer: boolean): IntervalSet {
  if (isEmpty(gap) || base.length === 0) return gap;
  const context = (base[0] as Piece).context;
  const baseLits = (base[0] as Piece).rest;
  const baseKeys = new Set(baseLits.map(literalKey));
  const facts = ctx.ruleSet.facts;
  const discrete = (l: Literal): Extract<Constraint, { kind: 'discrete' }> | undefined => {
    const c = literalConstraint(l, facts.get(l.condition.fact));
    return c.kind === 'discrete' ? c : undefined;
  };
  const allows = (c: Extract<Constraint, { kind: 'discrete' }>, v: string): boolean => (c.mode === 'in' ? c.values.has(v) : !c.values.has(v));
  const narrower: Array<{ set: IntervalSet; extra: Array<{ fact: string; c: Extract<Constraint, { kind: 'discrete' }> }> }> = [];
  for (const p of all) {
    if (p.context === context || isEmpty(intersect(p.set, gap, integer))) continue;
    const keys = new Set(p.rest.map(literalKey));
    if (![...baseKeys].every((k) => keys.has(k))) continue;
    const extra = p.rest.filter((l) => !baseKeys.has(literalKey(l))).map((l) => ({ fact: l.condition.fact, c: discrete(l) }));
    if (extra.some((e) => !e.c)) continue;
    narrower.push({ set: p.set, extra: extra as Array<{ fact: string; c: Extract<Constraint, { kind: 'discrete' }> }> });
  }
  if (narrower.length === 0) return gap;
  // Each enumerated fact's values, restricted by what the base context already says of it.
  const values = new Map<string, string[]>();
  for (const { extra } of narrower) {
    for (const { fact } of extra) {
      if (values.has(fact)) continue;
      const info = facts.get(fact);
      const domain = info ? factDomain(ctx.definition, info) : undefined;
      if (domain?.kind !== 'discrete' || domain.mode !== 'in') return gap;
      const own = baseLits.filter((l) => l.condition.fact === fact).map(discrete);
      values.set(fact, [...domain.values].filter((v) => own.every((c) => c !== undefined && allows(c, v))));
    }
  }
  const names = [...values.keys()];
  const combinations = names.reduce((n, f) => n * (values.get(f) as string[]).length, 1);
  if (combinations > 1024) return gap;
  let residual: IntervalSet = NONE;
  const assignment = new Map<string, string>();
  const visit = (i: number): void => {
    if (i === names.length) {
      const covered = narrower.filter((n) => n.extra.every((e) => allows(e.c, assignment.get(e.fact) as string))).reduce<IntervalSet>((acc, n) => union(acc, n.set, integer), NONE);
      residual = union(residual, subtract(gap, covered, integer), integer);
      return;
    }
    for (const v of values.get(names[i] as string) as string[]) {
      assignment.set(names[i] as string, v);
      visit(i + 1);
    }
  };
  visit(0);
  return residual;
}
