import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { loadRulePaths, runSuite, testFileFor, formatFinding } from '../src/index.js';

/** Every bundled rule set validates, has a test file beside it, and passes it. */
const loaded = loadRulePaths(['rules'], 'rules/sources');

describe('bundled rules/', () => {
  it('validate without errors', () => {
    expect(loaded.findings.filter((f) => f.severity === 'error').map(formatFinding)).toEqual([]);
  });

  for (const file of loaded.files) {
    describe(file, () => {
      const testFile = testFileFor(file);
      it('has a test file beside it', () => {
        expect(existsSync(testFile)).toBe(true);
      });
      if (!existsSync(testFile)) return;
      it('passes every case, and every ambiguity names existing tests', async () => {
        const result = await runSuite(testFile, loaded.registry);
        expect(result.findings.map(formatFinding)).toEqual([]);
        const failing = result.cases.filter((c) => !c.ok).map((c) => ({ case: c.name, line: c.line, failures: c.failures }));
        expect(failing).toEqual([]);
        expect(result.missingAmbiguityTests).toEqual([]);
        expect(result.cases.length).toBeGreaterThan(0);
      });
    });
  }
});
