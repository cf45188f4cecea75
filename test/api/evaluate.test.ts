import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestApp, stopTestApp, as, EVALUATE, RULESET, type TestServer } from './harness.js';
import { matchesSchema } from './response-schemas.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestApp();
});
afterAll(async () => stopTestApp(server));

const member = { role: 'member', terms_reelected: 1, birth_date: '1954-05-01' };

describe('POST /v1/rulesets/{id}/evaluate', () => {
  it('decides, explains and records the decision before answering', async () => {
    const res = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts: member, as_of: '2024-04-30' } }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(matchesSchema('RecordedDecision', body)).toEqual([]);
    expect(body.decision.outcome.value).toBe(true);
    expect(body.decision.outputs.monthly_subsidy.value).toBe('650');
    expect(body.decision.as_of).toBe('2024-04-30');
    const stored = await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions/${body.id}` }));
    expect(stored.statusCode).toBe(200);
    expect(stored.json().decision).toEqual(body.decision);
    expect(stored.json().caller).toBe('test-caseworker');
  });

  it('a refusal says what would change it, recorded with the decision; a grant does not', async () => {
    const res = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts: { ...member, birth_date: '1950-01-01' }, as_of: '2024-06-01' } }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(matchesSchema('RecordedDecision', body)).toEqual([]);
    expect(body.decision.outcome.value).toBe(false);
    const cf = body.decision.counterfactuals.find((c: { rule: string }) => c.rule === 'member_subsidy');
    expect(cf).toMatchObject({ reachable: true, changes: [{ fact: 'age', from: 74, to: 69, relation: 'at_most' }] });
    expect(cf.text).toMatch(/^若年龄（周岁）不超过 69 岁，可满足“委员补贴”/);
    const stored = await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions/${body.id}` }));
    expect(stored.json().decision.counterfactuals).toEqual(body.decision.counterfactuals);
    const granted = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts: member, as_of: '2024-04-30' } }));
    expect(granted.json().decision.counterfactuals).toBeUndefined();
  });

  it('?record=false previews: the same decision, no id, and nothing added to the log however often it is pressed', async () => {
    const before = await countDecisions();
    const previews = [];
    for (let i = 0; i < 5; i++) {
      const res = await server.app.inject(as('caseworker', { method: 'POST', url: `${EVALUATE}?record=false&explain=summary`, payload: { facts: member, as_of: '2024-04-30' } }));
      expect(res.statusCode).toBe(200);
      previews.push(res.json());
    }
    expect(await countDecisions()).toBe(before);
    const preview = previews[0];
    expect(matchesSchema('DecisionPreview', preview)).toEqual([]);
    expect(matchesSchema('RecordedDecision', preview)).not.toEqual([]);
    expect(preview).toMatchObject({ id: null, recorded_at: null, explain: 'summary' });
    // What is then submitted is what was previewed, and only that is recorded.
    const recorded = await server.app.inject(as('caseworker', { method: 'POST', url: `${EVALUATE}?record=true&explain=summary`, payload: { facts: member, as_of: '2024-04-30' } }));
    expect(recorded.json().decision).toEqual(preview.decision);
    expect(await countDecisions()).toBe(before + 1);
  });

  it('refuses a record value other than true or false, recording nothing', async () => {
    const before = await countDecisions();
    const res = await server.app.inject(as('caseworker', { method: 'POST', url: `${EVALUATE}?record=no`, payload: { facts: member } }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID' });
    expect(JSON.stringify(res.json())).toContain('record');
    expect(await countDecisions()).toBe(before);
  });

  it('answers undetermined with the facts still needed', async () => {
    const res = await server.app.inject(as('system', { method: 'POST', url: EVALUATE, payload: { facts: { role: 'member' } } }));
    expect(res.statusCode).toBe(200);
    expect(res.json().decision.status).toBe('undetermined');
    expect(res.json().decision.missing.map((m: { fact: string }) => m.fact)).toContain('birth_date');
  });

  it.each([
    ['unknown enum value', { facts: { role: 'chairman' } }, 400, 'FACTS_INVALID', '/facts/role'],
    ['missing required fact', { facts: { terms_reelected: 1 } }, 400, 'FACTS_INVALID', '/facts/role'],
    ['undeclared fact', { facts: { role: 'member', salary: 1 } }, 400, 'FACTS_INVALID', '/facts/salary'],
    ['facts not an object', { facts: [1] }, 400, 'REQUEST_INVALID', '/facts'],
    ['no facts', {}, 400, 'REQUEST_INVALID', '/facts'],
    ['unknown request property', { facts: { role: 'member' }, extra: 1 }, 400, 'REQUEST_INVALID', '/extra'],
    ['malformed as_of', { facts: { role: 'member' }, as_of: '2024/01/01' }, 400, 'REQUEST_INVALID', '/as_of'],
    ['impossible as_of', { facts: { role: 'member' }, as_of: '2024-02-30' }, 400, 'AS_OF_INVALID', '/as_of'],
  ])('%s', async (_name, payload, status, code, pointer) => {
    const before = await countDecisions();
    const res = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload }));
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const p = res.json();
    expect(matchesSchema('Problem', p)).toEqual([]);
    expect(p).toMatchObject({ status, code, pointer, type: `https://zhidu.dev/errors/${code}` });
    expect(p.title).toMatch(/[\u4e00-\u9fff]/);
    expect(p.detail_en).toMatch(/[a-z]/);
    expect(await countDecisions()).toBe(before);
  });

  it('lists every invalid fact', async () => {
    const res = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts: { role: 'boss', terms_reelected: -1, birth_date: 'yesterday' } } }));
    expect(res.statusCode).toBe(400);
    expect(res.json().violations.map((v: { pointer: string }) => v.pointer).sort()).toEqual(['/facts/birth_date', '/facts/role', '/facts/terms_reelected']);
  });

  it('404 for an unknown rule set; no version in force', async () => {
    const res = await server.app.inject(as('caseworker', { method: 'POST', url: '/v1/rulesets/nope/evaluate', payload: { facts: {} } }));
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('RULESET_NOT_FOUND');
  });

  it('rejects prototype keys anywhere in the body, without merging them', async () => {
    for (const raw of ['{"facts":{"role":"member","__proto__":{"admin":true}}}', '{"facts":{"role":"member"},"constructor":{"prototype":{"x":1}}}']) {
      const res = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: raw, headers: { 'content-type': 'application/json' } }));
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('JSON_FORBIDDEN_KEY');
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it.each([
    ['malformed JSON', '{"facts":', 'application/json', 400, 'JSON_SYNTAX'],
    ['wrong media type', 'facts: {}', 'application/yaml', 415, 'MEDIA_TYPE'],
    ['form data', 'a=1', 'application/x-www-form-urlencoded', 415, 'MEDIA_TYPE'],
    ['too deep', `{"facts":{"role":"member","x":${'['.repeat(40)}${']'.repeat(40)}}}`, 'application/json', 400, 'JSON_TOO_DEEP'],
    ['string too long', JSON.stringify({ facts: { role: 'm'.repeat(10_001) } }), 'application/json', 400, 'STRING_TOO_LONG'],
    ['body too large', JSON.stringify({ facts: { role: 'member', pad: 'x'.repeat(9000) } }).repeat(200), 'application/json', 413, 'BODY_TOO_LARGE'],
  ])('%s', async (_name, payload, type, status, code) => {
    const before = await countDecisions();
    const res = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload, headers: { 'content-type': type } }));
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
    expect(await countDecisions()).toBe(before);
  });

  it('checks the key and the role', async () => {
    const none = await server.app.inject({ method: 'POST', url: EVALUATE, payload: { facts: member } });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('UNAUTHORIZED');
    const wrong = await server.app.inject({ method: 'POST', url: EVALUATE, payload: { facts: member }, headers: { authorization: 'Bearer not-a-key' } });
    expect(wrong.statusCode).toBe(401);
    const editor = await server.app.inject(as('editor', { method: 'POST', url: EVALUATE, payload: { facts: member } }));
    expect(editor.statusCode).toBe(403);
    expect(editor.json().code).toBe('FORBIDDEN');
    const viaHeader = await server.app.inject({ method: 'POST', url: EVALUATE, payload: { facts: member }, headers: { 'x-api-key': 'test-admin-key' } });
    expect(viaHeader.statusCode).toBe(200);
  });

  it('rate-limits per key', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await server.app.inject(as('limited', { method: 'GET', url: `/v1/rulesets/${RULESET}` }))).statusCode);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const limited = await server.app.inject(as('limited', { method: 'GET', url: '/v1/rulesets' }));
    expect(limited.json().code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    // Another key is not affected.
    expect((await server.app.inject(as('caseworker', { method: 'GET', url: '/v1/rulesets' }))).statusCode).toBe(200);
  });
});

async function countDecisions(): Promise<number> {
  const { rows } = await server.app.zhidu.log.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM "${server.app.zhidu.log.schema}".log`);
  return Number(rows[0]?.n);
}
