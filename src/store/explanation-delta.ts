import { createHash } from 'node:crypto';
import type { Decision } from '../generated/decision.js';
import { canonicalText } from './log-record.js';

/**
 * How a decision's explanation is stored in the log: as a delta against a
 * reference copy ("base") of the same part of an earlier explanation.
 *
 * Why: a settlement decision explains 33 rules and some 300 conditions, about
 * 74 KB of JSON, and almost all of it (titles, clause quotes, requirement
 * texts, operators, expected values) is the same in every decision of one
 * rule-set version; what changes is a few hundred results and fact values.
 * Writing 74 KB per decision made the database the API's bottleneck (measured:
 * about 2 ms of database time per record on either backend, against 0.14 ms
 * for a record under 1 KB). Storing each part once, content-addressed in
 * `delta_base`, and per decision only the values that differ keeps the record
 * small while the stored text still determines the full explanation exactly:
 * decode(encode(x)) is canonically equal to x, bases are append-only and
 * addressed by the SHA-256 of their canonical text, so `log verify` detects an
 * edited base as surely as an edited record.
 *
 * The delta is positional and schema-blind (no list of "static" fields to keep
 * in step with the decision schema): a base is compiled to a tree whose
 * primitives are numbered in walk order (object keys sorted, as in canonical
 * JSON); a value of the same shape is stored as [index, value, …] for the
 * primitives that differ. A value of another shape gets a base of its own.
 * No delta or JSON-diff library fits: JSON Patch (RFC 6902) spells a path
 * per change, longer than the short values that change here, and the others
 * diff two documents rather than one document against many.
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

export interface EncodedExplanation {
  readonly explanation: Record<string, unknown>;
  /** Bases this record refers to that may not be in the database yet. */
  readonly bases: readonly Base[];
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

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The primitives of `x` that differ from `base`, as [index, value, …], or
 * null when `x` has another shape (other keys, other lengths, another type).
 * Gives up once the delta passes `limit` entries.
 */
export function diffAgainst(base: Base, x: unknown, limit = Infinity): Prim[] | null {
  const out: Prim[] = [];
  let i = 0;
  const walk = (node: Node, v: unknown): boolean => {
    switch (node.t) {
      case 0:
        if (v === undefined) v = null;
        if (v !== null && typeof v === 'object') return false;
        if (v !== node.v) {
          out.push(i, v as Prim);
          if (out.length > limit * 2) return false;
        }
        i += 1;
        return true;
      case 1: {
        if (!Array.isArray(v) || v.length !== node.items.length) return false;
        for (let k = 0; k < v.length; k++) if (!walk(node.items[k] as Node, v[k])) return false;
        return true;
      }
      case 2: {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
        const o = v as Record<string, unknown>;
        let defined = 0;
        for (const k in o) if (o[k] !== undefined) defined += 1;
        if (defined !== node.keys.length) return false;
        for (let k = 0; k < node.keys.length; k++) {
          const val = o[node.keys[k] as string];
          if (val === undefined) return false;
          if (!walk(node.vals[k] as Node, val)) return false;
        }
        return true;
      }
    }
  };
  return walk(base.root, x) ? out : null;
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

/**
 * Which bases an element of a list is tried against: elements of one rule
 * with lists of the same lengths (a failed rule's conditions) share a shape.
 */
function elementKey(e: unknown): string {
  if (e === null || typeof e !== 'object') return '';
  const o = e as Record<string, unknown>;
  let key = typeof o.rule === 'string' ? o.rule : '';
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (Array.isArray(v)) key += `\u0000${k}=${v.length}`;
  }
  return key;
}

export interface BasePoolOptions {
  /** Bases kept per part (rule set version × section × element key). */
  readonly perKey?: number;
  /** Total canonical text held in memory; the least recently used parts are dropped beyond it. */
  readonly maxBytes?: number;
}

/**
 * The bases one process encodes against, per rule-set version and part.
 * A part's bases are tried most recently used first; a value far from all of
 * them (more than a quarter of its primitives differ) becomes a base of its own
 * while the part has room, so each common shape of outcome gets a close base.
 * Dropping bases only costs space: they stay in the database, content-addressed.
 */
export class BasePool {
  private readonly parts = new Map<string, Base[]>();
  private readonly stored = new Set<string>();
  private bytes = 0;
  private readonly perKey: number;
  private readonly maxBytes: number;

  constructor(options: BasePoolOptions = {}) {
    this.perKey = options.perKey ?? 8;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  /** The explanation in its stored form, and the bases it needs that the database may lack. */
  encode(decision: Decision): EncodedExplanation {
    const needed: Base[] = [];
    const d = decision as unknown as Record<string, unknown>;
    const version = decision.ruleset.hash;
    const hashes: string[] = [];
    const strings: string[] = [];
    const stringAt = new Map<string, number>();
    const out: Record<string, unknown> = { $encoding: DELTA_ENCODING, $bases: hashes, $strings: strings };
    const ref = (key: string, value: unknown): unknown => {
      const r = this.delta(key, value);
      if (!r) return value;
      let at = hashes.indexOf(r.base.hash);
      if (at < 0) {
        at = hashes.push(r.base.hash) - 1;
        if (!this.stored.has(r.base.hash)) needed.push(r.base);
      }
      const diff = r.diff;
      for (let k = 1; k < diff.length; k += 2) {
        const v = diff[k];
        if (typeof v === 'string' && v.length >= 6) {
          let s = stringAt.get(v);
          if (s === undefined) {
            s = strings.push(v) - 1;
            stringAt.set(v, s);
          }
          diff[k - 1] = -(diff[k - 1] as number) - 1;
          diff[k] = s;
        }
      }
      return { $base: at, $diff: diff };
    };
    for (const [k, v] of Object.entries(d)) {
      if (v === undefined) continue;
      if ((WHOLE_SECTIONS as readonly string[]).includes(k)) out[k] = ref(`${version}\u0000${k}`, v);
      else if ((ELEMENT_SECTIONS as readonly string[]).includes(k) && Array.isArray(v)) {
        out[k] = v.map((e: unknown) => ref(`${version}\u0000${k}\u0000${elementKey(e)}`, e));
      } else out[k] = v;
    }
    return { explanation: out, bases: needed };
  }

  /** Call once a transaction holding these bases has committed. */
  markStored(hashes: Iterable<string>): void {
    for (const h of hashes) this.stored.add(h);
  }

  private delta(key: string, value: unknown): { base: Base; diff: Prim[] } | null {
    let list = this.parts.get(key);
    if (list) {
      // Most recently used last in the Map's order: re-insert.
      this.parts.delete(key);
      this.parts.set(key, list);
    } else {
      list = [];
      this.parts.set(key, list);
    }
    let best: { base: Base; diff: Prim[]; at: number } | null = null;
    for (let at = 0; at < list.length; at++) {
      const base = list[at] as Base;
      const diff = diffAgainst(base, value, best ? best.diff.length / 2 : Infinity);
      if (diff && (!best || diff.length < best.diff.length)) best = { base, diff, at };
      if (best && best.diff.length / 2 <= base.prims / 4) break;
    }
    if (best && (best.diff.length / 2 <= best.base.prims / 4 || list.length >= this.perKey)) {
      if (best.at > 0) {
        list.splice(best.at, 1);
        list.unshift(best.base);
      }
      return { base: best.base, diff: best.diff };
    }
    if (list.length >= this.perKey) return null;
    const text = canonicalText(value);
    // A small part is cheaper inline than as a reference and a delta.
    if (text.length < 120) return null;
    const base = compileBase(text);
    list.unshift(base);
    this.bytes += text.length;
    this.evict();
    return { base, diff: [] };
  }

  private evict(): void {
    for (const [key, list] of this.parts) {
      if (this.bytes <= this.maxBytes) return;
      for (const b of list) {
        this.bytes -= b.text.length;
        this.stored.delete(b.hash);
      }
      this.parts.delete(key);
    }
  }
}
