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
  /** Decision date the population is for: dates behind an age or a period are placed around its thresholds. */
  readonly asOf?: string;
  /** Share of optional facts left out (unknown), 0..1. */
  readonly missingRate?: number;
  /** 0-based index of the first record to yield: records start … start+count-1 of the population. */
  readonly start?: number;
}

/**
 * The population is a sequence of blocks, each drawn from its own seed, so a
 * chunk of it (a distributed job's share, src/impact/job-chunks.ts) is
 * generated where it is decided without drawing everything before it: record
 * i is the same whichever range asks for it. Block 0 uses the seed itself, so
 * populations up to one block (the publish gate's 10,000) are the ones a single
 * sequence gave before blocks existed.
 */
export const GENERATOR_BLOCK = 10_000;

function blockSeed(seed: number, block: number): number {
  if (block === 0) return seed;
  // murmur3's 32-bit finaliser over seed and block: neighbouring blocks start far apart.
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(block, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
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
  // A declared realistic range narrows the draws (and the values near thresholds) to it.
  const range = (p['x-example-range'] ?? []).map(Number);
  const min = Math.max(lo ?? -Infinity, Number.isFinite(range[0]) ? (range[0] as number) : (lo ?? 0));
  const max = Math.min(hi ?? Infinity, Number.isFinite(range[1]) ? (range[1] as number) : (hi ?? Math.max(min + 10, Math.ceil(top * 1.5) || 100)));
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

/**
 * Thresholds in whole years on dates: a derived `years_between(d, as_of)` (an
 * age, a period of work) compared with 2 means dates about 2 years before the
 * decision date matter. Mapped back to the input date `d`.
 */
function yearThresholds(rs: RuleSet, near: ReadonlyMap<string, number[]>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const d of rs.derived ?? []) {
    const m = /^\s*years_between\(\s*([a-z][a-z0-9_]*)\s*,\s*as_of\s*\)\s*$/.exec(d.formula);
    const t = near.get(d.id);
    if (m && t) out.set(m[1] as string, [...(out.get(m[1] as string) ?? []), ...t]);
  }
  return out;
}

function dateGen(p: InputProperty, yearsBefore: readonly number[], asOf: string): Gen {
  const examples = (p['x-examples'] ?? []).map(parseDate).filter((d) => d !== undefined);
  const [lowText, highText] = (p['x-example-range'] ?? []).map(String);
  const low = lowText ? parseDate(lowText) : undefined;
  const high = highText ? parseDate(highText) : undefined;
  const from = dayNumber(low ?? (parseDate('1940-01-01') as NonNullable<ReturnType<typeof parseDate>>));
  const to = Math.min(dayNumber(parseDate(asOf) as NonNullable<ReturnType<typeof parseDate>>), high ? dayNumber(high) : Infinity);
  return (rand) => {
    if (yearsBefore.length > 0 && rand() < 0.5) {
      // Within a year either side of the threshold anniversary.
      const years = yearsBefore[Math.floor(rand() * yearsBefore.length)] as number;
      const day = to - Math.round((years + (rand() * 2 - 1)) * 365.25);
      return new Date(day * 86_400_000).toISOString().slice(0, 10);
    }
    if (examples.length > 0 && rand() < 0.2) return formatDate(examples[Math.floor(rand() * examples.length)] as NonNullable<ReturnType<typeof parseDate>>);
    const day = from + Math.floor(rand() * (to - from + 1));
    const d = new Date(day * 86_400_000);
    return d.toISOString().slice(0, 10);
  };
}

function generatorFor(p: InputProperty, near: readonly number[], yearsBefore: readonly number[], asOf: string): Gen {
  if (p.enum) {
    const values = p.enum;
    return (rand) => values[Math.floor(rand() * values.length)];
  }
  if (p.type === 'boolean') return (rand) => rand() < 0.5;
  if (p.type === 'integer' || p.type === 'number' || p.format === 'decimal') return numberGen(p, near);
  if (p.format === 'date') return dateGen(p, yearsBefore, asOf);
  const examples = (p['x-examples'] ?? []).filter((x): x is string => typeof x === 'string');
  if (examples.length > 0) return (rand) => examples[Math.floor(rand() * examples.length)];
  return (rand) => `示例${Math.floor(rand() * 1000)}`;
}

/**
 * Most records are aimed at one rule: its conditions are met (one branch of
 * each `any`), values just on the holding side of each threshold — or, for
 * half of them, exactly one condition just missed. The population crowds the
 * pathways and their edges, where a change of threshold shows. The rest are
 * drawn uniformly.
 */
const AIMED_SHARE = 0.7;
const MISS_SHARE = 0.5;

export function* generatePopulation(rs: RuleSet, count: number, options: GeneratorOptions): Generator<Record<string, unknown>> {
  const start = options.start ?? 0;
  let rand = mulberry32(blockSeed(options.seed, Math.floor(start / GENERATOR_BLOCK)));
  const near = thresholds(rs);
  const required = new Set(rs.inputs.required ?? []);
  const missing = options.missingRate ?? 0.02;
  const years = yearThresholds(rs, near);
  const asOf = options.asOf ?? '2024-12-31';
  const gens = Object.entries(rs.inputs.properties).map(([id, p]) => [id, generatorFor(p, near.get(id) ?? [], years.get(id) ?? [], asOf)] as const);
  const relations: After[] = Object.entries(rs.inputs.properties).flatMap(([id, p]) => (p['x-example-after'] ?? []).map((a) => ({ later: id, earlier: a.fact, years: a.years ?? 0, ...(a.when ? { when: a.when } : {}) })));
  const dateOf = new Map<string, string>();
  for (const d of rs.derived ?? []) {
    const m = /^\s*years_between\(\s*([a-z][a-z0-9_]*)\s*,\s*as_of\s*\)\s*$/.exec(d.formula);
    if (m) dateOf.set(d.id, m[1] as string);
  }
  // A start inside a block draws (and drops) the block's earlier records: the stream cannot jump.
  for (let i = start - (start % GENERATOR_BLOCK); i < start + count; i++) {
    if (i % GENERATOR_BLOCK === 0 && i > 0) rand = mulberry32(blockSeed(options.seed, i / GENERATOR_BLOCK));
    const facts: Record<string, unknown> = {};
    if (rs.rules.length > 0 && rand() < AIMED_SHARE) {
      const rule = rs.rules[Math.floor(rand() * rs.rules.length)] as RuleSet['rules'][number];
      const leaves: FactCondition[] = [];
      aim(rule.when as Condition, leaves, rand);
      const missed = rand() < MISS_SHARE ? Math.floor(rand() * leaves.length) : -1;
      leaves.forEach((leaf, k) => aimLeaf(leaf, k === missed, rs, facts, dateOf, asOf, rand));
    }
    for (const [id, gen] of gens) {
      if (id in facts) continue;
      if (!required.has(id) && rand() < missing) continue;
      facts[id] = gen(rand);
    }
    for (const r of relations) keepAfter(facts, r, asOf, rand);
    if (i >= start) yield facts;
  }
}

/** The conditions one way of meeting `c` requires: every child of an `all`, one branch of each `any`. */
function aim(c: Condition, leaves: FactCondition[], rand: () => number): void {
  if ('fact' in c && typeof c.fact === 'string') {
    leaves.push(c as FactCondition);
    return;
  }
  const top = c as { all?: Condition[]; any?: Condition[]; not?: Condition };
  if (top.all) for (const x of top.all) aim(x, leaves, rand);
  else if (top.any && top.any.length > 0) aim(top.any[Math.floor(rand() * top.any.length)] as Condition, leaves, rand);
  // A `not` is left to chance: meeting a negation has no single natural value.
}

function aimLeaf(c: FactCondition, miss: boolean, rs: RuleSet, facts: Record<string, unknown>, dateOf: ReadonlyMap<string, string>, asOf: string, rand: () => number): void {
  if (c.path !== undefined || (c.value !== null && typeof c.value === 'object' && !Array.isArray(c.value))) return;
  const input = rs.inputs.properties[c.fact];
  const dateInput = dateOf.get(c.fact);
  if (!input && !dateInput) return;
  if (input && (input.enum || input.type === 'boolean' || input.type === 'string') && input.format !== 'date') {
    const universe: unknown[] = input.enum ?? (input.type === 'boolean' ? [true, false] : []);
    const listed = Array.isArray(c.value) ? c.value : [c.value];
    const positive = c.operator === 'equal' || c.operator === 'in';
    const want = positive !== miss;
    const pool = want ? (positive ? listed : universe.filter((v) => !listed.includes(v as never))) : positive ? universe.filter((v) => !listed.includes(v as never)) : listed;
    if (pool.length > 0 && !(c.fact in facts)) facts[c.fact] = pool[Math.floor(rand() * pool.length)];
    return;
  }
  const t = Number(c.value);
  if (!Number.isFinite(t) || c.fact in facts) return;
  const integer = input ? input.type === 'integer' : true;
  const step = integer ? 1 : Math.max(0.01, Math.abs(t) * 0.05);
  const k = integer ? Math.floor(rand() * 3) : rand() * step * 3;
  let v: number;
  switch (c.operator) {
    case 'greaterThanInclusive':
      v = miss ? t - step - k : t + k;
      break;
    case 'greaterThan':
      v = miss ? t - k : t + step + k;
      break;
    case 'lessThanInclusive':
      v = miss ? t + step + k : t - k;
      break;
    case 'lessThan':
      v = miss ? t + k : t - step - k;
      break;
    case 'equal':
      v = miss ? t + step : t;
      break;
    default:
      return;
  }
  if (dateInput) {
    if (dateInput in facts || v < 0) return;
    // Completed years = v on the decision date: the anniversary passed between 1 and 330 days ago.
    const d = parseDate(asOf) as NonNullable<ReturnType<typeof parseDate>>;
    const anniversary = Date.UTC(d.y - Math.round(v), d.m - 1, d.d) / 86_400_000;
    facts[dateInput] = new Date((anniversary - 1 - Math.floor(rand() * 330)) * 86_400_000).toISOString().slice(0, 10);
    return;
  }
  if (!input) return;
  if (input.minimum !== undefined) v = Math.max(input.minimum, v);
  if (input.maximum !== undefined) v = Math.min(input.maximum, v);
  facts[c.fact] = integer ? Math.round(v) : input.format === 'decimal' ? v.toFixed(2) : Number(v.toFixed(2));
}

interface After {
  readonly later: string;
  readonly earlier: string;
  readonly years: number;
  readonly when?: Record<string, unknown[]>;
}

/**
 * `x-example-after`: the later date stays at least `years` after the earlier
 * one (a child born after the parent, work started after the 16th birthday).
 * A record that breaks it gets the later date redrawn between the bound and
 * the decision date; where no date fits (the bound is after the decision
 * date), the earlier date moves back instead.
 */
function keepAfter(facts: Record<string, unknown>, r: After, asOf: string, rand: () => number): void {
  if (r.when && !Object.entries(r.when).every(([f, allowed]) => allowed.includes(facts[f]))) return;
  const later = typeof facts[r.later] === 'string' ? parseDate(facts[r.later] as string) : undefined;
  const earlier = typeof facts[r.earlier] === 'string' ? parseDate(facts[r.earlier] as string) : undefined;
  if (!later || !earlier) return;
  const end = dayNumber(parseDate(asOf) as NonNullable<ReturnType<typeof parseDate>>);
  const bound = Date.UTC(earlier.y + Math.floor(r.years), earlier.m - 1, earlier.d) / 86_400_000 + Math.round((r.years % 1) * 365.25);
  if (dayNumber(later) >= bound) return;
  const day = (n: number) => new Date(n * 86_400_000).toISOString().slice(0, 10);
  if (bound <= end) facts[r.later] = day(bound + Math.floor(rand() * (end - bound + 1)));
  else facts[r.earlier] = day(dayNumber(later) - Math.ceil(r.years * 365.25) - Math.floor(rand() * 3650));
}
