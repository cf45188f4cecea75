import { Engine } from 'json-rules-engine';
import { isDecimalText } from '../eval/decimal.js';
import type { RuleSet, Rule, Condition, FactCondition, Citation, Ambiguity } from '../generated/rule-set.js';
import { finding, sortFindings, type Finding, type Location } from '../errors/finding.js';
import { parseYaml, escapePointer, DEFAULT_YAML_LIMITS, type YamlLimits, type YamlSource } from '../text/yaml-source.js';
import { schemaValidator, createAjv } from '../schema/ajv.js';
import { re2RegExp } from '../schema/re2-regexp.js';
import { schemaFindings, describe } from './schema-findings.js';
import { SourceTexts, normaliseForQuote } from './source-texts.js';
import { buildFactCatalogue, valueTypeKind, type FactInfo } from './fact-catalogue.js';
import { compileFormula, ALLOWED_FUNCTIONS, type CompiledFormula } from '../eval/formula.js';
import { OPERATOR_KINDS, buildOperators } from '../eval/operators.js';
import { plainPathResolver, parsePath } from '../eval/path-resolver.js';
import { canonicalJson, sha256, deepFreeze } from './canonical-json.js';
import { conditionTemplate } from '../decision/condition-trace.js';
import { compileRuleSet } from '../eval/compile.js';
import type { PreparedRuleSet, PreparedRule, PreparedDerived, PreparedAssignment, PreparedOutput, AmbiguityNotes, AmbiguityNote } from './prepared-rule-set.js';
import type { Citation as DecisionCitation } from '../generated/decision.js';

export interface LoadOptions {
  readonly sources: SourceTexts;
  readonly limits?: YamlLimits;
}

export type LoadResult = { ok: true; ruleSet: PreparedRuleSet; findings: Finding[] } | { ok: false; findings: Finding[] };

/**
 * Loads already done in this process, by source directory, YAML limits and
 * text: a version is immutable and its text determines it, so the draft a
 * publish validates, lints, tests, records and serves is compiled once and
 * the same prepared object is shared (the editor's probe, the gate, lint,
 * the suite run, the registry, every server in the process). Bounded: drafts
 * come and go; what is published stays reachable through the registries.
 */
const loads = new Map<string, LoadResult>();
const LOAD_CACHE_LIMIT = 64;

/**
 * text → parsed YAML → schema-valid → meaning-checked → prepared. A rule set
 * with any error is refused whole: nothing half-loaded is ever evaluated.
 * The same text loaded again (under any file label) is not compiled again.
 */
export function loadRuleSet(file: string, text: string, options: LoadOptions): LoadResult {
  const limits = options.limits ?? DEFAULT_YAML_LIMITS;
  const key = `${options.sources.dir}\u0000${limits.maxBytes}/${limits.maxDepth}/${limits.maxAliases}\u0000${text}`;
  let result = loads.get(key);
  if (result === undefined) {
    result = compileText(file, text, options);
    if (loads.size >= LOAD_CACHE_LIMIT) loads.delete(loads.keys().next().value as string);
  } else {
    // Most recently used last, so the oldest is evicted first.
    loads.delete(key);
  }
  loads.set(key, result);
  return relabel(result, file);
}

/** A cached load under another file label: the same compiled version, findings and file named as asked. */
function relabel(result: LoadResult, file: string): LoadResult {
  const from = result.ok ? result.ruleSet.file : result.findings[0]?.file;
  if (from === undefined || from === file) return result;
  const findings = result.findings.map((f) => (f.file === from ? { ...f, file } : f));
  if (!result.ok) return { ok: false, findings };
  return { ok: true, ruleSet: Object.freeze({ ...result.ruleSet, file }), findings };
}

function compileText(file: string, text: string, options: LoadOptions): LoadResult {
  try {
    return loadChecked(file, text, options);
  } catch (err) {
    // A rule file is hostile input: whatever it makes the checks throw refuses
    // that file (validate, publish, lint and the server's start go on), never the caller.
    return { ok: false, findings: [finding('RULESET_UNREADABLE', { file, line: 1, column: 1, pointer: '' }, { detail: (err as Error).message?.slice(0, 200) ?? String(err) })] };
  }
}

function loadChecked(file: string, text: string, options: LoadOptions): LoadResult {
  const parsed = parseYaml(file, text, options.limits ?? DEFAULT_YAML_LIMITS);
  if (!parsed.ok) return { ok: false, findings: sortFindings(parsed.findings) };
  const source = parsed.source;
  const validate = schemaValidator('rule-set');
  if (!validate(source.value)) {
    return { ok: false, findings: sortFindings(schemaFindings(validate.errors ?? [], source)) };
  }
  const rs = source.value as RuleSet;
  const checker = new Checker(source, rs, options.sources);
  const prepared = checker.prepare();
  const findings = sortFindings(checker.findings);
  if (findings.some((f) => f.severity === 'error') || !prepared) return { ok: false, findings };
  return { ok: true, ruleSet: prepared, findings };
}

const TEMPLATE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

class Checker {
  readonly findings: Finding[] = [];
  private readonly facts: Map<string, FactInfo>;

  constructor(
    private readonly source: YamlSource,
    private readonly rs: RuleSet,
    private readonly texts: SourceTexts,
  ) {
    this.facts = buildFactCatalogue(rs);
  }

  private at(pointer: string, key = false): Location {
    return this.source.locate(pointer, key);
  }

  /** Each matter named is a value of the selector fact, and each headline a declared output. */
  private checkMatterOutcomes(): void {
    const byMatter = this.rs.matter_outcomes;
    if (!byMatter) return;
    const selectors = Object.entries(this.rs.inputs.properties).filter(([, p]) => p['x-selector'] === true);
    const [selectorId, selector] = selectors[0] ?? [];
    if (selectors.length !== 1 || !selector) {
      this.findings.push(finding('SCHEMA_VIOLATION', this.at('/matter_outcomes'), { key: 'matter_outcomes', detail: `需要恰好一个 x-selector 输入事实，实际 ${selectors.length} 个` }));
      return;
    }
    const values = (selector.enum ?? []) as unknown[];
    for (const [matter, output] of Object.entries(byMatter)) {
      if (!values.includes(matter)) {
        this.findings.push(finding('ENUM_VALUE', this.at(`/matter_outcomes/${escapePointer(matter)}`, true), { key: selectorId, found: matter, expected: values.join(', ') }));
      }
      if (!this.rs.outputs[output]) this.findings.push(finding('OUTCOME_UNKNOWN', this.at(`/matter_outcomes/${escapePointer(matter)}`), { found: output }));
    }
  }

  private checkPatterns(): boolean {
    let bad = false;
    for (const [id, p] of Object.entries(this.rs.inputs.properties)) {
      if (typeof p.pattern !== 'string') continue;
      try {
        re2RegExp(p.pattern, 'u');
      } catch (err) {
        bad = true;
        this.findings.push(finding('INPUT_SCHEMA', this.at(`/inputs/properties/${escapePointer(id)}/pattern`), { detail: (err as Error).message }));
      }
    }
    return bad;
  }

  prepare(): PreparedRuleSet | undefined {
    const rs = this.rs;
    this.checkEffectiveRange();
    this.checkIds();
    this.checkCitation(rs.source as unknown as Citation, '/source');
    rs.ambiguities?.forEach((a, i) => this.checkAmbiguity(a, `/ambiguities/${i}`));

    let validateInputs;
    // Each pattern on its own first, so a refused one is reported where it is written.
    const badPatterns = this.checkPatterns();
    try {
      if (!badPatterns) validateInputs = createAjv({ allErrors: true }).compile({ ...rs.inputs, additionalProperties: false });
    } catch (err) {
      this.findings.push(finding('INPUT_SCHEMA', this.at('/inputs'), { detail: (err as Error).message }));
    }
    for (const req of rs.inputs.required ?? []) {
      if (!(req in rs.inputs.properties)) {
        this.findings.push(finding('UNDECLARED_FACT', this.at('/inputs/required'), { found: req, expected: Object.keys(rs.inputs.properties).join(', ') }));
      }
    }
    for (const [id, p] of Object.entries(rs.inputs.properties)) {
      if (p.format === 'date' && p.type !== 'string') {
        this.findings.push(finding('SCHEMA_TYPE', this.at(`/inputs/properties/${id}/type`), { key: 'type', expected: 'string (format: date)', found: p.type }));
      }
    }

    const derived = this.prepareDerived();
    const outputIds = Object.keys(rs.outputs);
    if (!rs.outputs[rs.outcome]) {
      this.findings.push(finding('OUTCOME_UNKNOWN', this.at('/outcome'), { found: rs.outcome }));
    }
    this.checkMatterOutcomes();
    const rules = rs.rules.map((rule, i) => this.prepareRule(rule, i, outputIds));

    if (this.findings.some((f) => f.severity === 'error') || !validateInputs) return undefined;

    const outputs = new Map<string, PreparedOutput>();
    for (const [id, def] of Object.entries(rs.outputs)) {
      outputs.set(id, { id, definition: def, setBy: rules.filter((r) => r.assignments.has(id)) });
    }

    const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: plainPathResolver, replaceFactsInEventParams: false });
    for (const op of buildOperators()) engine.addOperator(op);
    for (const r of rules) {
      // A structured clone: json-rules-engine builds its own condition objects and must not alias ours.
      engine.addRule({ name: r.id, conditions: structuredClone(r.definition.when) as never, event: { type: r.id }, priority: 1 });
    }

    // Frozen where evaluation reads; the engine and the ajv validator keep
    // per-call state of their own and must stay mutable.
    deepFreeze(rules);
    deepFreeze(derived);
    const note = (a: Ambiguity, rule?: string): AmbiguityNote => ({ id: a.id, issue: a.issue, resolution: a.resolution, ...(rule ? { rule } : {}), ...(a.citation ? { citation: a.citation as DecisionCitation } : {}) });
    const ambiguityNotes: AmbiguityNotes = deepFreeze({
      ruleSet: (rs.ambiguities ?? []).map((a) => note(a)),
      derived: new Map((rs.derived ?? []).filter((d) => d.ambiguities?.length).map((d) => [d.id, (d.ambiguities ?? []).map((a) => note(a, d.id))])),
      rules: new Map(rs.rules.flatMap((r, i) => (r.ambiguities?.length ? [[i, r.ambiguities.map((a) => note(a, r.id))] as const] : []))),
    });
    return Object.freeze({
      id: rs.id,
      version: rs.version,
      title: rs.title,
      hash: sha256(canonicalJson(rs)),
      file: this.source.file,
      text: this.source.text,
      definition: deepFreeze(structuredClone(rs)),
      effectiveFrom: rs.effective_from ?? null,
      effectiveTo: rs.effective_to ?? null,
      facts: this.facts,
      validateInputs,
      derived,
      rules,
      outputs,
      engine,
      compiled: compileRuleSet({ inputs: Object.keys(rs.inputs.properties).map((name) => ({ name, numeric: this.facts.get(name)?.kind === 'number' })), derived, rules, outputs }),
      ambiguityNotes,
    });
  }

  private checkEffectiveRange(): void {
    const { effective_from: from, effective_to: to } = this.rs;
    if (from && to && to < from) {
      this.findings.push(finding('EFFECTIVE_RANGE', this.at('/effective_to'), { found: to, expected: from }));
    }
  }

  private checkIds(): void {
    const seen = new Map<string, number>();
    const claim = (id: string, pointer: string) => {
      const loc = this.at(pointer);
      const first = seen.get(id);
      if (first !== undefined) this.findings.push(finding('DUPLICATE_ID', loc, { found: id, expected: first }));
      else seen.set(id, loc.line);
    };
    Object.keys(this.rs.inputs.properties).forEach((id) => seen.set(id, this.at(`/inputs/properties/${id}`, true).line));
    if (this.facts.has('as_of') && 'as_of' in this.rs.inputs.properties) {
      this.findings.push(finding('DUPLICATE_ID', this.at('/inputs/properties/as_of', true), { found: 'as_of', expected: '(决定日期, 内置)' }));
    }
    this.rs.derived?.forEach((d, i) => claim(d.id, `/derived/${i}/id`));
    const ruleIds = new Map<string, number>();
    this.rs.rules.forEach((r, i) => {
      const loc = this.at(`/rules/${i}/id`);
      const first = ruleIds.get(r.id);
      if (first !== undefined) this.findings.push(finding('DUPLICATE_ID', loc, { found: r.id, expected: first }));
      else ruleIds.set(r.id, loc.line);
    });
    const ambIds = new Map<string, number>();
    const ambiguity = (a: Ambiguity, pointer: string) => {
      const loc = this.at(pointer);
      const first = ambIds.get(a.id);
      if (first !== undefined) this.findings.push(finding('DUPLICATE_ID', loc, { found: a.id, expected: first }));
      else ambIds.set(a.id, loc.line);
    };
    this.rs.ambiguities?.forEach((a, i) => ambiguity(a, `/ambiguities/${i}/id`));
    this.rs.derived?.forEach((d, i) => d.ambiguities?.forEach((a, j) => ambiguity(a, `/derived/${i}/ambiguities/${j}/id`)));
    this.rs.rules.forEach((r, i) => r.ambiguities?.forEach((a, j) => ambiguity(a, `/rules/${i}/ambiguities/${j}/id`)));
  }

  private checkCitation(c: Citation, pointer: string): void {
    const lines = this.texts.lines(c.file);
    if (!lines) {
      this.findings.push(finding('CITATION_FILE', this.at(`${pointer}/file`), { found: c.file }));
      return;
    }
    const [from, to] = c.lines;
    if (from > to || to > lines.length) {
      this.findings.push(finding('CITATION_LINES', this.at(`${pointer}/lines`), { found: `${from}-${to}`, expected: lines.length }));
      return;
    }
    if (c.quote) {
      const cited = normaliseForQuote(lines.slice(from - 1, to).join(''));
      if (!cited.includes(normaliseForQuote(c.quote))) {
        this.findings.push(finding('CITATION_QUOTE', this.at(`${pointer}/quote`), { found: c.quote.slice(0, 60), expected: `${from}-${to}` }));
      }
    }
  }

  private checkAmbiguity(a: Ambiguity, pointer: string): void {
    if (a.citation) this.checkCitation(a.citation, `${pointer}/citation`);
  }

  private prepareDerived(): PreparedDerived[] {
    const out: PreparedDerived[] = [];
    const available = new Set<string>(['as_of', ...Object.keys(this.rs.inputs.properties)]);
    const inputsOf = new Map<string, readonly string[]>();
    for (const id of Object.keys(this.rs.inputs.properties)) inputsOf.set(id, [id]);
    inputsOf.set('as_of', []);
    (this.rs.derived ?? []).forEach((d, i) => {
      const pointer = `/derived/${i}`;
      if (d.citation) this.checkCitation(d.citation, `${pointer}/citation`);
      d.ambiguities?.forEach((a, j) => this.checkAmbiguity(a, `${pointer}/ambiguities/${j}`));
      const formula = this.compile(d.formula, `${pointer}/formula`, (name) => available.has(name), d.id);
      available.add(d.id);
      if (!formula) return;
      const inputs = [...new Set(formula.symbols.flatMap((s) => inputsOf.get(s) ?? []))];
      inputsOf.set(d.id, inputs);
      out.push({ id: d.id, title: d.title, type: d.type, formula, inputs });
    });
    return out;
  }

  private compile(text: string, pointer: string, known: (name: string) => boolean, self?: string): CompiledFormula | undefined {
    const result = compileFormula(text, known);
    if (result.ok) return result.formula;
    for (const p of result.problems) {
      switch (p.kind) {
        case 'syntax':
          this.findings.push(finding('FORMULA_SYNTAX', this.at(pointer), { detail: p.detail }));
          break;
        case 'forbidden':
          this.findings.push(finding('FORMULA_FORBIDDEN', this.at(pointer), { found: p.found, expected: [...ALLOWED_FUNCTIONS].join(', ') }));
          break;
        case 'constant':
          this.findings.push(finding('FORMULA_CONSTANT', this.at(pointer), { found: p.found, detail: p.detail }));
          break;
        case 'undeclared':
          if (self !== undefined && (p.found === self || this.facts.get(p.found)?.origin === 'derived')) {
            this.findings.push(finding('FORMULA_CYCLE', this.at(pointer), { found: p.found }));
          } else {
            this.findings.push(finding('UNDECLARED_FACT', this.at(pointer), { found: p.found, expected: [...this.facts.keys()].join(', ') }));
          }
          break;
      }
    }
    return undefined;
  }

  private prepareRule(rule: Rule, index: number, outputIds: readonly string[]): PreparedRule {
    const pointer = `/rules/${index}`;
    const used = new Set<string>();
    this.checkCondition(rule.when as Condition, `${pointer}/when`, used);
    this.checkCitation(rule.citation, `${pointer}/citation`);
    rule.ambiguities?.forEach((a, j) => this.checkAmbiguity(a, `${pointer}/ambiguities/${j}`));
    const names = new Set<string>([...this.facts.keys(), ...outputIds]);
    for (const [field, template] of [['reason', rule.reason], ['reason_not', rule.reason_not]] as const) {
      if (!template) continue;
      for (const m of template.matchAll(TEMPLATE)) {
        if (!names.has(m[1] as string)) this.findings.push(finding('TEMPLATE_FACT', this.at(`${pointer}/${field}`), { found: m[1] }));
      }
    }
    const assignments = new Map<string, PreparedAssignment>();
    for (const [out, value] of Object.entries(rule.then)) {
      const outDef = this.rs.outputs[out];
      if (!outDef) {
        this.findings.push(finding('UNDECLARED_OUTPUT', this.at(`${pointer}/then/${out}`, true), { found: out, expected: outputIds.join(', ') }));
        continue;
      }
      if (value !== null && typeof value === 'object') {
        const formula = this.compile(value.formula, `${pointer}/then/${out}/formula`, (n) => this.facts.has(n));
        if (formula) assignments.set(out, { kind: 'formula', formula });
      } else {
        if (!literalFits(value, outDef.type)) {
          this.findings.push(finding('OUTPUT_VALUE_TYPE', this.at(`${pointer}/then/${out}`), { key: out, expected: outDef.type, found: describe(value) }));
        }
        assignments.set(out, { kind: 'literal', value });
      }
    }
    const outputTypes = new Map([...assignments.keys()].map((o) => [o, this.rs.outputs[o]?.type ?? 'string']));
    const template = conditionTemplate(rule.when, this.facts);
    return { id: rule.id, index, definition: rule, priority: rule.priority ?? 1, assignments, sets: [...assignments.keys()], outputTypes, facts: [...used], template };
  }

  private checkCondition(c: Condition, pointer: string, used: Set<string>): void {
    if ('fact' in c && typeof (c as FactCondition).fact === 'string') {
      this.checkFactCondition(c as FactCondition, pointer, used);
      return;
    }
    const top = c as { all?: Condition[]; any?: Condition[]; not?: Condition };
    top.all?.forEach((x, i) => this.checkCondition(x, `${pointer}/all/${i}`, used));
    top.any?.forEach((x, i) => this.checkCondition(x, `${pointer}/any/${i}`, used));
    if (top.not) this.checkCondition(top.not, `${pointer}/not`, used);
  }

  private checkFactCondition(c: FactCondition, pointer: string, used: Set<string>): void {
    const info = this.facts.get(c.fact);
    if (!info) {
      this.findings.push(finding('UNDECLARED_FACT', this.at(`${pointer}/fact`), { found: c.fact, expected: [...this.facts.keys()].join(', ') }));
      return;
    }
    used.add(c.fact);
    if (c.path !== undefined && !parsePath(c.path)) {
      this.findings.push(finding('SCHEMA_PATTERN', this.at(`${pointer}/path`), { key: 'path', expected: '$.name 或 $.name[0]', found: c.path }));
    }
    // A path reaches inside a structured fact; its type is not declared, so only whole facts are type-checked.
    if (c.path !== undefined) return;
    const allowed = OPERATOR_KINDS[c.operator] ?? [];
    if (!allowed.includes(info.kind)) {
      this.findings.push(
        finding('OPERATOR_TYPE', this.at(`${pointer}/operator`), { key: c.operator, found: info.kind, detail: c.fact, expected: allowed.join(' / ') }),
      );
      return;
    }
    const value = c.value;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const other = this.facts.get(value.fact);
      if (!other) {
        this.findings.push(finding('UNDECLARED_FACT', this.at(`${pointer}/value/fact`), { found: value.fact, expected: [...this.facts.keys()].join(', ') }));
        return;
      }
      used.add(value.fact);
      if (other.kind !== info.kind) {
        this.findings.push(finding('VALUE_TYPE', this.at(`${pointer}/value`), { key: c.fact, expected: info.kind, found: `${other.kind} (${value.fact})` }));
      }
      return;
    }
    const listOperator = c.operator === 'in' || c.operator === 'notIn';
    if (listOperator !== Array.isArray(value)) {
      this.findings.push(finding('VALUE_TYPE', this.at(`${pointer}/value`), { key: c.fact, expected: listOperator ? '列表 (array)' : info.kind, found: describe(value) }));
      return;
    }
    const items = Array.isArray(value) ? value : [value];
    const elementKind = info.kind === 'list' ? 'any' : info.kind;
    for (const item of items) {
      if (!valueFitsKind(item, elementKind)) {
        this.findings.push(finding('VALUE_TYPE', this.at(`${pointer}/value`), { key: c.fact, expected: info.kind, found: describe(item) }));
        return;
      }
      if (info.enum && (c.operator === 'equal' || c.operator === 'notEqual' || listOperator) && !info.enum.includes(item as never)) {
        this.findings.push(finding('ENUM_VALUE', this.at(`${pointer}/value`), { key: c.fact, found: JSON.stringify(item), expected: info.enum.map((e) => JSON.stringify(e)).join(', ') }));
      }
    }
  }
}

function valueFitsKind(value: unknown, kind: string): boolean {
  switch (kind) {
    case 'number':
      return typeof value === 'number' || isDecimalText(value);
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

function literalFits(value: unknown, type: string): boolean {
  if (value === null) return true;
  return valueFitsKind(value, valueTypeKind(type) === 'list' ? 'any' : valueTypeKind(type));
}
