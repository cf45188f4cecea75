import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { ERRORS } from '../src/errors/catalogue.js';

const doc = readFileSync('docs/errors.md', 'utf8');

describe('docs/errors.md', () => {
  it.each(Object.keys(ERRORS))('documents %s with its status', (code) => {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
    expect(row, `no table row for ${code}`).toBeDefined();
    expect(row).toContain(`| ${ERRORS[code as keyof typeof ERRORS].status} |`);
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.filter((c) => !(c as string in ERRORS))).toEqual([]);
  });
});
