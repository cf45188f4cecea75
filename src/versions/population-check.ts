import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { evaluateCompact, today } from '../eval/evaluate.js';
import { generatePopulation } from '../impact/population-generator.js';
import { ZhiduError } from '../errors/finding.js';
import { ERRORS } from '../errors/catalogue.js';

/**
 * The gate's last stage: before a version can answer caseworkers, it decides a generated
 * population of its own rule set (seeded, so a refusal can be reproduced) with the compact
 * evaluator, and any applicant it cannot answer — OUTPUT_CONFLICT, a formula that fails, an
 * unexpected exception or a 5xx-class error — refuses the version. Input-schema refusals
 * (400-class) are the applicant's fault, not the rules', and only counted. Lint finds
 * overlaps it can reason about; this finds the ones it cannot (formulas, paths, fact-to-fact
 * comparisons), by example.
 */
export const GATE_POPULATION = 10_000;
export const GATE_SEED = 1;
/** Examples kept per kind of failure: enough to see the pattern, few enough to read. */
const SAMPLES_PER_CODE = 3;

export interface PopulationFact {
  readonly id: string;
  readonly title: string;
  readonly value: unknown;
  /** The value as an editor reads it: enum title, unit. */
  readonly text: string;
}

export interface PopulationFailure {
  /** 1-based position in the generated population (with the seed, enough to regenerate it). */
  readonly index: number;
  readonly code: string;
  readonly message: string;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly facts_text: readonly PopulationFact[];
  readonly rules: readonly { readonly id: string; readonly title: string }[];
  readonly output?: { readonly id: string; readonly title: string };
}

export interface PopulationCheck {
  readonly ok: boolean;
  readonly records: number;
  readonly seed: number;
  readonly as_of: string;
  readonly decided: number;
  readonly undetermined: number;
  /** Generated facts the input schema refused (400-class): not the version's failure. */
  readonly refused: number;
  readonly failed: number;
  readonly failures_by_code: Readonly<Record<string, number>>;
  readonly samples: readonly PopulationFailure[];
  readonly elapsed_ms: number;
}

export interface PopulationCheckOptions {
  readonly count?: number;
  readonly seed?: number;
  /** Decision date; default the version's first day (else its last, else today). */
  readonly asOf?: string;
}

/** Decide the population, all at once (benchmarks, the CLI). */
export function checkPopulation(rs: PreparedRuleSet, options: PopulationCheckOptions = {}): PopulationCheck {
  const run = new PopulationRun(rs, options);
  while (run.step(Infinity));
  return run.result();
}

/**
 * The same, giving the event loop back every few hundred applicants: a server deciding 10 000
 * applicants of a large rule set for a publication keeps answering caseworkers meanwhile.
 */
export async function checkPopulationYielding(rs: PreparedRuleSet, options: PopulationCheckOptions = {}, slice = 250): Promise<PopulationCheck> {
  const run = new PopulationRun(rs, options);
  while (run.step(slice)) await new Promise<void>((resolve) => setImmediate(resolve));
  return run.result();
}

class PopulationRun {
  private readonly started = performance.now();
  private readonly seed: number;
  private readonly asOf: string;
  private readonly population: Iterator<Record<string, unknown>>;
  private decided = 0;
  private undetermined = 0;
  private refused = 0;
  private failed = 0;
  private index = 0;
  private readonly byCode: Record<string, number> = {};
  private readonly samples: PopulationFailure[] = [];

  constructor(
    private readonly rs: PreparedRuleSet,
    options: PopulationCheckOptions,
  ) {
    this.seed = options.seed ?? GATE_SEED;
    this.asOf = options.asOf ?? rs.effectiveFrom ?? rs.effectiveTo ?? today();
    this.population = generatePopulation(rs.definition, options.count ?? GATE_POPULATION, { seed: this.seed, asOf: this.asOf });
  }

  /** Decide up to `n` more applicants; false when the population is done. */
  step(n: number): boolean {
    for (let k = 0; k < n; k++) {
      const next = this.population.next();
      if (next.done) return false;
      this.decide(next.value);
    }
    return true;
  }

  private decide(facts: Record<string, unknown>): void {
    this.index += 1;
    try {
      const d = evaluateCompact(this.rs, facts, { asOf: this.asOf });
      if (d.status === 'decided') this.decided += 1;
      else this.undetermined += 1;
    } catch (err) {
      const known = err instanceof ZhiduError;
      if (known && err.status < 500 && err.code !== 'OUTPUT_CONFLICT' && err.code !== 'FORMULA_EVAL') {
        this.refused += 1;
        return;
      }
      this.failed += 1;
      const code = known ? err.code : 'INTERNAL';
      this.byCode[code] = (this.byCode[code] ?? 0) + 1;
      if ((this.byCode[code] ?? 0) <= SAMPLES_PER_CODE) this.samples.push(failure(this.rs, this.index, facts, err, code));
    }
  }

  result(): PopulationCheck {
    return {
      ok: this.failed === 0,
      records: this.index,
      seed: this.seed,
      as_of: this.asOf,
      decided: this.decided,
      undetermined: this.undetermined,
      refused: this.refused,
      failed: this.failed,
      failures_by_code: this.byCode,
      samples: this.samples,
      elapsed_ms: Math.round(performance.now() - this.started),
    };
  }
}

function failure(rs: PreparedRuleSet, index: number, facts: Record<string, unknown>, err: unknown, code: string): PopulationFailure {
  const def = rs.definition;
  const known = err instanceof ZhiduError ? err : undefined;
  const message = known ? known.messageZh : `${ERRORS.INTERNAL.zh.replace('（已记录，编号 {key}）', '')}：${(err as Error)?.message ?? String(err)}`;
  const ruleIds = new Set<string>();
  let output: PopulationFailure['output'];
  if (known?.code === 'OUTPUT_CONFLICT') {
    // found is "rule=value, rule=value"; rule ids are identifiers, so the split is unambiguous.
    for (const m of String(known.params.found ?? '').matchAll(/(?:^|, )([a-z][a-z0-9_]*)=/g)) ruleIds.add(m[1] as string);
    const out = String(known.params.key ?? '');
    output = { id: out, title: def.outputs[out]?.title ?? out };
  } else if (known?.code === 'FORMULA_EVAL') {
    // key is a derived fact, or rule.output for an output formula.
    const [rule, out] = String(known.params.key ?? '').split('.');
    if (out !== undefined && rule) {
      ruleIds.add(rule);
      output = { id: out, title: def.outputs[out]?.title ?? out };
    }
  }
  const rules = def.rules.filter((r) => ruleIds.has(r.id)).map((r) => ({ id: r.id, title: r.title }));
  return { index, code, message, facts, facts_text: factsText(rs, facts), rules, ...(output ? { output } : {}) };
}

function factsText(rs: PreparedRuleSet, facts: Record<string, unknown>): PopulationFact[] {
  const props = rs.definition.inputs.properties;
  return Object.entries(facts).map(([id, value]) => {
    const p = props[id];
    const titles = p?.['x-enum-titles'] as Record<string, string> | undefined;
    const unit = p?.['x-unit'] as string | undefined;
    const shown = titles?.[String(value)] ?? (typeof value === 'boolean' ? (value ? '是' : '否') : Array.isArray(value) ? value.map((v) => titles?.[String(v)] ?? String(v)).join('、') : String(value));
    return { id, title: p?.title ?? id, value, text: unit && !titles && typeof value !== 'boolean' ? `${shown} ${unit}` : shown };
  });
}
