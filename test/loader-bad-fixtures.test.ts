import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { loadRuleSet, SourceTexts, formatFinding } from '../src/index.js';

/**
 * One bad rule file per failure mode (OpenFisca's parameter-validation style):
 * each must be refused whole, first finding at the recorded file:line:column,
 * with the stable code and the words a policy editor needs to act on it.
 */
const dir = 'test/fixtures/bad';
const expectations = parse(readFileSync(`${dir}/expectations.yaml`, 'utf8')) as Record<string, { code: string; line: number; column: number; words: string[] }>;
const sources = new SourceTexts('rules/sources');

describe('bad rule files are refused with a located, specific message', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'expectations.yaml');
  it('every fixture has an expectation and vice versa', () => {
    expect(files.map((f) => f.replace(/\.yaml$/, '')).sort()).toEqual(Object.keys(expectations).sort());
  });
  for (const [name, want] of Object.entries(expectations)) {
    it(`${name}: ${want.code} at ${want.line}:${want.column}`, () => {
      const file = `${dir}/${name}.yaml`;
      const result = loadRuleSet(file, readFileSync(file, 'utf8'), { sources });
      expect(result.ok).toBe(false);
      const first = result.findings[0];
      expect(first, 'at least one finding').toBeDefined();
      if (!first) return;
      expect({ code: first.code, line: first.line, column: first.column }).toEqual({ code: want.code, line: want.line, column: want.column });
      const text = formatFinding(first);
      expect(text.startsWith(`${file}:${want.line}:${want.column}:`)).toBe(true);
      for (const w of want.words) expect(first.message).toContain(w);
      expect(first.message_en.length).toBeGreaterThan(0);
    });
  }
});
