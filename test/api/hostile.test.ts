import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, stopTestApp, as, logCount, EVALUATE, KEYS, RULESET, type TestServer } from './harness.js';

/**
 * Hostile rule files and requests against the HTTP API (issue #15): each
 * refusal is problem+json with its catalogue code, and the server keeps serving.
 */
const GOOD = readFileSync('test/fixtures/good/committee-subsidy.yaml', 'utf8');
const YAML = { 'content-type': 'application/yaml' };

describe('a bad file in the rules directory is reported and skipped, the rest served', () => {
  let server: TestServer;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-rules-'));
    copyFileSync('test/fixtures/good/committee-subsidy.yaml', join(dir, 'committee-subsidy.yaml'));
    // What stopped the server from starting: a Buffer built by an explicit tag behind a comment.
    writeFileSync(join(dir, 'binary.yaml'), GOOD.replace('id: committee-subsidy-example', 'id: binary-example').replace('      title: 出生日期\n', '      title: 出生日期\n      x-examples: !!binary # c\n        aGVsbG8=\n'));
    writeFileSync(join(dir, 'infinite.yaml'), GOOD.replace('id: committee-subsidy-example', 'id: infinite-example').replace('      maximum: 20\n', '      maximum: .inf\n'));
    server = await startTestApp({ rulesDir: dir });
  });
  afterAll(async () => stopTestApp(server));

  it('the server starts, serves the good rule set and lists the skipped files in /ready', async () => {
    const ready = await server.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().skipped.map((f: string) => f.split('/').pop()).sort()).toEqual(['binary.yaml', 'infinite.yaml']);
    expect(ready.json().rulesets).toBe(1);
    const ok = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts: { role: 'member' } } }));
    expect(ok.statusCode).toBe(200);
    const codes = server.app.zhidu.ruleFindings.map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(['YAML_TAG', 'YAML_SYNTAX']));
  });
});

describe('hostile rule files through validate and publish answer 4xx, never 500', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(async () => stopTestApp(server));

  const attacks: [string, string, string][] = [
    ['tag behind a comment', GOOD.replace('      title: 出生日期\n', '      title: 出生日期\n      x-examples: !!binary # c\n        aGVsbG8=\n'), 'YAML_TAG'],
    ['!!set', GOOD.replace('      title: 出生日期\n', '      title: 出生日期\n      x-examples: !!set { a, b }\n'), 'YAML_TAG'],
    ['10 ^ 1000000000', GOOD.replace('"800 + 50 * terms_reelected"', '"800 + 10 ^ 1000000000"'), 'FORMULA_CONSTANT'],
    ['0 ^ -1', GOOD.replace('"800 + 50 * terms_reelected"', '"800 + 0 ^ -1"'), 'FORMULA_CONSTANT'],
    ['back-reference pattern', GOOD.replace('      title: 出生日期\n', () => "      title: 出生日期\n    code:\n      type: string\n      title: 编号\n      pattern: '^(a)\\1$'\n"), 'INPUT_SCHEMA'],
  ];
  for (const [name, yaml, code] of attacks) {
    it(`${name}: ${code}`, async () => {
      const v = await server.app.inject(as('editor', { method: 'POST', url: '/v1/validate', payload: yaml, headers: YAML }));
      expect(v.statusCode).toBeLessThan(500);
      expect(JSON.stringify(v.json())).toContain(code);
      const p = await server.app.inject(as('editor', { method: 'POST', url: '/v1/rulesets/committee-subsidy-example/versions', payload: yaml.replace('version: 1.0.0', 'version: 9.0.0'), headers: YAML }));
      expect(p.statusCode).toBeGreaterThanOrEqual(400);
      expect(p.statusCode).toBeLessThan(500);
      expect(p.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.stringify(p.json())).toContain(code);
    });
  }
});

describe('hostile requests: dates, duplicate keys, NUL (items 7 and 10)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(async () => stopTestApp(server));
  const get = (url: string) => server.app.inject(as('caseworker', { method: 'GET', url }));
  const evaluate = (payload: string) => server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload, headers: { 'content-type': 'application/json' } }));

  it('decision queries beyond what the log stores are 400 AS_OF_RANGE, not 503 STORE_UNAVAILABLE', async () => {
    for (const q of ['from=0000-01-01', 'to=%2B010000-01-01T00:00:00Z', 'from=0999-12-31', 'from=0001-01-01T00:00:00Z']) {
      const res = await get(`/v1/decisions?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().code, q).toBe('AS_OF_RANGE');
      expect(res.json().pointer).toMatch(/^\/(from|to)$/);
    }
    // The last day itself is within range: the whole of 9999-12-31 (it ran into year 10000 and answered 503).
    expect((await get('/v1/decisions?from=1000-01-01&to=9999-12-31')).statusCode).toBe(200);
  });

  it('as_of with a year below 1000 is out of range, said as such', async () => {
    for (const asOf of ['0999-06-01', '0050-01-01']) {
      const res = await evaluate(JSON.stringify({ facts: { role: 'member' }, as_of: asOf }));
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('AS_OF_RANGE');
      expect(res.json().detail).toContain('1000-01-01');
    }
  });

  it('a body that repeats a key is refused with its pointer, as rule files are', async () => {
    const res = await evaluate('{"facts":{"role":"member","terms_reelected":1,"role":"secretary_or_director"}}');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'JSON_DUPLICATE_KEY', pointer: '/facts/role' });
    const escaped = await evaluate('{"facts":{"role":"member"},"\\u0066acts":{}}');
    expect(escaped.json()).toMatchObject({ code: 'JSON_DUPLICATE_KEY', pointer: '/facts' });
    // Equal keys in different objects, and strings that look like keys, are fine.
    expect((await evaluate('{"facts":{"role":"member","x":{"role":1}}}')).json().code).not.toBe('JSON_DUPLICATE_KEY');
    expect((await evaluate('{"facts":{"role":"member"},"note":"\\"facts\\":1"}')).json().code).not.toBe('JSON_DUPLICATE_KEY');
  });

  it('an NDJSON batch line repeating a key is refused on its own line, with its pointer; nothing of it is recorded', async () => {
    const lines = ['{"facts":{"role":"member"}}', '{"facts":{"role":"member","terms_reelected":1,"role":"secretary_or_director"}}', '{"facts":{"role":"member"},"\\u0066acts":{}}', '{"facts":{"role":"member"}}'];
    const before = await logCount(server.app);
    const res = await server.app.inject(as('system', { method: 'POST', url: `/v1/rulesets/${RULESET}/evaluate-batch`, payload: lines.join('\n'), headers: { 'content-type': 'application/x-ndjson' } }));
    expect(res.statusCode).toBe(200);
    const out = res.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.problem?.code ?? 'decided')).toEqual(['decided', 'JSON_DUPLICATE_KEY', 'JSON_DUPLICATE_KEY', 'decided']);
    expect(out[1]).toMatchObject({ index: 1, problem: { pointer: '/1/facts/role', status: 400 } });
    expect(out[2]).toMatchObject({ index: 2, problem: { pointer: '/2/facts' } });
    // Only the two decided lines are in the log.
    expect((await logCount(server.app)) - before).toBe(2);
  });

  it('U+0000 in any string or key is 400 STRING_NUL', async () => {
    expect((await evaluate('{"facts":{"role":"mem\\u0000ber"}}')).json()).toMatchObject({ code: 'STRING_NUL', pointer: '/facts/role' });
    expect((await evaluate('{"facts":{"ro\\u0000le":"member"}}')).json().code).toBe('STRING_NUL');
  });
});

describe('key guessing is rate-limited per address (item 8)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestApp({ env: { ZHIDU_AUTH_FAIL_LIMIT: '5' } });
  });
  afterAll(async () => stopTestApp(server));

  it('after the limit of failed keys every keyed request from that address is 429, a valid key included', async () => {
    const guess = (key: string, remoteAddress = '10.0.0.1') => server.app.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${key}` }, remoteAddress });
    for (let i = 0; i < 5; i++) expect((await guess(`guess-${i}`)).statusCode).toBe(401);
    const limited = await guess('guess-6');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('AUTH_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await guess(KEYS.caseworker)).statusCode).toBe(429);
    // Another address is not affected.
    expect((await guess(KEYS.caseworker, '10.0.0.2')).statusCode).toBe(200);
  });
});
