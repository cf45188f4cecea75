import { describe, it, expect } from 'vitest';
import { startTestApp, as, EVALUATE } from './harness.js';
import { matchesSchema } from './response-schemas.js';

describe('when the decision log cannot be written', () => {
  it('answers 503 problem+json, never an unrecorded decision; /ready says so', async () => {
    const server = await startTestApp();
    const { app } = server;
    const ok = await app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts: { role: 'member' } } }));
    expect(ok.statusCode).toBe(200);

    await app.zhidu.log.db.close();
    const res = await app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts: { role: 'member' } } }));
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const p = res.json();
    expect(matchesSchema('Problem', p)).toEqual([]);
    expect(p.code).toBe('STORE_UNAVAILABLE');
    expect(p).not.toHaveProperty('decision');

    const batch = await app.inject(as('system', { method: 'POST', url: '/v1/rulesets/committee-subsidy-example/evaluate-batch', payload: [{ facts: { role: 'member' } }] }));
    expect(batch.statusCode).toBe(503);
    const stream = await app.inject(as('system', { method: 'POST', url: '/v1/rulesets/committee-subsidy-example/evaluate-batch', payload: '{"facts":{"role":"member"}}\n', headers: { 'content-type': 'application/x-ndjson' } }));
    const lines = stream.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([{ problem: expect.objectContaining({ code: 'STORE_UNAVAILABLE' }) }]);

    expect((await app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions/${ok.json().id}` }))).statusCode).toBe(503);
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().code).toBe('NOT_READY');
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^zhidu_log_write_failures_total 3$/m);
    await app.close();
  });
});
