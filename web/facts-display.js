// Chinese wording of facts and outputs: titles from the rule set's schema (or, failing
// that, from the decision's own traces), enum labels, 是/否, units.

import { withUnit } from './number-words.js';

/** name → {title, enumTitles, unit, type} from the rule set and the decision. */
export function factCatalogue(ruleset, decision) {
  const cat = new Map();
  for (const [name, p] of Object.entries(ruleset?.inputs?.properties || {})) {
    cat.set(name, { title: p.title, enumTitles: p['x-enum-titles'], unit: p['x-unit'], type: p.type, format: p.format, input: true });
  }
  for (const d of ruleset?.derived || []) {
    if (!cat.has(d.id)) cat.set(d.id, { title: d.title, unit: d['x-unit'], type: d.type, input: false });
  }
  const visit = (c) => {
    if (!c) return;
    if (c.kind === 'fact' && c.title && !cat.has(c.fact)) cat.set(c.fact, { title: c.title });
    for (const ch of c.children || []) visit(ch);
  };
  for (const r of decision?.rules || []) visit(r.condition);
  for (const m of decision?.missing || []) if (!cat.has(m.fact)) cat.set(m.fact, { title: m.title });
  return cat;
}

export function displayFact(info, value) {
  if (value === null || value === undefined) return '（未知）';
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (Array.isArray(value)) return value.map((v) => displayFact(info, v)).join('、') || '（无）';
  const label = info?.enumTitles?.[String(value)];
  if (label) return label;
  if (typeof value === 'object') return JSON.stringify(value);
  return withUnit(String(value), info?.unit);
}

/** An output's Chinese wording: the decision's display, else value and unit. */
export function displayOutput(o) {
  if (!o) return '';
  // A partly known list says what is certain and what could still add to it (issue #11 §3).
  if (o.status === 'unknown' && o.partial) {
    const more = (o.more_from || []).map((m) => m.title).join('、');
    return `已确定：${o.known_display || '（无）'}；可能还有其他${more ? `，需核实：${more}` : ''}`;
  }
  if (o.status === 'unknown') return '待定（尚缺事实）';
  if (o.display) return o.display;
  const v = o.value;
  if (v === null || v === undefined) return '（无）';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (Array.isArray(v)) return v.length ? v.join('、') : '（无）';
  return withUnit(String(v), o.unit);
}

/** CSS tone of the headline: yes / no / pending / value. */
export function outcomeTone(decision) {
  if (!decision || decision.status === 'undetermined') return 'pending';
  // The engine says what the headline means (x-value-kinds); the guesses below are for older records.
  const kindTone = { positive: 'yes', negative: 'no', pending: 'pending', neutral: 'value' }[decision.outcome_kind];
  if (kindTone) return kindTone;
  const v = decision.outcome?.value;
  if (decision.outcome?.kind === 'grant' || v === true) return 'yes';
  if (decision.outcome?.kind === 'refusal' || v === false) return 'no';
  // A worded outcome reads as a refusal when its words say so (不予办理, 不准予, 不享受…).
  const words = typeof decision.outcome?.display === 'string' ? decision.outcome.display.trim() : '';
  if (/^(不|未|否|驳回|拒绝)/.test(words)) return 'no';
  if (/^(准予|同意|予以|享受|符合|恢复)/.test(words)) return 'yes';
  return 'value';
}
