import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { parse } from 'yaml';
import { loadRuleSet, SourceTexts, formatFinding } from '../src/index.js';
import { applyFixturePatch, type FixturePatch } from './fixture-patch.js';

/**
 * One bad rule file per failure mode (OpenFisca's parameter-validation style):
 * each must be refused whole, first finding at the recorded file:line:column,
 * with the stable code and the words a policy editor needs to act on it.
 *
 * A fixture is either `<name>.patch.yaml` — a base file plus exact text
 * substitutions and its expectation — or a standalone `<name>.yaml` whose
 * expectation is in expectations.yaml. Positions are in the final text.
 */
const dir = 'test/fixtures/bad';
const expectations = (parse(readFileSync(`${dir}/expectations.yaml`, 'utf8')) ?? {}) as Record<string, Expectation>;
const sources = new SourceTexts('rules/sources');

interface Expectation {
  code: string;
  line: number;
  column: number;
  words: string[];
}

interface Fixture {
  name: string;
  file: string;
  text: string;
  want: Expectation | undefined;
}

function fixtures(): Fixture[] {
  const names = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'expectations.yaml');
  return names.map((f) => {
    if (f.endsWith('.patch.yaml')) {
      const name = f.slice(0, -'.patch.yaml'.length);
      const patch = parse(readFileSync(join(dir, f), 'utf8')) as FixturePatch & { expect: Expectation };
      // Named as the file it stands for, so file:line:column reads as if it were on disk.
      return { name, file: `${dir}/${name}.yaml`, text: applyFixturePatch(readFileSync(join(dir, dirname(f), patch.base), 'utf8'), patch, f), want: patch.expect };
    }
    const name = f.slice(0, -'.yaml'.length);
    return { name, file: `${dir}/${f}`, text: readFileSync(join(dir, f), 'utf8'), want: expectations[name] };
  });
}

describe('fixture patches', () => {
  const base = 'a: 1\nb: 2\n';
  it('replace text found exactly once', () => {
    expect(applyFixturePatch(base, { base: 'x', replace: [{ find: 'b: 2\n', with: 'b: 3\nc: 4\n' }] }, 'p')).toBe('a: 1\nb: 3\nc: 4\n');
  });
  it('refuse text that is absent, repeated, or a patch that changes nothing', () => {
    expect(() => applyFixturePatch(base, { base: 'x', replace: [{ find: 'z', with: 'y' }] }, 'p')).toThrow(/found 0 times/);
    expect(() => applyFixturePatch('a\na\n', { base: 'x', replace: [{ find: 'a', with: 'b' }] }, 'p')).toThrow(/found 2 times/);
    expect(() => applyFixturePatch(base, { base: 'x', replace: [{ find: 'a: 1', with: 'a: 1' }] }, 'p')).toThrow(/changes nothing/);
  });
});

describe('bad rule files are refused with a located, specific message', () => {
  const all = fixtures();
  it('every fixture has an expectation, and every expectation a fixture', () => {
    expect(all.filter((f) => !f.want).map((f) => f.name)).toEqual([]);
    const standalone = new Set(readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.patch.yaml') && f !== 'expectations.yaml').map((f) => f.slice(0, -'.yaml'.length)));
    expect(Object.keys(expectations).filter((k) => !standalone.has(k))).toEqual([]);
  });
  for (const { name, file, text, want } of all) {
    if (!want) continue;
    it(`${name}: ${want.code} at ${want.line}:${want.column}`, () => {
      const result = loadRuleSet(file, text, { sources });
      expect(result.ok).toBe(false);
      const first = result.findings[0];
      expect(first, 'at least one finding').toBeDefined();
      if (!first) return;
      expect({ code: first.code, line: first.line, column: first.column }).toEqual({ code: want.code, line: want.line, column: want.column });
      // The position must exist in the text actually loaded (the patched one).
      const lines = text.split('\n');
      expect(want.line).toBeLessThanOrEqual(lines.length);
      expect(want.column).toBeLessThanOrEqual((lines[want.line - 1] ?? '').length + 1);
      expect(formatFinding(first).startsWith(`${file}:${want.line}:${want.column}:`)).toBe(true);
      for (const w of want.words) expect(first.message).toContain(w);
      expect(first.message_en.length).toBeGreaterThan(0);
    });
  }
});
