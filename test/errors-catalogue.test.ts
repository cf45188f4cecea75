import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS, PHRASES, formatMessage, formatPhrase, phrase, type ErrorCode, type PhraseKey } from '../src/errors/catalogue.js';

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

describe('phrases', () => {
  it('each phrase is worded in both languages, and stays in the language of its message', () => {
    for (const key of Object.keys(PHRASES) as PhraseKey[]) {
      const p = phrase(key, { key: 'K', expected: 'E', found: 'F', detail: 'D' });
      expect(formatPhrase(p, 'zh'), key).not.toMatch(/\{(key|expected|found|detail)\}/);
      expect(formatPhrase(p, 'en'), key).not.toMatch(/[\u4e00-\u9fff]/);
    }
    const nested = { detail: phrase('POPULATION_FAILED', { found: 10, expected: 1, detail: phrase('POPULATION_EXAMPLE', { key: 3, detail: 'x' }) }) };
    expect(formatMessage('PUBLISH_REJECTED', nested, 'zh')).toBe('版本未发布：10 名模拟申请人中有 1 名无法作出决定，例如第 3 名：x；现行版本不变');
    expect(formatMessage('PUBLISH_REJECTED', nested, 'en')).toBe('Version not published: 1 of 10 generated applicants get no decision, e.g. number 3: x; the version in force is unchanged');
  });

  it('no route writes a Chinese sentence into a problem inline: it names a catalogued phrase', () => {
    const inline = /\b(?:problem|fail)\([^;]*?(?:detail|found|expected|key):\s*[`'"][^`'"]*[\u4e00-\u9fff]/;
    const offenders = readdirSync('server/routes')
      .map((f) => join('server/routes', f))
      .concat(['server/app.ts', 'server/problem.ts'])
      .flatMap((file) => readFileSync(file, 'utf8').split('\n').map((line, i) => ({ at: `${file}:${i + 1}`, line })))
      .filter(({ line }) => inline.test(line))
      .map(({ at }) => at);
    expect(offenders).toEqual([]);
  });
});
