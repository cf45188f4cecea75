import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, EVALUATE, RULESET, startTestApp, stopTestApp, type TestServer } from './harness.js';
import { matchesSchema } from './response-schemas.js';
import { atLevel, NONE_KEEPS } from '../../src/decision/explain-level.js';
import type { Decision } from '../../src/generated/decision.js';

const member = { role: 'member', terms_reelected: 1, birth_date: '1954-05-01' };
const BATCH = `/v1/rulesets/${RULESET}/evaluate-batch`;

let server: TestServer;
beforeAll(async () => {
  server = await startTestApp();
}, 120_000);
afterAll(async () => stopTestApp(server));

/** The stored record without what differs between two recordings of the same case. */
async function storedRecord(id: string): Promise<Record<string, unknown>> {
  const found = await server.app.zhidu.log.getDecision(id);
  const { id: _id, time: _time, ...rest } = found?.content as unknown as Record<string, unknown>;
  return rest;
}

describe('?explain= on evaluate', () => {
  it('sends the full, summary or bare decision and records the same compact record at every level', async () => {
    const at: Record<string, { id: string; explain: string; decision: Record<string, unknown> }> = {};
    for (const level of ['full', 'summary', 'none'] as const) {
      const res = await server.app.inject(as('caseworker', { method: 'POST', url: `${EVALUATE}?explain=${level}`, payload: { facts: member, as_of: '2024-04-30' } }));
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(matchesSchema('RecordedDecision', body), level).toEqual([]);
      expect(body.explain).toBe(level);
      at[level] = body;
    }
    const full = at.full?.decision as unknown as Decision;
    expect(full.rules.length).toBeGreaterThan(0);
    // The summary is the full explanation without its per-condition trace, and nothing else removed.
    expect(at.summary?.decision).toEqual(atLevel(full, 'summary'));
    expect(at.summary?.decision).not.toHaveProperty('rules');
    for (const k of ['outcome', 'outputs', 'reasons', 'failed', 'missing', 'ambiguities']) expect(at.summary?.decision).toHaveProperty(k);
    expect(Object.keys(at.none?.decision ?? {}).sort()).toEqual([...NONE_KEEPS].sort());
    expect(at.none?.decision.outputs).toEqual(full.outputs);
    // Without ?explain: full.
    const plain = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts: member, as_of: '2024-04-30' } }));
    expect(plain.json().explain).toBe('full');
    expect(plain.json().decision).toEqual(full);

    const records = await Promise.all(['full', 'summary', 'none'].map((l) => storedRecord(at[l]?.id as string)));
    expect(records[1]).toEqual(records[0]);
    expect(records[2]).toEqual(records[0]);
    // Reading any of them gives the full explanation.
    const read = await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions/${at.none?.id}` }));
    expect(read.json().decision).toEqual(full);
  });

  it.each([['everything'], ['FULL'], [''], ['full&explain=none']])('refuses explain=%s with EXPLAIN_INVALID', async (value) => {
    const res = await server.app.inject(as('caseworker', { method: 'POST', url: `${EVALUATE}?explain=${value}`, payload: { facts: member } }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'EXPLAIN_INVALID', pointer: '/explain' });
    expect(res.json().detail).toContain('full、summary 或 none');
  });

  it('applies the level to every item of a JSON batch and of an NDJSON stream', async () => {
    const items = [{ facts: member, as_of: '2024-04-30' }, { facts: { role: 'chairman' } }, { facts: { role: 'member' } }];
    const res = await server.app.inject(as('system', { method: 'POST', url: `${BATCH}?explain=summary`, payload: items }));
    expect(res.statusCode, res.body).toBe(200);
    expect(matchesSchema('BatchResponse', res.json())).toEqual([]);
    const decided = res.json().items.filter((i: { decision?: unknown }) => i.decision);
    expect(decided).toHaveLength(2);
    for (const i of decided) {
      expect(i.explain).toBe('summary');
      expect(i.decision).not.toHaveProperty('rules');
      expect(i.decision).toHaveProperty('reasons');
    }
    const nd = await server.app.inject(
      as('system', { method: 'POST', url: `${BATCH}?explain=none`, headers: { 'content-type': 'application/x-ndjson' }, payload: items.map((i) => JSON.stringify(i)).join('\n') }),
    );
    const lines = nd.body.trim().split('\n').map((l) => JSON.parse(l));
    const ok = lines.filter((l) => l.decision);
    expect(ok).toHaveLength(2);
    for (const l of ok) expect(Object.keys(l.decision).sort()).toEqual([...NONE_KEEPS].sort());
    const bad = await server.app.inject(as('system', { method: 'POST', url: `${BATCH}?explain=short`, payload: items }));
    expect(bad.json()).toMatchObject({ code: 'EXPLAIN_INVALID' });
  });

  it('documents the levels in OpenAPI: the query parameter and an example response for each', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const op = doc.paths['/v1/rulesets/{id}/evaluate'].post;
    const param = op.parameters.find((p: { name: string }) => p.name === 'explain');
    expect(param).toMatchObject({ in: 'query' });
    expect(param.schema.enum).toEqual(['full', 'summary', 'none']);
    const examples = op.responses['200'].content['application/json'].examples;
    expect(Object.keys(examples)).toEqual(['full', 'summary', 'none']);
    for (const [level, ex] of Object.entries(examples as Record<string, { value: unknown }>)) expect(matchesSchema('RecordedDecision', ex.value), level).toEqual([]);
    expect(examples.summary.value.decision).not.toHaveProperty('rules');
    expect(doc.paths['/v1/rulesets/{id}/evaluate-batch'].post.parameters.some((p: { name: string }) => p.name === 'explain')).toBe(true);
  });
});
