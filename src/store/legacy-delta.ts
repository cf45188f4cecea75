import { sha256 } from '../load/canonical-json.js';
import type { Decision } from '../generated/decision.js';

/**
 * Read-only: the delta encoding the decision log used before migration 5
 * (each explanation stored as deltas against content-addressed bases in
 * `delta_base`). Migration 5 decodes every such record once to convert it to
 * the compact record (migrate-compact-records.ts); nothing else reads it and
 * nothing writes it any more.
 */
export const DELTA_ENCODING = 'zhidu-delta/1';

/** The explanation parts stored by delta: whole, or element by element. */
const WHOLE_SECTIONS = ['rules', 'outputs', 'ambiguities'] as const;
const ELEMENT_SECTIONS = ['failed', 'reasons'] as const;

type Prim = string | number | boolean | null;

/** A base compiled for walking: primitives numbered in canonical order. */
type Node = { readonly t: 0; readonly v: Prim } | { readonly t: 1; readonly items: readonly Node[] } | { readonly t: 2; readonly keys: readonly string[]; readonly vals: readonly Node[] };

export interface Base {
  readonly hash: string;
  /** Canonical JSON text: what is stored, and what the hash covers. */
  readonly text: string;
  readonly root: Node;
  readonly prims: number;
}

/**
 * A stored part: the base (an index into the record's `$bases`, the hashes)
 * and the primitives that differ from it as [index, value, …]. A string value
 * long enough to be worth it is kept once per record in `$strings`: its entry
 * is then [-(index + 1), position in $strings] (the same fact's display text
 * recurs in many conditions).
 */
export interface DeltaRef {
  readonly $base: number;
  readonly $diff: Prim[];
}

export function compileBase(text: string, hash = sha256(text)): Base {
  let n = 0;
  const compile = (v: unknown): Node => {
    if (v === null || typeof v !== 'object') {
      n += 1;
      return { t: 0, v: v as Prim };
    }
    if (Array.isArray(v)) return { t: 1, items: v.map(compile) };
    const keys = Object.keys(v).sort();
    return { t: 2, keys, vals: keys.map((k) => compile((v as Record<string, unknown>)[k])) };
  };
  const root = compile(JSON.parse(text));
  return { hash, text, root, prims: n };
}



/** The value a base and its delta stand for. Throws on a delta that does not fit the base. */
export function applyDelta(base: Base, diff: readonly Prim[]): unknown {
  let i = 0;
  let d = 0;
  const build = (node: Node): unknown => {
    switch (node.t) {
      case 0: {
        let v = node.v;
        if (d < diff.length && diff[d] === i) {
          v = diff[d + 1] as Prim;
          d += 2;
        }
        i += 1;
        return v;
      }
      case 1:
        return node.items.map(build);
      case 2: {
        const o: Record<string, unknown> = {};
        for (let k = 0; k < node.keys.length; k++) o[node.keys[k] as string] = build(node.vals[k] as Node);
        return o;
      }
    }
  };
  if (diff.length % 2 !== 0) throw new Error('delta has an odd number of entries');
  const value = build(base.root);
  if (d !== diff.length) throw new Error(`delta entry ${d / 2} (index ${String(diff[d])}) is outside base ${base.hash}`);
  return value;
}

export function isDeltaRef(v: unknown): v is DeltaRef {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as DeltaRef).$base === 'number' && Array.isArray((v as DeltaRef).$diff);
}

/** Every base hash an encoded explanation refers to. */
export function baseRefs(explanation: unknown): string[] {
  if (!isEncoded(explanation)) return [];
  const b = explanation.$bases;
  return Array.isArray(b) ? b.filter((h): h is string => typeof h === 'string') : [];
}

export function isEncoded(explanation: unknown): explanation is Record<string, unknown> {
  return explanation !== null && typeof explanation === 'object' && (explanation as Record<string, unknown>).$encoding === DELTA_ENCODING;
}

/** The full explanation from its stored form; `bases` must hold every base it refers to. */
export function decodeExplanation(stored: unknown, bases: ReadonlyMap<string, Base>): Decision {
  if (!isEncoded(stored)) return stored as Decision;
  const hashes = baseRefs(stored);
  const strings = Array.isArray(stored.$strings) ? (stored.$strings as unknown[]) : [];
  const expand = (v: unknown): unknown => {
    if (!isDeltaRef(v)) return v;
    const hash = hashes[v.$base];
    const base = hash === undefined ? undefined : bases.get(hash);
    if (!base) throw new Error(`base ${hash ?? `#${v.$base}`} is missing`);
    const diff = v.$diff.slice();
    for (let k = 0; k < diff.length; k += 2) {
      const at = diff[k] as number;
      if (at < 0) {
        const text = strings[diff[k + 1] as number];
        if (typeof text !== 'string') throw new Error(`string ${String(diff[k + 1])} is missing`);
        diff[k] = -at - 1;
        diff[k + 1] = text;
      }
    }
    return applyDelta(base, diff);
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stored)) {
    if (k === '$encoding' || k === '$bases' || k === '$strings') continue;
    if ((WHOLE_SECTIONS as readonly string[]).includes(k)) out[k] = expand(v);
    else if ((ELEMENT_SECTIONS as readonly string[]).includes(k) && Array.isArray(v)) out[k] = v.map(expand);
    else out[k] = v;
  }
  return out as unknown as Decision;
}

