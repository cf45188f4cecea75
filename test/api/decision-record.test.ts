import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, EVALUATE, startTestApp, stopTestApp, type TestServer } from './harness.js';
import { canonicalText, linkHash, type DecisionContent } from '../../src/store/log-record.js';
import { EXPLANATION_FORMAT } from '../../src/store/compact-record.js';

/** Rewrite one record's content and recompute the chain from it, as someone with the owner's rights could. */
async function rewrite(server: TestServer, id: string, edit: (c: DecisionContent) => DecisionContent): Promise<void> {
  const { db, schema } = server.app.zhidu.log;
  const s = `"${schema}"`;
  await db.query(`ALTER TABLE ${s}.log DISABLE TRIGGER USER`);
  const rows = (await db.query<{ seq: string | number; id: string; content: string; prev_hash: string }>(`SELECT seq, id, content, prev_hash FROM ${s}.log ORDER BY seq`)).rows;
  let prev: string | null = null;
  for (const row of rows) {
    let text = row.content;
    if (row.id === id) text = canonicalText(edit(JSON.parse(text) as DecisionContent));
    const before: string = prev ?? row.prev_hash;
    const hash = linkHash(before, text);
    await db.query(`UPDATE ${s}.log SET content = $2, prev_hash = $3, hash = $4 WHERE seq = $1`, [row.seq, text, before, hash]);
    prev = hash;
  }
  await db.query(`UPDATE ${s}.chain_head SET hash = $1`, [prev]);
  await db.query(`ALTER TABLE ${s}.log ENABLE TRIGGER USER`);
}

describe('reading a recorded decision re-derives its explanation', () => {
  let server: TestServer;
  const decide = async (facts: Record<string, unknown>) => {
    const res = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts, as_of: '2024-06-01' } }));
    expect(res.statusCode).toBe(200);
    return res.json() as { id: string; decision: Record<string, unknown> };
  };
  beforeAll(async () => {
    server = await startTestApp();
  }, 120_000);
  afterAll(async () => stopTestApp(server));

  it('returns the explanation evaluate returned, from a record that holds none, with the explanation format', async () => {
    const made = await decide({ role: 'secretary_or_director', terms_reelected: 2 });
    const res = await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions/${made.id}` }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.decision).toEqual(made.decision);
    expect(body.explanation_format).toEqual({ recorded: EXPLANATION_FORMAT, current: EXPLANATION_FORMAT });
    const found = await server.app.zhidu.log.getDecision(made.id);
    expect(found?.content).not.toHaveProperty('explanation');
    expect(found?.content.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('checks a record of an older explanation format on its value, and says so', async () => {
    const made = await decide({ role: 'secretary_or_director', terms_reelected: 3 });
    await rewrite(server, made.id, (c) => ({ ...c, format: EXPLANATION_FORMAT - 1, digest: 'f'.repeat(64) }));
    const res = await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions/${made.id}` }));
    expect(res.statusCode).toBe(200);
    expect(res.json().explanation_format).toEqual({ recorded: EXPLANATION_FORMAT - 1, current: EXPLANATION_FORMAT });
    expect(res.json().decision).toEqual(made.decision);
  });

  it.each([
    ['a forged digest', (c: DecisionContent) => ({ ...c, digest: '0'.repeat(64) }), /digest/],
    ['an output changed', (c: DecisionContent) => ({ ...c, outputs: Object.fromEntries(Object.entries(c.outputs).map(([k, o]) => [k, { ...o, value: 'forged' }])) }), /outputs/],
    ['the condition codes changed', (c: DecisionContent) => ({ ...c, codes: c.codes.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')) }), /codes/],
  ])('refuses a record with %s and its chain recomputed (RECORD_MISMATCH)', async (_name, edit, detail) => {
    const made = await decide({ role: 'member', terms_reelected: 1 });
    await rewrite(server, made.id, edit);
    const res = await server.app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions/${made.id}` }));
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('RECORD_MISMATCH');
    expect(res.json().detail_en ?? res.json().detail).toMatch(detail);
  });
});
