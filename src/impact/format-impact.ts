import type { ImpactReport, ChangedCase } from './impact-report.js';

/** The impact report as policy staff read it (zh-CN). */
export function formatImpact(r: ImpactReport, options: { sample?: number } = {}): string {
  const pct = (n: number) => (r.records > 0 ? `${((n / r.records) * 100).toFixed(2)}%` : '0%');
  const lines: string[] = [];
  lines.push(`影响分析：${r.ruleset} 版本 ${r.from.version} → ${r.to.version}（决定日期 ${r.as_of}）`);
  lines.push(`记录 ${r.records} 条，其中结果改变 ${r.changed} 条（${pct(r.changed)}），不变 ${r.unchanged} 条，事实无效 ${r.invalid} 条。`);
  const o = r.outcome;
  if (o.boolean) lines.push(`${o.title}：新增符合 ${o.newly_eligible} 人，不再符合 ${o.no_longer_eligible} 人。`);
  if (o.became_undetermined || o.became_decided) lines.push(`由已决定变为待定 ${o.became_undetermined} 条，由待定变为已决定 ${o.became_decided} 条。`);
  if (o.transitions.length > 0) lines.push(`${o.title}的变化：${o.transitions.map((t) => `${t.from} → ${t.to} ${t.count} 条`).join('；')}`);
  for (const a of r.amounts) {
    const unit = a.unit ?? '';
    const totals = a.summable && a.total_change !== null ? `；合计 ${a.total_from}${unit} → ${a.total_to}${unit}，变化 ${signed(a.total_change)}${unit}` : a.up || a.down ? '（此项不宜相加，不计合计）' : '';
    lines.push(`${a.title}：上升 ${a.up} 条，下降 ${a.down} 条${totals}。`);
    if (a.changes && Object.keys(a.changes).length > 0) lines.push(`  变化分布：${Object.entries(a.changes).map(([v, n]) => `${signed(v)}${unit} ${n} 条`).join('；')}`);
  }
  for (const c of r.collected ?? []) {
    const moved = c.values.filter((v) => v.gained || v.lost);
    if (moved.length === 0) continue;
    lines.push(`${c.title}：${moved.map((v) => `${v.title} 新增 ${v.gained}、失去 ${v.lost}`).join('；')}`);
  }
  if (r.by_rule.length > 0) {
    lines.push('', '按造成差异的规则：');
    for (const g of r.by_rule) {
      const amounts = Object.entries(g.amount_change).map(([k, v]) => `${k} ${signed(v)}`).join('，');
      lines.push(`  · ${g.other ? '其他规则组合' : g.rules.map((id, i) => `${id}（${g.titles[i]}）`).join('、') || '（无规则差异）'}：${g.count} 条${g.newly_eligible ? `，新增符合 ${g.newly_eligible}` : ''}${g.no_longer_eligible ? `，不再符合 ${g.no_longer_eligible}` : ''}${amounts ? `，金额变化 ${amounts}` : ''}`);
    }
  }
  const sample = r.sample.slice(0, options.sample ?? 3);
  if (sample.length > 0) {
    lines.push('', `改变的案例（示例 ${sample.length} 条）：`);
    for (const c of sample) lines.push(...caseLines(c));
  }
  if (r.invalid_sample.length > 0) {
    lines.push('', '无效记录（示例）：');
    for (const e of r.invalid_sample.slice(0, 3)) lines.push(`  第 ${e.line} 行：${e.message}`);
  }
  lines.push('', `用时 ${(r.elapsed_ms / 1000).toFixed(1)} 秒，${r.records_per_second} 条/秒。`);
  return lines.join('\n');
}

function signed(v: string): string {
  return v.startsWith('-') ? v : `+${v}`;
}

function caseLines(c: ChangedCase): string[] {
  return [
    `  第 ${c.line} 行（差异规则：${c.rules.join('、')}）`,
    `    事实：${(c.facts_text ?? []).join('；') || '（无）'}`,
    ...(c.changes ?? []).map((x) => `    ${x.title}：${x.from} → ${x.to}`),
    `    旧：${c.from.display}`,
    ...c.from.explanation.map((e) => `        ${e}`),
    `    新：${c.to.display}`,
    ...c.to.explanation.map((e) => `        ${e}`),
  ];
}
