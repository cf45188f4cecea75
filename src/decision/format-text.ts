import type { Decision, ConditionTrace, Truth } from '../generated/decision.js';

/**
 * The CLI's reading of a decision, derived from the same trace the API
 * returns: headline, outputs, reasons with citations, failed pathways, the
 * facts still to ask for, what would change the outcome, and the ambiguities
 * that bear on it.
 */
const MARK: Record<Truth, string> = { true: '✔', false: '✘', unknown: '?', not_evaluated: '·' };

export interface FormatOptions {
  readonly trace?: boolean;
  /**
   * The rule set's required inputs (the case frame, e.g. the matter applied
   * for). A rule that failed on one of them does not apply to this case: it is
   * counted in one line instead of listed as an unmet pathway, so the
   * caseworker sees the pathways that could still be met. --trace shows all.
   */
  readonly frame?: readonly string[];
}

export function formatDecision(d: Decision, options: FormatOptions = {}): string {
  const lines: string[] = [];
  const cite = (c: { file: string; lines: number[]; clause: string }) => `〔${c.clause}，${c.file}:${c.lines[0]}-${c.lines[1]}〕`;
  lines.push(`规则集：${d.ruleset.title}（${d.ruleset.id} v${d.ruleset.version}）  决定日期：${d.as_of}`);
  const headline = d.status === 'undetermined' ? '待定（尚缺事实）' : (d.outcome.display ?? JSON.stringify(d.outcome.value));
  lines.push(`结论：${d.outcome.title}：${headline}`);
  // An output that applies only to another outcome (applies_when) is not a decision for this case.
  const others = Object.values(d.outputs).filter((o) => o.id !== d.outcome.id && o.status !== 'unset' && o.applicable !== 'no');
  if (others.length > 0) {
    lines.push('', '各项结果：');
    for (const o of others) {
      const value = o.partial ? `已知：${o.known_display ?? '（暂无）'}；可能还有其他${o.more_from?.length ? `（取决于${o.more_from.map((m) => m.title).join('、')}）` : ''}` : o.status === 'unknown' || o.applicable === 'pending' ? '待定' : (o.display ?? JSON.stringify(o.value));
      lines.push(`  ${o.title}：${value}`);
    }
  }
  if (d.reasons.length > 0) {
    lines.push('', '理由：');
    for (const r of d.reasons) lines.push(`  ${r.holds ? '✔' : '✘'} ${r.text} ${cite(r.citation)}`);
  }
  const frame = new Set(options.frame ?? []);
  const grounds = d.grounds ?? d.failed.map((f) => ({ ...f, result: 'false' as const, pathway: true, unmet: f.conditions, pending: [], ask: [] }));
  const inapplicable = grounds.filter((g) => g.unmet.some((c) => frame.has(c.fact)));
  const open = grounds.filter((g) => !inapplicable.includes(g));
  // Pathways are the rules that could decide the headline; the rest (authority, deadlines) follow.
  for (const [heading, list] of [
    ['未满足的途径：', open.filter((g) => g.pathway)],
    ['未成立的其他规则：', open.filter((g) => !g.pathway)],
  ] as const) {
    if (list.length === 0) continue;
    lines.push('', heading);
    for (const g of list) {
      lines.push(`  ${g.result === 'false' ? '✘' : '?'} ${g.title}${g.result === 'unknown' ? '（尚未确定）' : ''} ${cite(g.citation)}`);
      if (g.unmet.length > 0) lines.push('    不符合：');
      for (const c of g.unmet) lines.push(`      ${c.text}；实际：${c.actual_display ?? show(c.actual)}`);
      if (g.pending.length > 0) lines.push(`    尚待核实${g.ask.length > 0 ? `（需询问：${g.ask.map((a) => a.title).join('、')}）` : ''}：`);
      for (const c of g.pending) lines.push(`      ${c.text}`);
    }
  }
  if (inapplicable.length > 0) {
    const titles = [...new Set(inapplicable.flatMap((g) => g.unmet.filter((c) => frame.has(c.fact)).map((c) => c.title ?? c.fact)))];
    lines.push('', `不适用的规则：另有 ${inapplicable.length} 条规则因${titles.join('、')}不同而不适用（--trace 可查看）。`);
  }
  if (d.missing.length > 0) {
    lines.push('', '还需询问：');
    d.missing.forEach((m, i) => lines.push(`  ${i + 1}. ${m.title}（${m.fact}）`));
  }
  const whatIf = d.counterfactuals ?? [];
  if (whatIf.length > 0) {
    lines.push('', '怎样可以改变结论：');
    for (const c of whatIf) lines.push(`  ${c.reachable ? '→' : '×'} ${c.text}`);
  }
  if (d.ambiguities.length > 0) {
    lines.push('', '文本歧义及处理：');
    for (const a of d.ambiguities) lines.push(`  ⚠ ${a.issue} 处理：${a.resolution}`);
  }
  if (options.trace) {
    lines.push('', '逐条规则：');
    for (const r of d.rules) {
      lines.push(`  ${MARK[r.result]} ${r.id} ${r.title} ${cite(r.citation)}`);
      traceLines(r.condition, 3, lines);
    }
  }
  return lines.join('\n');
}

function traceLines(c: ConditionTrace, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  if (c.kind === 'fact') {
    out.push(`${pad}${MARK[c.result]} ${c.text}；实际：${c.actual_display ?? show(c.actual)}`);
    return;
  }
  const word = c.kind === 'all' ? '全部满足' : c.kind === 'any' ? '满足其一' : '不满足';
  out.push(`${pad}${MARK[c.result]} ${word}：`);
  for (const child of c.children) traceLines(child, depth + 1, out);
}

function show(v: unknown): string {
  return v === null || v === undefined ? '（未提供）' : typeof v === 'string' ? v : JSON.stringify(v);
}
