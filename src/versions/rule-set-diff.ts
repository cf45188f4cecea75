import type { RuleSet, Rule, Condition, FactCondition, Citation, Ambiguity, Assignment } from '../generated/rule-set.js';
import { canonicalJson } from '../load/canonical-json.js';
import { OPERATOR_ZH } from '../eval/operators.js';
import { leafPointers } from '../lint/fact-constraint.js';
import { buildFactCatalogue } from '../load/fact-catalogue.js';

/**
 * What changed between two versions of a rule set, in words policy staff
 * read: rules added and removed, thresholds, amounts and values, citations,
 * inputs and outputs — each change old → new, with where it is.
 */
export type ChangeKind =
  | 'metadata'
  | 'effective'
  | 'input_added'
  | 'input_removed'
  | 'input_changed'
  | 'derived_added'
  | 'derived_removed'
  | 'derived_changed'
  | 'output_added'
  | 'output_removed'
  | 'output_changed'
  | 'rule_added'
  | 'rule_removed'
  | 'rule_changed'
  | 'threshold'
  | 'condition_added'
  | 'condition_removed'
  | 'value'
  | 'citation'
  | 'ambiguity';

export interface Change {
  readonly kind: ChangeKind;
  /** Rule (or input/output/derived fact) concerned. */
  readonly subject: string;
  /** JSON pointer in the new version (old version for removals). */
  readonly pointer: string;
  readonly old?: unknown;
  readonly new?: unknown;
  readonly zh: string;
  readonly en: string;
}

export interface RuleSetDiff {
  readonly id: string;
  readonly from: { readonly version: string; readonly effective_from: string | null };
  readonly to: { readonly version: string; readonly effective_from: string | null };
  readonly changes: readonly Change[];
}

const show = (v: unknown): string => (v === undefined ? '（无）' : v === null ? 'null' : typeof v === 'string' ? v : canonicalJson(v));
const same = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null);

export function diffRuleSets(a: RuleSet, b: RuleSet): RuleSetDiff {
  const out: Change[] = [];
  const push = (c: Change) => out.push(c);

  for (const key of ['title', 'description', 'outcome'] as const) {
    if (!same(a[key], b[key])) push({ kind: 'metadata', subject: key, pointer: `/${key}`, old: a[key], new: b[key], zh: `${key === 'outcome' ? '标题结论' : key === 'title' ? '标题' : '说明'}：${show(a[key])} → ${show(b[key])}`, en: `${key}: ${show(a[key])} → ${show(b[key])}` });
  }
  for (const key of ['effective_from', 'effective_to'] as const) {
    if (!same(a[key], b[key])) {
      const word = key === 'effective_from' ? '生效日期' : '失效日期';
      const open = key === 'effective_from' ? '（自始）' : '（不限）';
      push({ kind: 'effective', subject: key, pointer: `/${key}`, old: a[key] ?? null, new: b[key] ?? null, zh: `${word}：${a[key] ?? open} → ${b[key] ?? open}`, en: `${key}: ${a[key] ?? 'open'} → ${b[key] ?? 'open'}` });
    }
  }
  if (!same(a.source, b.source)) push({ kind: 'citation', subject: 'source', pointer: '/source', old: a.source, new: b.source, zh: `来源：${citeText(a.source)} → ${citeText(b.source)}`, en: `source: ${canonicalJson(a.source)} → ${canonicalJson(b.source)}` });

  diffInputs(a, b, push);
  diffDerived(a, b, push);
  diffOutputs(a, b, push);
  const titles = new Map([...buildFactCatalogue(a), ...buildFactCatalogue(b)].map(([id, f]) => [id, f.title]));
  diffRules(a, b, push, titles);
  diffAmbiguities('', a.ambiguities, b.ambiguities, '/ambiguities', push);

  return { id: b.id, from: { version: a.version, effective_from: a.effective_from }, to: { version: b.version, effective_from: b.effective_from }, changes: out };
}

function citeText(c: { file: string; lines: number[]; clause?: string; section?: string }): string {
  return `${c.clause ?? c.section ?? ''}〔${c.file}:${c.lines[0]}-${c.lines[1]}〕`;
}

function diffInputs(a: RuleSet, b: RuleSet, push: (c: Change) => void): void {
  const pa = a.inputs.properties;
  const pb = b.inputs.properties;
  const reqA = new Set(a.inputs.required ?? []);
  const reqB = new Set(b.inputs.required ?? []);
  for (const id of Object.keys(pa)) {
    if (!(id in pb)) push({ kind: 'input_removed', subject: id, pointer: `/inputs/properties/${id}`, old: pa[id], zh: `删除输入事实 ${id}（${pa[id]?.title}）`, en: `input ${id} removed` });
  }
  for (const [id, p] of Object.entries(pb)) {
    const old = pa[id];
    const pointer = `/inputs/properties/${id}`;
    if (!old) {
      push({ kind: 'input_added', subject: id, pointer, new: p, zh: `新增输入事实 ${id}（${p.title}）${reqB.has(id) ? '，必填' : ''}`, en: `input ${id} added${reqB.has(id) ? ' (required)' : ''}` });
      continue;
    }
    for (const key of Object.keys({ ...old, ...p }) as (keyof typeof p)[]) {
      if (same(old[key], p[key])) continue;
      push({ kind: 'input_changed', subject: id, pointer: `${pointer}/${key}`, old: old[key], new: p[key], zh: `输入事实 ${id}（${p.title}）的 ${key}：${show(old[key])} → ${show(p[key])}`, en: `input ${id} ${key}: ${show(old[key])} → ${show(p[key])}` });
    }
    if (reqA.has(id) !== reqB.has(id)) {
      push({ kind: 'input_changed', subject: id, pointer: '/inputs/required', old: reqA.has(id), new: reqB.has(id), zh: `输入事实 ${id}（${p.title}）${reqB.has(id) ? '改为必填' : '改为选填'}`, en: `input ${id} is now ${reqB.has(id) ? 'required' : 'optional'}` });
    }
  }
}

function diffDerived(a: RuleSet, b: RuleSet, push: (c: Change) => void): void {
  const da = new Map((a.derived ?? []).map((d) => [d.id, d]));
  const db = new Map((b.derived ?? []).map((d, i) => [d.id, { d, i }]));
  for (const [id, d] of da) if (!db.has(id)) push({ kind: 'derived_removed', subject: id, pointer: '/derived', old: d.formula, zh: `删除派生事实 ${id}（${d.title}）`, en: `derived fact ${id} removed` });
  for (const [id, { d, i }] of db) {
    const old = da.get(id);
    if (!old) push({ kind: 'derived_added', subject: id, pointer: `/derived/${i}`, new: d.formula, zh: `新增派生事实 ${id}（${d.title}）= ${d.formula}`, en: `derived fact ${id} added = ${d.formula}` });
    else if (old.formula !== d.formula) push({ kind: 'derived_changed', subject: id, pointer: `/derived/${i}/formula`, old: old.formula, new: d.formula, zh: `派生事实 ${id}（${d.title}）的公式：${old.formula} → ${d.formula}`, en: `derived ${id} formula: ${old.formula} → ${d.formula}` });
    else if (old.type !== d.type || old.title !== d.title) push({ kind: 'derived_changed', subject: id, pointer: `/derived/${i}`, old: { title: old.title, type: old.type }, new: { title: d.title, type: d.type }, zh: `派生事实 ${id} 的名称或类型：${old.title}（${old.type}）→ ${d.title}（${d.type}）`, en: `derived ${id} title/type changed` });
  }
}

function diffOutputs(a: RuleSet, b: RuleSet, push: (c: Change) => void): void {
  for (const [id, o] of Object.entries(a.outputs)) if (!(id in b.outputs)) push({ kind: 'output_removed', subject: id, pointer: `/outputs/${id}`, old: o, zh: `删除输出 ${id}（${o.title}）`, en: `output ${id} removed` });
  for (const [id, o] of Object.entries(b.outputs)) {
    const old = a.outputs[id];
    if (!old) {
      push({ kind: 'output_added', subject: id, pointer: `/outputs/${id}`, new: o, zh: `新增输出 ${id}（${o.title}）`, en: `output ${id} added` });
      continue;
    }
    for (const key of Object.keys({ ...old, ...o }) as (keyof typeof o)[]) {
      if (same(old[key], o[key])) continue;
      const word = key === 'default' ? '默认值' : key === 'title' ? '名称' : key === 'type' ? '类型' : key;
      push({ kind: 'output_changed', subject: id, pointer: `/outputs/${id}/${key}`, old: old[key], new: o[key], zh: `输出 ${id}（${o.title}）的${word}：${show(old[key])} → ${show(o[key])}`, en: `output ${id} ${key}: ${show(old[key])} → ${show(o[key])}` });
    }
  }
}

function conditionText(c: FactCondition): string {
  return `${c.fact}${c.path ?? ''} ${OPERATOR_ZH[c.operator] ?? c.operator} ${show(c.value)}`;
}

function assignmentText(v: Assignment | undefined): string {
  if (v === undefined) return '（不设置）';
  return v !== null && typeof v === 'object' ? `公式 ${v.formula}` : show(v);
}

function diffRules(a: RuleSet, b: RuleSet, push: (c: Change) => void, titles: ReadonlyMap<string, string>): void {
  const ra = new Map(a.rules.map((r) => [r.id, r]));
  const rb = new Map(b.rules.map((r, i) => [r.id, { r, i }]));
  for (const [id, r] of ra) if (!rb.has(id)) push({ kind: 'rule_removed', subject: id, pointer: '/rules', old: r.title, zh: `删除规则 ${id}（${r.title}）${citeText(r.citation)}`, en: `rule ${id} removed` });
  for (const [id, { r, i }] of rb) {
    const old = ra.get(id);
    const base = `/rules/${i}`;
    if (!old) {
      push({ kind: 'rule_added', subject: id, pointer: base, new: r.title, zh: `新增规则 ${id}（${r.title}）${citeText(r.citation)}：设置 ${Object.entries(r.then).map(([k, v]) => `${k} = ${assignmentText(v)}`).join('，')}`, en: `rule ${id} added` });
      continue;
    }
    diffRule(old, r, base, push, titles);
  }
}

function diffRule(old: Rule, r: Rule, base: string, push: (c: Change) => void, titles: ReadonlyMap<string, string>): void {
  const id = r.id;
  const label = `规则 ${id}（${r.title}）`;
  for (const key of ['title', 'group', 'priority', 'reason', 'reason_not'] as const) {
    if (same(old[key], r[key])) continue;
    const word = { title: '名称', group: '分组', priority: '优先级', reason: '理由', reason_not: '不成立时的理由' }[key];
    push({ kind: 'rule_changed', subject: id, pointer: `${base}/${key}`, old: old[key], new: r[key], zh: `${label}的${word}：${show(old[key] ?? (key === 'priority' ? 1 : undefined))} → ${show(r[key] ?? (key === 'priority' ? 1 : undefined))}`, en: `rule ${id} ${key}: ${show(old[key])} → ${show(r[key])}` });
  }
  const lo = new Map(leafPointers(old.when as Condition, `${base}/when`).map((l) => [l.pointer, l.condition]));
  const ln = new Map(leafPointers(r.when as Condition, `${base}/when`).map((l) => [l.pointer, l.condition]));
  const structure = (c: Condition): unknown => ('fact' in c ? 'leaf' : Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => structure(x as Condition)) : structure(v as Condition)])));
  if (!same(structure(old.when as Condition), structure(r.when as Condition))) {
    push({ kind: 'rule_changed', subject: id, pointer: `${base}/when`, zh: `${label}的条件结构（全部/其一/非）有改变`, en: `rule ${id} condition structure changed` });
  }
  for (const [pointer, c] of ln) {
    const was = lo.get(pointer);
    if (!was || was.fact !== c.fact || (was.path ?? '') !== (c.path ?? '')) {
      if (was) push({ kind: 'condition_removed', subject: id, pointer, old: was, zh: `${label}删除条件：${was.name ?? conditionText(was)}`, en: `rule ${id} condition removed: ${was.fact} ${was.operator} ${show(was.value)}` });
      push({ kind: 'condition_added', subject: id, pointer, new: c, zh: `${label}新增条件：${c.name ?? conditionText(c)}`, en: `rule ${id} condition added: ${c.fact} ${c.operator} ${show(c.value)}` });
      continue;
    }
    if (was.operator !== c.operator || !same(was.value, c.value)) {
      const name = c.name ?? was.name ?? titles.get(c.fact) ?? c.fact;
      const numeric = typeof c.value === 'number' || typeof c.value === 'string';
      push({
        kind: numeric && was.operator === c.operator ? 'threshold' : 'rule_changed',
        subject: id,
        pointer: `${pointer}/${was.operator === c.operator ? 'value' : 'operator'}`,
        old: { operator: was.operator, value: was.value },
        new: { operator: c.operator, value: c.value },
        zh: `${label}的条件“${name}”：${OPERATOR_ZH[was.operator] ?? was.operator} ${show(was.value)} → ${OPERATOR_ZH[c.operator] ?? c.operator} ${show(c.value)}`,
        en: `rule ${id} condition ${c.fact}: ${was.operator} ${show(was.value)} → ${c.operator} ${show(c.value)}`,
      });
    }
  }
  for (const [pointer, c] of lo) {
    const now = ln.get(pointer);
    if (!now) push({ kind: 'condition_removed', subject: id, pointer, old: c, zh: `${label}删除条件：${c.name ?? conditionText(c)}`, en: `rule ${id} condition removed: ${c.fact} ${c.operator} ${show(c.value)}` });
  }
  for (const out of new Set([...Object.keys(old.then), ...Object.keys(r.then)])) {
    if (same(old.then[out], r.then[out])) continue;
    push({ kind: 'value', subject: id, pointer: `${base}/then/${out}`, old: old.then[out], new: r.then[out], zh: `${label}给出的 ${out}：${assignmentText(old.then[out])} → ${assignmentText(r.then[out])}`, en: `rule ${id} sets ${out}: ${assignmentText(old.then[out])} → ${assignmentText(r.then[out])}` });
  }
  if (!same(old.citation, r.citation)) push(citationChange(id, label, old.citation, r.citation, `${base}/citation`));
  diffAmbiguities(id, old.ambiguities, r.ambiguities, `${base}/ambiguities`, push);
}

function citationChange(id: string, label: string, a: Citation, b: Citation, pointer: string): Change {
  const parts: string[] = [];
  if (a.clause !== b.clause) parts.push(`条款 ${a.clause} → ${b.clause}`);
  if (a.file !== b.file || !same(a.lines, b.lines)) parts.push(`行 ${a.file}:${a.lines[0]}-${a.lines[1]} → ${b.file}:${b.lines[0]}-${b.lines[1]}`);
  if ((a.quote ?? '') !== (b.quote ?? '')) parts.push(`引文 “${a.quote ?? ''}” → “${b.quote ?? ''}”`);
  return { kind: 'citation', subject: id, pointer, old: a, new: b, zh: `${label}的引用：${parts.join('；')}`, en: `rule ${id} citation: ${canonicalJson(a)} → ${canonicalJson(b)}` };
}

function diffAmbiguities(owner: string, a: Ambiguity[] | undefined, b: Ambiguity[] | undefined, pointer: string, push: (c: Change) => void): void {
  const ma = new Map((a ?? []).map((x) => [x.id, x]));
  const mb = new Map((b ?? []).map((x, i) => [x.id, { x, i }]));
  const where = owner ? `规则 ${owner} 的` : '';
  for (const [id, x] of ma) if (!mb.has(id)) push({ kind: 'ambiguity', subject: owner || id, pointer, old: x, zh: `删除${where}歧义 ${id}：${x.issue}`, en: `ambiguity ${id} removed` });
  for (const [id, { x, i }] of mb) {
    const old = ma.get(id);
    if (!old) push({ kind: 'ambiguity', subject: owner || id, pointer: `${pointer}/${i}`, new: x, zh: `新增${where}歧义 ${id}：${x.issue} 处理：${x.resolution}`, en: `ambiguity ${id} added` });
    else if (old.resolution !== x.resolution) push({ kind: 'ambiguity', subject: owner || id, pointer: `${pointer}/${i}/resolution`, old: old.resolution, new: x.resolution, zh: `${where}歧义 ${id} 的处理：${old.resolution} → ${x.resolution}`, en: `ambiguity ${id} resolution changed` });
    else if (!same(old, x)) push({ kind: 'ambiguity', subject: owner || id, pointer: `${pointer}/${i}`, old, new: x, zh: `${where}歧义 ${id} 的说明、引用或测试有改变`, en: `ambiguity ${id} changed` });
  }
}

/** The diff as Chinese text, one change a line, headed by the two versions. */
export function formatDiff(d: RuleSetDiff): string {
  const head = `规则集 ${d.id}：版本 ${d.from.version}（${d.from.effective_from ?? '自始'}起）→ ${d.to.version}（${d.to.effective_from ?? '自始'}起）`;
  if (d.changes.length === 0) return `${head}\n  内容无改变。`;
  const order: ChangeKind[] = ['effective', 'metadata', 'rule_added', 'rule_removed', 'threshold', 'value', 'condition_added', 'condition_removed', 'rule_changed', 'citation', 'input_added', 'input_removed', 'input_changed', 'derived_added', 'derived_removed', 'derived_changed', 'output_added', 'output_removed', 'output_changed', 'ambiguity'];
  const sorted = [...d.changes].sort((x, y) => order.indexOf(x.kind) - order.indexOf(y.kind));
  return [head, `  共 ${d.changes.length} 处改变：`, ...sorted.map((c) => `  · ${c.zh}`)].join('\n');
}
