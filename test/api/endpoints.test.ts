import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestApp, stopTestApp, as, EVALUATE, RULESET, type TestServer } from './harness.js';
import { matchesSchema } from './response-schemas.js';

const run = promisify(execFile);
let server: TestServer;
beforeAll(async () => {
  server = await startTestApp();
});
afterAll(async () => stopTestApp(server));

const BATCH = `/v1/rulesets/${RULESET}/evaluate-batch`;
const director = { role: 'secretary_or_director', terms_reelected: 2 };

async function decide(facts: Record<string, unknown>, as_of?: string): Promise<{ id: string }> {
  const res = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts, ...(as_of ? { as_of } : {}) } }));
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('rule sets and sources', () => {
  it('lists rule sets with versions and effective dates', async () => {
    const res = await server.app.inject(as('editor', { method: 'GET', url: '/v1/rulesets' }));
    expect(res.statusCode).toBe(200);
    expect(matchesSchema('RuleSetList', res.json())).toEqual([]);
    expect(res.json().rulesets).toEqual([expect.objectContaining({ id: RULESET, in_force: '1.0.0', versions: [expect.objectContaining({ version: '1.0.0', effective_from: null, effective_to: null, in_force: true })] })]);
  });

  it('shows one rule set with input schema, outputs and citations', async () => {
    const res = await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/rulesets/${RULESET}` }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(matchesSchema('RuleSetSummary', body)).toEqual([]);
    const v = body.versions[0];
    expect(v.inputs.properties.role['x-enum-titles'].member).toBe('委员');
    expect(Object.keys(v.outputs)).toEqual(['monthly_subsidy', 'eligible']);
    expect(v.citations).toContainEqual(expect.objectContaining({ rule: 'member_subsidy', file: '004_44ebc9396ef4097f.txt', lines: [37, 43], clause: '第2篇 二(二)' }));
    expect((await server.app.inject(as('caseworker', { method: 'GET', url: '/v1/rulesets/nope' }))).statusCode).toBe(404);
  });

  it('serves the cited lines of a source text', async () => {
    const res = await server.app.inject(as('caseworker', { method: 'GET', url: '/v1/sources/004_44ebc9396ef4097f.txt?from=37&to=43' }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(matchesSchema('SourceExcerpt', body)).toEqual([]);
    const file = readFileSync('rules/sources/004_44ebc9396ef4097f.txt', 'utf8').split('\n');
    expect(body.lines).toHaveLength(7);
    expect(body.lines[0]).toEqual({ n: 37, text: file[36] });
    expect(body.lines[6]).toEqual({ n: 43, text: file[42] });
  });

  it.each([
    ['/v1/sources/004_44ebc9396ef4097f.txt?from=9&to=3', 404, 'SOURCE_NOT_FOUND'],
    ['/v1/sources/004_44ebc9396ef4097f.txt?to=999999', 404, 'SOURCE_NOT_FOUND'],
    ['/v1/sources/missing.txt', 404, 'SOURCE_NOT_FOUND'],
    ['/v1/sources/..%2F..%2Fpackage.json', 400, 'REQUEST_INVALID'],
    ['/v1/sources/004_44ebc9396ef4097f.txt?from=abc', 400, 'REQUEST_INVALID'],
  ])('%s → %i', async (url, status, code) => {
    const res = await server.app.inject(as('caseworker', { method: 'GET', url }));
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
  });
});

describe('batch evaluation', () => {
  it('decides each item on its own: decisions and problems side by side, all decisions recorded', async () => {
    const payload = [{ facts: director }, { facts: { role: 'chairman' } }, { facts: { role: 'member' }, as_of: 'soon' }, { facts: { role: 'member', terms_reelected: 0, birth_date: '1954-05-01' }, as_of: '2024-05-01' }];
    const res = await server.app.inject(as('system', { method: 'POST', url: BATCH, payload }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(matchesSchema('BatchResponse', body)).toEqual([]);
    expect(body).toMatchObject({ decided: 2, failed: 2 });
    expect(body.items[0].decision.outputs.monthly_subsidy.value).toBe('900');
    expect(body.items[1].problem).toMatchObject({ code: 'FACTS_INVALID', pointer: '/1/facts/role' });
    expect(body.items[2].problem).toMatchObject({ code: 'REQUEST_INVALID', pointer: '/2/as_of' });
    expect(body.items[3].decision.outcome.value).toBe(false);
    for (const i of [0, 3]) {
      const stored = await server.app.inject(as('admin', { method: 'GET', url: `/v1/decisions/${body.items[i].id}` }));
      expect(stored.json().decision).toEqual(body.items[i].decision);
    }
  });

  it('streams NDJSON in and out, one line per item', async () => {
    const lines = [JSON.stringify({ facts: director }), '{"facts": {"role": ', '{"facts": {"role": "member", "__proto__": {"x": 1}}}', '', JSON.stringify({ facts: { role: 'deputy_director' } })];
    const res = await server.app.inject(as('system', { method: 'POST', url: BATCH, payload: lines.join('\n') + '\n', headers: { 'content-type': 'application/x-ndjson' } }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const out = res.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.index)).toEqual([0, 1, 2, 3]);
    for (const o of out) expect(matchesSchema('BatchItem', o)).toEqual([]);
    expect(out[0].decision.outcome.value).toBe(true);
    expect(out[1].problem.code).toBe('JSON_SYNTAX');
    expect(out[2].problem).toMatchObject({ code: 'JSON_FORBIDDEN_KEY', pointer: '/2/facts/__proto__' });
    expect(out[3].decision.ruleset.id).toBe(RULESET);
  });

  it('refuses too many items, a non-array, and roles without batch rights', async () => {
    const many = Array.from({ length: 1001 }, () => ({ facts: director }));
    const big = await server.app.inject(as('system', { method: 'POST', url: BATCH, payload: many }));
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('BATCH_TOO_LARGE');
    const obj = await server.app.inject(as('system', { method: 'POST', url: BATCH, payload: { facts: director } }));
    expect(obj.statusCode).toBe(400);
    expect((await server.app.inject(as('caseworker', { method: 'POST', url: BATCH, payload: [] }))).statusCode).toBe(403);
  });
});

describe('validate', () => {
  const good = readFileSync('test/fixtures/good/committee-subsidy.yaml', 'utf8');

  it('answers the same findings as `zhidu validate`', async () => {
    const ok = await server.app.inject(as('editor', { method: 'POST', url: '/v1/validate', payload: good, headers: { 'content-type': 'application/yaml' } }));
    expect(ok.statusCode).toBe(200);
    expect(matchesSchema('ValidateResponse', ok.json())).toEqual([]);
    expect(ok.json()).toMatchObject({ ok: true, findings: [], ruleset: { id: RULESET, version: '1.0.0' } });

    const bad = good.replace('{ fact: age, operator: lessThan, value: 70 }', '{ fact: agee, operator: lessThan, value: 70 }');
    const res = await server.app.inject(as('editor', { method: 'POST', url: '/v1/validate?file=bad.yaml', payload: bad, headers: { 'content-type': 'application/yaml' } }));
    expect(res.statusCode).toBe(200);
    const f = res.json().findings.find((x: { code: string }) => x.code === 'UNDECLARED_FACT');
    const line = bad.split('\n').findIndex((l) => l.includes('fact: agee')) + 1;
    expect(f).toMatchObject({ file: 'bad.yaml', line, severity: 'error' });
    expect(f.text).toMatch(new RegExp(`^bad\\.yaml:${line}:\\d+: error \\[UNDECLARED_FACT\\]`));
    expect(res.json().ok).toBe(false);
  });

  it('gives exactly what `zhidu validate --json` gives for the same file', async () => {
    const dir = mkdtempSync(join('scratch-validate-'));
    try {
      const file = join(dir, 'broken.yaml');
      const text = good.replace('outcome: eligible', 'outcome: eligibility').replace('value: 70', 'value: "seventy"');
      writeFileSync(file, text);
      const cli = await run(process.execPath, ['bin/zhidu.js', 'validate', '--json', file]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
      const expected = JSON.parse(cli.stdout).findings;
      expect(expected.length).toBeGreaterThan(1);
      const res = await server.app.inject(as('editor', { method: 'POST', url: `/v1/validate?file=${encodeURIComponent(file)}`, payload: text, headers: { 'content-type': 'text/yaml' } }));
      expect(res.json().findings.map(({ text: _t, ...f }: { text: string }) => f)).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses JSON, and callers without the editor role', async () => {
    expect((await server.app.inject(as('editor', { method: 'POST', url: '/v1/validate', payload: { a: 1 } }))).statusCode).toBe(415);
    expect((await server.app.inject(as('caseworker', { method: 'POST', url: '/v1/validate', payload: good, headers: { 'content-type': 'application/yaml' } }))).statusCode).toBe(403);
  });
});

describe('recorded decisions', () => {
  it('lists with filters and cursor paging', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await decide({ role: 'deputy_director', terms_reelected: i })).id);
    const undetermined = (await decide({ role: 'member' })).id;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/decisions?ruleset=${RULESET}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await server.app.inject(as('caseworker', { method: 'GET', url }));
      expect(res.statusCode).toBe(200);
      expect(matchesSchema('DecisionList', res.json())).toEqual([]);
      seen.push(...res.json().items.map((x: { id: string }) => x.id));
      cursor = res.json().next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 6)).toEqual([undetermined, ...ids.reverse()]);

    const und = await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions?outcome=undetermined` }));
    expect(und.json().items.map((x: { id: string }) => x.id)).toContain(undetermined);
    expect(und.json().items.every((x: { status: string }) => x.status === 'undetermined')).toBe(true);
    const today = new Date().toISOString().slice(0, 10);
    const none = await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions?to=2000-01-01` }));
    expect(none.json().items).toEqual([]);
    const todays = await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions?from=${today}&to=${today}&limit=200` }));
    expect(todays.json().items.length).toBeGreaterThanOrEqual(6);
    const bad = await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions?from=yesterday` }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().pointer).toBe('/from');
    expect((await server.app.inject(as('system', { method: 'GET', url: '/v1/decisions' }))).statusCode).toBe(403);
  });

  it('404 for an unknown decision', async () => {
    const res = await server.app.inject(as('caseworker', { method: 'GET', url: '/v1/decisions/00000000-0000-0000-0000-000000000000' }));
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('DECISION_NOT_FOUND');
  });

  it('replays under the recorded version (identical) and today (what changed)', async () => {
    const { id } = await decide({ role: 'member', terms_reelected: 1, birth_date: '1954-05-01' }, '2024-04-30');
    const res = await server.app.inject(as('caseworker', { method: 'POST', url: `/v1/decisions/${id}/replay` }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(matchesSchema('ReplayResponse', body)).toEqual([]);
    expect(body.recorded).toEqual({ version: '1.0.0', as_of: '2024-04-30', identical: true, differences: [] });
    // Turned 70 since: today the member rule fails.
    expect(body.current.changed).toBe(true);
    expect(body.current.changes).toContainEqual({ path: '/outputs/eligible/value', before: true, after: false });
    expect(body.current.changes).toContainEqual({ path: '/rules/member_subsidy/result', before: 'true', after: 'false' });
  });

  it('records determinations linked to the decision without altering it', async () => {
    const { id } = await decide(director);
    const before = (await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions/${id}` }))).json();
    const post = (payload: unknown, role: 'caseworker' | 'editor' = 'caseworker') => server.app.inject(as(role, { method: 'POST', url: `/v1/decisions/${id}/determinations`, payload: payload as Record<string, unknown> }));

    const noReason = await post({ agree: false });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json()).toMatchObject({ code: 'OVERRIDE_REASON_REQUIRED', pointer: '/reason' });
    expect((await post({ agree: true }, 'editor')).statusCode).toBe(403);

    const first = await post({ agree: true });
    expect(first.statusCode).toBe(201);
    expect(matchesSchema('Determination', first.json())).toEqual([]);
    expect(first.json()).toMatchObject({ decision_id: id, agree: true, caller: 'test-caseworker', supersedes: null });

    const conflict = await post({ agree: false, reason: '材料不全' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().code).toBe('DETERMINATION_CONFLICT');

    const second = await post({ agree: false, reason: '材料不全', supersedes: first.json().id });
    expect(second.statusCode).toBe(201);

    const after = (await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions/${id}` }))).json();
    expect(matchesSchema('DecisionRecord', after)).toEqual([]);
    expect(after.decision).toEqual(before.decision);
    expect(after.hash).toBe(before.hash);
    expect(after.determinations.map((d: { agree: boolean; reason: string | null }) => [d.agree, d.reason])).toEqual([[true, null], [false, '材料不全']]);
    expect((await server.app.inject(as('caseworker', { method: 'POST', url: '/v1/decisions/nope/determinations', payload: { agree: true } }))).statusCode).toBe(404);
    const listed = (await server.app.inject(as('caseworker', { method: 'GET', url: '/v1/decisions?limit=5' }))).json();
    expect(listed.items.find((x: { id: string }) => x.id === id).determination).toMatchObject({ agree: false, reason: '材料不全', caller: 'test-caseworker' });
  });
});

describe('operations', () => {
  it('health, ready, whoami', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await server.app.inject({ method: 'GET', url: '/ready' })).json()).toEqual({ status: 'ready', rulesets: 1, database: 'pglite' });
    const who = await server.app.inject(as('system', { method: 'GET', url: '/v1/whoami' }));
    expect(matchesSchema('WhoAmI', who.json())).toEqual([]);
    expect(who.json()).toEqual({ name: 'test-system', role: 'system', permissions: ['read', 'evaluate', 'batch'] });
    expect((await server.app.inject({ method: 'GET', url: '/v1/whoami' })).statusCode).toBe(401);
    const nf = await server.app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(nf.statusCode).toBe(404);
    expect(nf.json().code).toBe('ROUTE_NOT_FOUND');
  });

  it('exposes Prometheus metrics: decisions by rule set and outcome, latency, errors', async () => {
    await decide(director);
    await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts: { role: 'x' } } }));
    const res = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toMatch(new RegExp(`^zhidu_decisions_total\\{ruleset="${RULESET}",version="1.0.0",outcome="true"\\} \\d+$`, 'm'));
    expect(res.body).toMatch(/^zhidu_errors_total\{code="FACTS_INVALID",status="400"\} \d+$/m);
    // prom-client writes `le` first; label order carries no meaning to Prometheus.
    expect(res.body).toMatch(/^zhidu_http_request_duration_seconds_bucket\{le="0.05",route="\/v1\/rulesets\/:id\/evaluate",method="POST",status="2xx"\} \d+$/m);
    expect(res.body).toMatch(/^zhidu_http_request_duration_seconds_count\{route="\/v1\/rulesets\/:id\/evaluate",method="POST",status="2xx"\} \d+$/m);
    expect(res.body).toMatch(/^# TYPE zhidu_decisions_total counter$/m);
    expect(res.body).toMatch(/^# TYPE zhidu_http_request_duration_seconds histogram$/m);
    // Default process metrics, as every Prometheus client exposes them.
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) expect(res.body).toMatch(new RegExp(`^${name} \\d`, 'm'));
  });

  it('counts each decision once in its series', async () => {
    const count = async () => Number(new RegExp(`^zhidu_decisions_total\\{ruleset="${RULESET}",version="1.0.0",outcome="true"\\} (\\d+)$`, 'm').exec((await server.app.inject({ method: 'GET', url: '/metrics' })).body)?.[1] ?? 0);
    const before = await count();
    await decide(director);
    await decide(director);
    expect(await count()).toBe(before + 2);
  });

  it('publishes a valid OpenAPI document generated from the request schemas', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
    expect(doc.openapi).toBe('3.1.0');
    const evaluate = doc.paths['/v1/rulesets/{id}/evaluate'].post;
    expect(JSON.stringify(evaluate.requestBody)).toContain('EvaluateRequest');
    for (const path of ['/v1/rulesets', '/v1/rulesets/{id}', '/v1/rulesets/{id}/evaluate-batch', '/v1/validate', '/v1/decisions', '/v1/decisions/{id}', '/v1/decisions/{id}/replay', '/v1/decisions/{id}/determinations', '/v1/sources/{file}', '/health', '/ready', '/metrics']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    // The schema the server validates with is the one in schemas/api.schema.json.
    const api = JSON.parse(readFileSync('schemas/api.schema.json', 'utf8'));
    expect(doc.components.schemas.Api.definitions?.EvaluateRequest ?? doc.components.schemas['Api-EvaluateRequest'] ?? doc.components.schemas.EvaluateRequest).toMatchObject({ required: api.definitions.EvaluateRequest.required });
    const page = await server.app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(page.statusCode);
  });
});
