import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadRulePaths } from '../src/load/registry.js';
import { evaluateCompact, explain } from '../src/eval/evaluate.js';
import { ZhiduError } from '../src/errors/finding.js';
import { EXPLANATION_FORMAT, explanationDigest } from '../src/store/compact-record.js';

/**
 * Pins what explain() builds: the digest of the explanation of a few fixed
 * cases per rule set, the rule texts frozen under test/fixtures (a rule edit
 * is a new version, not a new format). A record's digest is re-checked on
 * every read and verify; if explanations change while EXPLANATION_FORMAT
 * stays, every older record would look tampered with.
 */
const DIR = 'test/fixtures/explanation-format';
const PINS = `${DIR}/pins.json`;
const UPDATE = process.env.ZHIDU_UPDATE_EXPLANATION_FORMAT === '1';
const BUMP = 'explanation content changed: bump EXPLANATION_FORMAT in src/store/compact-record.ts and regenerate the pins (ZHIDU_UPDATE_EXPLANATION_FORMAT=1 npx vitest run test/explanation-format.test.ts)';

interface Case {
  readonly ruleset: string;
  readonly name: string;
  readonly as_of: string;
  readonly facts: unknown;
}
interface Pins {
  readonly cases: Case[];
  /** By explanation format: the digest of each case, in order. */
  readonly digests: Record<string, string[]>;
}

const { registry } = loadRulePaths([`${DIR}/rules`], 'rules/sources');

function digestOf(c: Case): string {
  const rs = registry.inForce(c.ruleset, c.as_of);
  return explanationDigest(explain(rs, evaluateCompact(rs, c.facts, { asOf: c.as_of })));
}

/** The first three decidable cases of each rule set's own suite: only used when there are no pins yet. */
function pickCases(): Case[] {
  const out: Case[] = [];
  for (const id of registry.ids()) {
    const suite = parse(readFileSync(`rules/${id}.test.yaml`, 'utf8')) as { cases: Array<{ name: string; facts: unknown; as_of?: string }> };
    let n = 0;
    for (const c of suite.cases) {
      if (n === 3) break;
      const k: Case = { ruleset: id, name: c.name, as_of: c.as_of ?? '2024-06-01', facts: c.facts };
      try {
        digestOf(k);
      } catch (err) {
        if (err instanceof ZhiduError) continue;
        throw err;
      }
      out.push(k);
      n += 1;
    }
  }
  return out;
}

describe('explanation format', () => {
  it('pins the explanation of fixed cases per rule set under the current EXPLANATION_FORMAT', () => {
    const pins: Pins = existsSync(PINS) ? (JSON.parse(readFileSync(PINS, 'utf8')) as Pins) : { cases: pickCases(), digests: {} };
    const now = pins.cases.map(digestOf);
    const pinned = pins.digests[String(EXPLANATION_FORMAT)];
    if (UPDATE) {
      // A format's pins are never rewritten: a change under the same number is exactly what this test is for.
      if (pinned && pinned.join() !== now.join()) throw new Error(`pins of format ${EXPLANATION_FORMAT} differ from what explain() builds now: ${BUMP}`);
      writeFileSync(PINS, JSON.stringify({ ...pins, digests: { ...pins.digests, [String(EXPLANATION_FORMAT)]: now } }, null, 1) + '\n');
      return;
    }
    expect(pinned, `no pins for EXPLANATION_FORMAT ${EXPLANATION_FORMAT}: ${BUMP}`).toBeDefined();
    for (const [i, c] of pins.cases.entries()) expect(now[i], `${c.ruleset} «${c.name}»: ${BUMP}`).toBe(pinned?.[i]);
    expect(pins.cases.map((c) => c.ruleset).filter((v, i, a) => a.indexOf(v) === i).length).toBeGreaterThanOrEqual(13);
  });
});
