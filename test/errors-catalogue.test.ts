import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { ERRORS, formatMessage, type ErrorCode } from '../src/errors/catalogue.js';

describe('error catalogue', () => {
  const doc = readFileSync('docs/errors.md', 'utf8');
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    it(`${code} is documented in docs/errors.md and fills its templates`, () => {
      expect(doc).toContain(`\`${code}\``);
      const params = { key: 'K', expected: 'E', found: 'F', detail: 'D' };
      for (const lang of ['zh', 'en'] as const) {
        const msg = formatMessage(code, params, lang);
        expect(msg).not.toMatch(/\{(key|expected|found|detail)\}/);
        expect(msg.length).toBeGreaterThan(5);
      }
      expect(ERRORS[code].status).toBeGreaterThanOrEqual(400);
    });
  }
});

describe('docs/errors.md tables', () => {
  const doc = readFileSync('docs/errors.md', 'utf8');
  it('give each code its catalogue status, and list no code that does not exist', () => {
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1] as string, Number(m[2])] as const);
    for (const code of Object.keys(ERRORS) as ErrorCode[]) expect(rows.find(([c]) => c === code)?.[1], code).toBe(ERRORS[code].status);
    expect(rows.filter(([c]) => !(c in ERRORS))).toEqual([]);
  });
});
