import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, basename } from 'node:path';
import { loadRulePaths, evaluate } from '../src/index.js';

/**
 * docs/examples/<rule-set id>[-<variant>].json is a typical case a caseworker would
 * enter: it must be accepted, decided, and decide the headline outcome.
 */
const loaded = loadRulePaths(['rules'], 'rules/sources');
const dir = 'docs/examples';
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('example fact files', () => {
  for (const file of files) {
    // <id>.json, or <id>-<variant>.json for several examples of one rule set;
    // or <first word of id>-<variant>.json when exactly one rule set has that first word (hukou-qualifies.json).
    const name = basename(file, '.json');
    const ids = loaded.registry.ids();
    const byShortName = ids.filter((x) => name.startsWith(`${x.split('-')[0]}-`));
    const id = ids.filter((x) => name === x || name.startsWith(`${x}-`)).sort((a, b) => b.length - a.length)[0] ?? (byShortName.length === 1 ? byShortName[0] : undefined) ?? name;
    it(`${file} evaluates to a decided decision against ${id}`, async () => {
      const rs = loaded.registry.latest(id);
      expect(rs, `no rule set with id ${id}`).toBeDefined();
      const facts: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const decision = await evaluate(rs!, facts, { asOf: '2024-01-01' });
      // Decided; secondary outputs may still ask for a figure the source text itself lacks.
      expect(decision.status).toBe('decided');
    });
  }
});
