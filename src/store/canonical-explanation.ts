import { loadSchema } from '../schema/ajv.js';
import { canonicalText } from './log-record.js';

/**
 * The canonical JSON text of an explanation (a Decision): exactly
 * canonicalText's output (sorted keys, undefined members dropped), but
 * written in one pass by serialisers compiled from schemas/decision.schema.json.
 *
 * Why not canonicalText: it calls Object.keys().sort() on every object, and
 * a settlement explanation has thousands of them (one per condition); that
 * made the digest the API's bottleneck. Here each object schema's property
 * names are sorted and quoted once, at load; at run time an object costs one
 * pass over those names plus a count of its own keys, so a key the schema
 * does not name (another helper's addition, a hostile value) is never
 * dropped: that object falls back to canonicalText. No library fits: the
 * fast serialisers (fast-json-stringify) write the schema's order, not
 * sorted keys, and drop unknown keys silently.
 */
type Ser = (v: unknown) => string;

const frozenText = new WeakMap<object, string>();

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  enum?: unknown[];
  const?: unknown;
}

const decisionSchema = loadSchema('decision') as unknown as SchemaNode & { definitions: Record<string, SchemaNode> };
const definitions = decisionSchema.definitions;

function str(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : canonicalText(v);
}

function compileNode(node: SchemaNode, refs: Map<string, { ser: Ser }>): Ser {
  if (node.$ref) {
    const name = node.$ref.replace('#/definitions/', '');
    let slot = refs.get(name);
    if (!slot) {
      const holder: { ser: Ser } = { ser: canonicalText };
      refs.set(name, holder);
      holder.ser = compileNode(definitions[name] as SchemaNode, refs);
      slot = holder;
    }
    const s = slot;
    return (v) => s.ser(v);
  }
  if (node.oneOf || node.anyOf) {
    // A union of object shapes (conditionTrace): one serialiser over the union of their properties.
    const branches = (node.oneOf ?? node.anyOf) as SchemaNode[];
    const merged: Record<string, SchemaNode> = {};
    let objects = true;
    for (const b of branches) {
      const r = b.$ref ? (definitions[b.$ref.replace('#/definitions/', '')] as SchemaNode) : b;
      if (!r.properties) objects = false;
      for (const [k, p] of Object.entries(r.properties ?? {})) merged[k] = merged[k] && JSON.stringify(merged[k]) !== JSON.stringify(p) ? {} : p;
    }
    if (!objects) return canonicalText;
    return objectSer(merged, refs);
  }
  if (node.type === 'string' || (node.enum && node.enum.every((e) => typeof e === 'string')) || typeof node.const === 'string') return str;
  if (node.type === 'array' && node.items) {
    const item = compileNode(node.items, refs);
    return (v) => {
      if (!Array.isArray(v)) return canonicalText(v);
      let s = '[';
      for (let i = 0; i < v.length; i++) s += (i === 0 ? '' : ',') + (v[i] === undefined ? 'null' : item(v[i]));
      return s + ']';
    };
  }
  if (node.properties) return objectSer(node.properties, refs);
  if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object') {
    const value = compileNode(node.additionalProperties, refs);
    return (v) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return canonicalText(v);
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      let s = '{';
      let first = true;
      for (const k of keys) {
        const x = o[k];
        if (x === undefined) continue;
        s += (first ? '' : ',') + JSON.stringify(k) + ':' + value(x);
        first = false;
      }
      return s + '}';
    };
  }
  return canonicalText;
}

function objectSer(properties: Record<string, SchemaNode>, refs: Map<string, { ser: Ser }>): Ser {
  const names = Object.keys(properties).sort();
  const quoted = names.map((k) => JSON.stringify(k) + ':');
  const sers: Ser[] = [];
  // Compiled lazily: recursive definitions (conditionTrace) refer to themselves.
  const serOf = (i: number): Ser => (sers[i] ??= compileNode(properties[names[i] as string] as SchemaNode, refs));
  const n = names.length;
  return (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return canonicalText(v);
    const o = v as Record<string, unknown>;
    // Frozen parts come from the prepared rule set (citations, notes) and recur in every decision.
    const frozen = Object.isFrozen(o);
    if (frozen) {
      const cached = frozenText.get(o);
      if (cached !== undefined) return cached;
    }
    let own = 0;
    for (const k in o) if (o[k] !== undefined) own += 1;
    let s = '{';
    let emitted = 0;
    for (let i = 0; i < n; i++) {
      const x = o[names[i] as string];
      if (x === undefined) continue;
      s += (emitted === 0 ? '' : ',') + quoted[i] + serOf(i)(x);
      emitted += 1;
    }
    // A key the schema does not name: the generic form, so nothing is left out.
    s = emitted !== own ? canonicalText(v) : s + '}';
    if (frozen) frozenText.set(o, s);
    return s;
  };
}

const explanationSer = compileNode(decisionSchema, new Map());

/** canonicalText(decision), faster: see the module comment. */
export function canonicalExplanation(decision: unknown): string {
  return explanationSer(decision);
}
