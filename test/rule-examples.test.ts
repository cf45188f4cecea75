import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, basename } from 'node:path';
import { loadRulePaths, evaluate } from '../src/index.js';

/**
 * docs/examples/<rule-set id>.json is the typical case a caseworker would
 * enter: it must be accepted, decided, and leave nothing to ask.
 */
const loaded = loadRulePaths(['rules'], 'rules/sources');
const dir = 'docs/examples';
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('example fact files', () => {
  for (const file of files) {
    const id = basename(file, '.json');
    it(`${file} evaluates to a decided decision against ${id}`, async () => {
      const rs = loaded.registry.latest(id);
      expect(rs, `no rule set with id ${id}`).toBeDefined();
      const facts: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const decision = await evaluate(rs!, facts, { asOf: '2024-01-01' });
      expect(decision.status).toBe('decided');
      expect(decision.missing).toEqual([]);
    });
  }
});
