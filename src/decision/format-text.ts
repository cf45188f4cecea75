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
  const others = Object.values(d.outputs).filter((o) => o.id !== d.outcome.id && o.status !== 'unset');
  if (others.length > 0) {
    lines.push('', '各项结果：');
    for (const o of others) {
      const value = o.status === 'unknown' ? '待定' : (o.display ?? JSON.stringify(o.value));
      lines.push(`  ${o.title}：${value}`);
    }
  }
  if (d.reasons.length > 0) {
    lines.push('', '理由：');
    for (const r of d.reasons) lines.push(`  ${r.holds ? '✔' : '✘'} ${r.text} ${cite(r.citation)}`);
  }
  const frame = new Set(options.frame ?? []);
  const inapplicable = d.failed.filter((f) => f.conditions.some((c) => frame.has(c.fact)));
  // Pathways are the rules that could decide the headline; the rest (authority, deadlines) follow.
  const setsHeadline = new Set(d.rules.filter((r) => r.sets.includes(d.outcome.id)).map((r) => r.id));
  const unmet = d.failed.filter((f) => !inapplicable.includes(f));
  for (const [heading, list] of [
    ['未满足的途径：', unmet.filter((f) => setsHeadline.has(f.rule))],
    ['未成立的其他规则：', unmet.filter((f) => !setsHeadline.has(f.rule))],
  ] as const) {
    if (list.length === 0) continue;
    lines.push('', heading);
    for (const f of list) {
      lines.push(`  ✘ ${f.title} ${cite(f.citation)}`);
      for (const c of f.conditions) lines.push(`      ${c.text}；实际：${c.actual_display ?? show(c.actual)}`);
    }
  }
  if (inapplicable.length > 0) {
    const titles = [...new Set(inapplicable.flatMap((f) => f.conditions.filter((c) => frame.has(c.fact)).map((c) => c.title ?? c.fact)))];
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
