import type { RuleSet, InputProperty, Condition, FactCondition } from '../generated/rule-set.js';
import { leafPointers } from '../lint/fact-constraint.js';
import { parseDate, dayNumber, formatDate } from '../eval/calendar.js';

/**
 * A synthetic population for a rule set, from its input schema alone:
 * enums and booleans uniformly, numbers across the declared range and
 * clustered around the thresholds the rules compare them with (where a
 * change bites), dates across a wide span. Deterministic for a seed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratorOptions {
  readonly seed: number;
  /** Share of optional facts left out (unknown), 0..1. */
  readonly missingRate?: number;
}

type Gen = (rand: () => number) => unknown;

/** Constants each fact is compared with anywhere in the rules (thresholds). */
function thresholds(rs: RuleSet): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const rule of rs.rules) {
    for (const { condition: c } of leafPointers(rule.when as Condition, '')) {
      const values = (Array.isArray(c.value) ? c.value : [c.value]).filter((v): v is number | string => typeof v === 'number' || (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)));
      if (values.length === 0) continue;
      out.set((c as FactCondition).fact, [...(out.get(c.fact) ?? []), ...values.map(Number)]);
    }
  }
  return out;
}

function numberGen(p: InputProperty, near: readonly number[]): Gen {
  const integer = p.type === 'integer';
  const lo = p.minimum ?? (p.exclusiveMinimum !== undefined ? p.exclusiveMinimum + (integer ? 1 : 0.01) : undefined);
  const hi = p.maximum ?? (p.exclusiveMaximum !== undefined ? p.exclusiveMaximum - (integer ? 1 : 0.01) : undefined);
  const top = Math.max(...near, 0);
  const min = lo ?? 0;
  const max = hi ?? Math.max(min + 10, Math.ceil(top * 1.5) || 100);
  const decimal = p.format === 'decimal';
  const clamp = (v: number) => Math.min(max, Math.max(min, v));
  const shape = (v: number): unknown => {
    const c = clamp(v);
    if (integer) return Math.round(c);
    const fixed = c.toFixed(2);
    return decimal ? fixed : Number(fixed);
  };
  return (rand) => {
    // Half the population sits within ±10% (at least ±3) of a threshold: that is where a change is felt.
    if (near.length > 0 && rand() < 0.5) {
      const t = near[Math.floor(rand() * near.length)] as number;
      const spread = Math.max(3, Math.abs(t) * 0.1);
      return shape(t + (rand() * 2 - 1) * spread);
    }
    return shape(min + rand() * (max - min));
  };
}

function dateGen(p: InputProperty): Gen {
  const examples = (p['x-examples'] ?? []).map(parseDate).filter((d) => d !== undefined);
  const from = dayNumber(parseDate('1940-01-01') as NonNullable<ReturnType<typeof parseDate>>);
  const to = dayNumber(parseDate('2024-12-31') as NonNullable<ReturnType<typeof parseDate>>);
  return (rand) => {
    if (examples.length > 0 && rand() < 0.2) return formatDate(examples[Math.floor(rand() * examples.length)] as NonNullable<ReturnType<typeof parseDate>>);
    const day = from + Math.floor(rand() * (to - from + 1));
    const d = new Date(day * 86_400_000);
    return d.toISOString().slice(0, 10);
  };
}

function generatorFor(p: InputProperty, near: readonly number[]): Gen {
  if (p.enum) {
    const values = p.enum;
    return (rand) => values[Math.floor(rand() * values.length)];
  }
  if (p.type === 'boolean') return (rand) => rand() < 0.5;
  if (p.type === 'integer' || p.type === 'number' || p.format === 'decimal') return numberGen(p, near);
  if (p.format === 'date') return dateGen(p);
  const examples = (p['x-examples'] ?? []).filter((x): x is string => typeof x === 'string');
  if (examples.length > 0) return (rand) => examples[Math.floor(rand() * examples.length)];
  return (rand) => `示例${Math.floor(rand() * 1000)}`;
}

export function* generatePopulation(rs: RuleSet, count: number, options: GeneratorOptions): Generator<Record<string, unknown>> {
  const rand = mulberry32(options.seed);
  const near = thresholds(rs);
  const required = new Set(rs.inputs.required ?? []);
  const missing = options.missingRate ?? 0.02;
  const gens = Object.entries(rs.inputs.properties).map(([id, p]) => [id, generatorFor(p, near.get(id) ?? [])] as const);
  for (let i = 0; i < count; i++) {
    const facts: Record<string, unknown> = {};
    for (const [id, gen] of gens) {
      if (!required.has(id) && rand() < missing) continue;
      facts[id] = gen(rand);
    }
    yield facts;
  }
}
