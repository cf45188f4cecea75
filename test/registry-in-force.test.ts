import { describe, expect, it } from 'vitest';
import { Registry } from '../src/load/registry.js';
import { SourceTexts } from '../src/load/source-texts.js';
import type { PreparedRuleSet } from '../src/load/prepared-rule-set.js';

// Only what the version choice reads: id, version, dates and hash.
const version = (v: string, from: string | null, to: string | null): PreparedRuleSet => ({ id: 'r', version: v, effectiveFrom: from, effectiveTo: to, hash: `h${v}` }) as unknown as PreparedRuleSet;

describe('the version in force, in one place', () => {
  const registry = new Registry(new SourceTexts('rules/sources'));
  registry.add(version('1.0.0', null, '2023-12-31'));
  registry.add(version('2.0.0', '2024-01-01', null));
  registry.add(version('3.0.0', '2025-01-01', '2025-06-30'));

  it('is the latest start on or before the date whose end is not before it', () => {
    expect(registry.inForce('r', '2023-12-31').version).toBe('1.0.0');
    expect(registry.inForce('r', '2024-06-01').version).toBe('2.0.0');
    expect(registry.inForce('r', '2025-06-30').version).toBe('3.0.0');
    expect(registry.inForce('r', '2025-07-01').version).toBe('2.0.0');
  });

  it('leaves out the version compared against (a draft already loaded), and says when none other is in force', () => {
    expect(registry.inForceOther('r', '2025-03-01', 'h3.0.0')?.version).toBe('2.0.0');
    expect(registry.inForceOther('r', '2023-01-01', 'h1.0.0')).toBeUndefined();
  });
});
