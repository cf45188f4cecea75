import type { Finding } from '../errors/finding.js';
import type { FactInfo } from '../load/fact-catalogue.js';
import { requirementText } from '../decision/render.js';
import { lintFinding, type LintContext } from './lint-context.js';
import { toDnf, factDomain, literalConstraint, meet, unsatisfiable, type Literal, type Constraint } from './fact-constraint.js';
import { describeSet, describeSetEn } from './interval.js';

/**
 * Rules that can never hold (their conditions contradict each other or the
 * input schema), branches of a rule that can never hold, and rules that hold
 * whenever their facts are known. Decided over the disjunctive normal form of
 * each rule's conditions; opaque conditions (paths, fact-to-fact comparisons)
 * never make a rule look impossible or certain.
 */
export function checkSatisfiability(ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  const rs = ctx.definition;
  const facts = ctx.ruleSet.facts;
  const domains = new Map<string, Constraint>();
  const domainOf = (fact: string): Constraint => {
    let d = domains.get(fact);
    if (!d) {
      const info = facts.get(fact);
      d = info ? factDomain(rs, info) : { kind: 'opaque' };
      domains.set(fact, d);
    }
    return d;
  };

  rs.rules.forEach((rule, i) => {
    const base = `/rules/${i}/when`;
    const dnf = toDnf(rule.when, base);
    if (dnf) {
      const reasons = dnf.map((term) => contradiction(term, facts, domainOf));
      const dead = reasons.filter((r) => r !== undefined);
      if (dnf.length > 0 && dead.length === dnf.length) {
        const first = dead[0] as Contradiction;
        out.push(
          lintFinding(ctx, 'LINT_NEVER_FIRES', base, { zh: `规则 ${rule.id}（${rule.title}）：${first.zh}，任何事实都不能使其成立`, en: `rule ${rule.id}: ${first.en}; no facts can make it hold` }, 'error', [rule.id]),
        );
      }
      const seen = new Set<string>();
      for (const d of dead) {
        const c = d as Contradiction;
        // A dead DNF term mixing branches of different `any`s is not something the author wrote
        // together; only literals joined by `all` alone contradict each other as written.
        if (dead.length < dnf.length && !writtenTogether(c.pointers)) continue;
        if (seen.has(c.pointer + c.zh)) continue;
        seen.add(c.pointer + c.zh);
        const whole = dead.length === dnf.length;
        out.push(
          lintFinding(
            ctx,
            'LINT_CONTRADICTION',
            c.pointer,
            whole
              ? { zh: `规则 ${rule.id}：${c.zh}`, en: `rule ${rule.id}: ${c.en}` }
              : { zh: `规则 ${rule.id} 的一个分支永远不成立：${c.zh}`, en: `a branch of rule ${rule.id} can never hold: ${c.en}` },
            whole ? 'error' : 'warning',
            [rule.id],
          ),
        );
      }
    }
    const negation = toDnf(rule.when, base, true);
    if (negation && negation.every((term) => contradiction(term, facts, domainOf) !== undefined)) {
      out.push(
        lintFinding(
          ctx,
          'LINT_ALWAYS_FIRES',
          base,
          { zh: `规则 ${rule.id}（${rule.title}）只要相关事实已知就必然成立，条件不起区分作用`, en: `rule ${rule.id} holds whenever its facts are known; its conditions decide nothing` },
          'warning',
          [rule.id],
        ),
      );
    }
  });
  return out;
}

interface Contradiction {
  readonly pointer: string;
  /** The literals that exclude each other (one: it contradicts the declared range). */
  readonly pointers: readonly string[];
  readonly zh: string;
  readonly en: string;
}

export function literalText(lit: Literal, facts: ReadonlyMap<string, FactInfo>): { zh: string; en: string } {
  const c = lit.condition;
  const info = facts.get(c.fact);
  const ref = c.value !== null && typeof c.value === 'object' && !Array.isArray(c.value) ? c.value.fact : undefined;
  const zh = requirementText(info, c.fact, c.operator, ref ? ref : c.value, ref ? facts.get(ref) : undefined, lit.negated);
  const en = `${lit.negated ? 'not ' : ''}${c.fact} ${c.operator} ${JSON.stringify(c.value)}`;
  return { zh: `“${zh}”`, en };
}

function describeDomain(d: Constraint): { zh: string; en: string } {
  if (d.kind === 'numeric') return { zh: describeSet(d.set), en: describeSetEn(d.set) };
  if (d.kind === 'discrete') return { zh: [...d.values].join('、'), en: [...d.values].join(', ') };
  return { zh: '任意值', en: 'any value' };
}

/** Why one conjunction can never hold: a literal outside the fact's declared range, or two literals that exclude each other. */
function contradiction(term: readonly Literal[], facts: ReadonlyMap<string, FactInfo>, domainOf: (f: string) => Constraint): Contradiction | undefined {
  const byFact = new Map<string, Literal[]>();
  for (const lit of term) {
    const list = byFact.get(lit.condition.fact) ?? [];
    list.push(lit);
    byFact.set(lit.condition.fact, list);
  }
  for (const [fact, lits] of byFact) {
    const domain = domainOf(fact);
    const constraints = lits.map((l) => literalConstraint(l, facts.get(fact)));
    const all = constraints.reduce(meet, domain);
    if (!unsatisfiable(all)) continue;
    const info = facts.get(fact);
    for (const [k, l] of lits.entries()) {
      if (unsatisfiable(meet(domain, constraints[k] as Constraint))) {
        const t = literalText(l, facts);
        const d = describeDomain(domain);
        return { pointer: l.pointer, pointers: [l.pointer], zh: `条件${t.zh}与输入定义矛盾（${info?.title ?? fact}的取值范围为 ${d.zh}）`, en: `${t.en} contradicts the declared range of ${fact} (${d.en})` };
      }
    }
    for (let a = 0; a < lits.length; a++) {
      for (let b = a + 1; b < lits.length; b++) {
        if (unsatisfiable(meet(meet(domain, constraints[a] as Constraint), constraints[b] as Constraint))) {
          const ta = literalText(lits[a] as Literal, facts);
          const tb = literalText(lits[b] as Literal, facts);
          return { pointer: (lits[b] as Literal).pointer, pointers: [(lits[a] as Literal).pointer, (lits[b] as Literal).pointer], zh: `条件${ta.zh}与${tb.zh}不可能同时成立`, en: `${ta.en} and ${tb.en} cannot both hold` };
        }
      }
    }
    const texts = lits.map((l) => literalText(l, facts));
    return { pointer: (lits[lits.length - 1] as Literal).pointer, pointers: lits.map((l) => l.pointer), zh: `关于${info?.title ?? fact}的条件${texts.map((t) => t.zh).join('、')}不可能同时成立`, en: `${texts.map((t) => t.en).join(', ')} cannot all hold` };
  }
  return undefined;
}

/** Are the literals joined only by `all` nodes below their common ancestor (so the author required them together)? */
export function writtenTogether(pointers: readonly string[]): boolean {
  if (pointers.length < 2) return true;
  const parts = pointers.map((p) => p.split('/'));
  let common = 0;
  while (parts.every((p) => p[common] === (parts[0] as string[])[common])) common += 1;
  // Index segments are numbers; the node kinds on each path below the common ancestor must all be `all`.
  return parts.every((p) => p.slice(common - 1).every((seg) => /^\d+$/.test(seg) || seg === 'all'));
}
