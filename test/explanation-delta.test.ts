import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadRulePaths, evaluate, testFileFor } from '../src/index.js';
import type { Decision } from '../src/generated/decision.js';
import type { TestSuite } from '../src/generated/test-suite.js';
import { canonicalJson } from '../src/load/canonical-json.js';
import { canonicalText } from '../src/store/log-record.js';
import { BasePool, applyDelta, baseRefs, compileBase, decodeExplanation, diffAgainst, type Base } from '../src/store/explanation-delta.js';

const loaded = loadRulePaths(['rules'], 'rules/sources');

/** Every decided case of every bundled rule set's test file: real decisions of every shape. */
async function decisions(): Promise<Decision[]> {
  const out: Decision[] = [];
  for (const file of loaded.files) {
    const suite = parse(readFileSync(testFileFor(file), 'utf8')) as TestSuite;
    for (const c of suite.cases) {
      const asOf = c.as_of ?? '2024-01-01';
      try {
        out.push(await evaluate(loaded.registry.inForce(suite.ruleset, asOf), c.facts, { asOf }));
      } catch {
        // Cases that expect an error have no decision to store.
      }
    }
  }
  return out;
}

describe('explanations stored as deltas', () => {
  it('decode to exactly the explanation that was encoded, for every decided test case of every rule set', async () => {
    const all = await decisions();
    expect(all.length).toBeGreaterThan(400);
    const pool = new BasePool();
    const stored = new Map<string, Base>();
    let full = 0;
    let compact = 0;
    // Twice over: the second pass encodes against bases made by the first.
    for (const d of [...all, ...all]) {
      const e = pool.encode(d);
      for (const b of e.bases) stored.set(b.hash, b);
      pool.markStored(e.bases.map((b) => b.hash));
      const text = canonicalText(e.explanation);
      const back = decodeExplanation(JSON.parse(text), stored);
      expect(canonicalJson(back)).toBe(canonicalJson(d));
      for (const h of baseRefs(JSON.parse(text))) expect(stored.has(h)).toBe(true);
      full += canonicalJson(d).length;
      compact += text.length;
    }
    // The point of it: far less to write per decision than the explanation itself.
    expect(compact).toBeLessThan(full / 3);
  }, 120_000);

  it('give a base once: a later record that needs it does not carry it again', async () => {
    const [d] = await decisions();
    const pool = new BasePool();
    const first = pool.encode(d as Decision);
    expect(first.bases.length).toBeGreaterThan(0);
    expect(pool.encode(d as Decision).bases.length).toBe(first.bases.length);
    pool.markStored(first.bases.map((b) => b.hash));
    expect(pool.encode(d as Decision).bases).toEqual([]);
  });

  it('refuse a value of another shape, and a delta that does not fit its base', () => {
    const base = compileBase(canonicalText({ a: [1, 2], b: { c: 'x' } }));
    expect(diffAgainst(base, { a: [1, 3], b: { c: 'x' } })).toEqual([1, 3]);
    expect(diffAgainst(base, { a: [1, 2, 3], b: { c: 'x' } })).toBeNull();
    expect(diffAgainst(base, { a: [1, 2], b: { c: 'x', d: 1 } })).toBeNull();
    expect(diffAgainst(base, { a: [1, 2], b: { c: { deeper: true } } })).toBeNull();
    expect(diffAgainst(base, { a: [1, 2] })).toBeNull();
    expect(applyDelta(base, [2, 'y'])).toEqual({ a: [1, 2], b: { c: 'y' } });
    expect(() => applyDelta(base, [7, 'y'])).toThrow(/outside base/);
    expect(() => applyDelta(base, [1])).toThrow(/odd/);
  });

  it('name the base an explanation needs when it is missing', async () => {
    const [d] = await decisions();
    const e = new BasePool().encode(d as Decision);
    expect(() => decodeExplanation(JSON.parse(canonicalText(e.explanation)), new Map())).toThrow(/base [0-9a-f]{64} is missing/);
  });
});
