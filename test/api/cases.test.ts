import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { as, BACKENDS, RULESET, startTestApp, stopTestApp, type TestServer } from './harness.js';
import { matchesSchema } from './response-schemas.js';

const ID = '11010519491231002X';
const applicant = { name: '王小明', id_number: ID, phone: '13812345678' };

describe.each(BACKENDS)('case files (%s)', (backend) => {
  let server: TestServer;
  let otherKey: string;
  beforeAll(async () => {
    server = await startTestApp({ backend });
    const made = await server.app.inject(as('admin', { method: 'POST', url: '/v1/keys', payload: { name: '赵经办', role: 'caseworker' } }));
    otherKey = (made.json() as { key: string }).key;
    // Room for a slow start of the embedded database on a loaded machine.
  }, 180_000);
  afterAll(async () => stopTestApp(server));

  const call = (role: 'caseworker' | 'editor' | 'admin' | 'system', method: string, url: string, payload?: unknown) =>
    server.app.inject(as(role, { method: method as 'GET', url, ...(payload !== undefined ? { payload: payload as object } : {}) }));
  const decisionCount = async () => ((await call('admin', 'GET', '/v1/decisions?limit=200')).json() as { items: unknown[] }).items.length;

  async function open(): Promise<Record<string, any>> {
    const r = await call('caseworker', 'POST', '/v1/cases', { ruleset: RULESET, applicant });
    expect(r.statusCode, r.body).toBe(201);
    return r.json();
  }

  it('opens a numbered draft; the interview is saved and evaluated without recording; only submit records', async () => {
    const before = await decisionCount();
    const c = await open();
    expect(matchesSchema('Case', c)).toEqual([]);
    expect(c).toMatchObject({ state: 'draft', caseworker: 'test-caseworker', applicant: { ...applicant, masked: false }, decision_id: null, machine: null, may_change: true });
    expect(c.case_no).toMatch(/^\d{4}-\d{6}$/);
    const next = await open();
    expect(Number(next.case_no.slice(5))).toBe(Number(c.case_no.slice(5)) + 1);

    const saved = await call('caseworker', 'PATCH', `/v1/cases/${c.id}`, { answers: { role: 'member', terms_reelected: '２' } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect((await call('caseworker', 'GET', `/v1/cases/${c.id}`)).json()).toMatchObject({ answers: { role: 'member', terms_reelected: '２' } });

    // Three presses of 评估 while asking: nothing recorded.
    for (const facts of [{ role: 'member' }, { role: 'member', terms_reelected: 2 }, { role: 'member', terms_reelected: 2, birth_date: '1960-01-01' }]) {
      const ev = await call('caseworker', 'POST', `/v1/cases/${c.id}/evaluate`, { facts, as_of: '2024-06-01', answers: { role: 'member' } });
      expect(ev.statusCode, ev.body).toBe(200);
      expect(matchesSchema('CaseDecision', ev.json())).toEqual([]);
      expect(ev.json()).toMatchObject({ id: null, recorded_at: null });
    }
    expect(await decisionCount()).toBe(before);

    const sub = await call('caseworker', 'POST', `/v1/cases/${c.id}/submit`, { facts: { role: 'member', terms_reelected: 2, birth_date: '1940-01-01' }, as_of: '2024-06-01' });
    expect(sub.statusCode, sub.body).toBe(200);
    const body = sub.json() as Record<string, any>;
    expect(matchesSchema('CaseDecision', body)).toEqual([]);
    expect(body.case).toMatchObject({ state: 'submitted', decision_id: body.id, machine: { status: 'decided', outcome: 'false', display: '不享受' }, as_of: '2024-06-01' });
    expect(await decisionCount()).toBe(before + 1);
    const rec = await call('caseworker', 'GET', `/v1/decisions/${body.id}`);
    expect(rec.json()).toMatchObject({ caller: 'test-caseworker' });
    // Personal data is stored once, in the case: the decision log never sees it.
    expect(rec.body).not.toContain(ID);
    expect(rec.body).not.toContain('王小明');

    const again = await call('caseworker', 'POST', `/v1/cases/${c.id}/submit`, { facts: { role: 'member' } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'CASE_STATE' });
    const late = await call('caseworker', 'PATCH', `/v1/cases/${c.id}`, { answers: {} });
    expect(late.json()).toMatchObject({ code: 'CASE_STATE', title: expect.stringContaining('已提交') });
    expect(await decisionCount()).toBe(before + 1);
  });

  it('overrides with a corrected outcome and reason, recorded as a determination; then closes', async () => {
    const c = await open();
    const sub = (await call('caseworker', 'POST', `/v1/cases/${c.id}/submit`, { facts: { role: 'member', birth_date: '1940-01-01' }, as_of: '2024-06-01' })).json() as Record<string, any>;
    const noReason = await call('caseworker', 'POST', `/v1/cases/${c.id}/override`, { outcome: 'true', reason: '  ' });
    expect(noReason.statusCode).toBe(400);
    const bad = await call('caseworker', 'POST', `/v1/cases/${c.id}/override`, { outcome: 'maybe', reason: '理由' });
    expect(bad.json()).toMatchObject({ code: 'OVERRIDE_OUTCOME_INVALID', pointer: '/outcome' });
    expect(bad.json().title).toContain('true（享受）');
    const o = await call('caseworker', 'POST', `/v1/cases/${c.id}/override`, { outcome: 'true', reason: '出生日期登记有误，已核实户籍档案' });
    expect(o.statusCode, o.body).toBe(200);
    expect(o.json()).toMatchObject({ state: 'overridden', machine: { outcome: 'false', display: '不享受' }, override: { outcome: 'true', display: '享受', reason: '出生日期登记有误，已核实户籍档案', by: 'test-caseworker' }, outcome: 'true' });
    const rec = (await call('caseworker', 'GET', `/v1/decisions/${sub.id}`)).json() as { determinations: Array<{ agree: boolean; reason: string }> };
    expect(rec.determinations).toMatchObject([{ agree: false, reason: '改判为“享受”：出生日期登记有误，已核实户籍档案' }]);
    // The history finds it by the corrected outcome.
    const found = (await call('caseworker', 'GET', `/v1/cases?outcome=true&case_no=${c.case_no}`)).json() as { items: unknown[] };
    expect(found.items).toHaveLength(1);
    const closed = await call('caseworker', 'POST', `/v1/cases/${c.id}/close`);
    expect(closed.json()).toMatchObject({ state: 'closed' });
    expect((await call('caseworker', 'POST', `/v1/cases/${c.id}/override`, { outcome: 'false', reason: '再改' })).json()).toMatchObject({ code: 'CASE_STATE' });
  });

  it('lets only the owning caseworker or an admin change a case', async () => {
    const c = await open();
    const other = await server.app.inject({ method: 'PATCH', url: `/v1/cases/${c.id}`, headers: { authorization: `Bearer ${otherKey}` }, payload: { answers: { role: 'member' } } });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ code: 'CASE_NOT_OWNER', title: expect.stringContaining('test-caseworker') });
    const otherView = await server.app.inject({ method: 'GET', url: `/v1/cases/${c.id}`, headers: { authorization: `Bearer ${otherKey}` } });
    expect(otherView.json()).toMatchObject({ may_change: false });
    expect((await call('admin', 'PATCH', `/v1/cases/${c.id}`, { as_of: '2024-06-01' })).statusCode).toBe(200);
    expect((await call('editor', 'PATCH', `/v1/cases/${c.id}`, { as_of: '2024-06-01' })).statusCode).toBe(403);
    expect((await call('system', 'GET', `/v1/cases/${c.id}`)).statusCode).toBe(403);
  });

  it('checks the applicant: identity card checksum, name, phone, with specific errors', async () => {
    const wrong = await call('caseworker', 'POST', '/v1/cases', { ruleset: RULESET, applicant: { ...applicant, id_number: '110105194912310021' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ code: 'ID_NUMBER_INVALID', pointer: '/applicant/id_number', title: expect.stringContaining('校验位不符') });
    const phone = await call('caseworker', 'POST', '/v1/cases', { ruleset: RULESET, applicant: { ...applicant, phone: '12345' } });
    expect(phone.json()).toMatchObject({ code: 'PHONE_INVALID', pointer: '/applicant/phone' });
    const name = await call('caseworker', 'POST', '/v1/cases', { ruleset: RULESET, applicant: { ...applicant, name: '<b>x</b>' } });
    expect(name.json()).toMatchObject({ code: 'NAME_INVALID' });
    const unknown = await call('caseworker', 'POST', '/v1/cases', { ruleset: 'no-such', applicant });
    expect(unknown.json()).toMatchObject({ code: 'RULESET_NOT_FOUND' });
    const extra = await call('caseworker', 'POST', '/v1/cases', { ruleset: RULESET, applicant, x: 1 });
    expect(extra.statusCode).toBe(400);
    const full = await call('caseworker', 'POST', '/v1/cases', { ruleset: RULESET, applicant: { ...applicant, id_number: '１１０１０５１９４９１２３１００２ｘ', phone: null } });
    expect(full.json()).toMatchObject({ applicant: { id_number: ID, phone: null } });
  });

  it('finds cases by ID number, name, case number and caseworker, masked in lists and only for roles that may see personal data', async () => {
    const c = await open();
    const byId = await call('caseworker', 'GET', `/v1/cases?id_number=${ID.toLowerCase()}`);
    expect(byId.statusCode, byId.body).toBe(200);
    const list = byId.json() as { items: Array<Record<string, any>> };
    expect(matchesSchema('CaseList', list)).toEqual([]);
    expect(list.items.map((i) => i.id)).toContain(c.id);
    expect(list.items[0]?.applicant).toEqual({ name: '王小明', id_number: '110***********002X', phone: '138****5678', masked: true });
    expect(byId.body).not.toContain(ID);
    const byName = (await call('caseworker', 'GET', `/v1/cases?name=${encodeURIComponent('小明')}`)).json() as { items: unknown[] };
    expect(byName.items.length).toBeGreaterThan(0);
    const none = (await call('caseworker', 'GET', `/v1/cases?name=${encodeURIComponent('%')}`)).json() as { items: unknown[] };
    expect(none.items).toHaveLength(0);
    const byNo = (await call('caseworker', 'GET', `/v1/cases?case_no=${c.case_no}`)).json() as { items: Array<{ id: string }> };
    expect(byNo.items.map((i) => i.id)).toEqual([c.id]);
    const byTail = (await call('caseworker', 'GET', `/v1/cases?case_no=${Number(c.case_no.slice(5))}`)).json() as { items: Array<{ id: string }> };
    expect(byTail.items.map((i) => i.id)).toEqual([c.id]);
    const mine = (await call('caseworker', 'GET', `/v1/cases?caseworker=test-caseworker&state=draft&limit=1`)).json() as { items: unknown[]; next_cursor: string | null };
    expect(mine.items).toHaveLength(1);
    expect(mine.next_cursor).not.toBeNull();
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const dated = (await call('caseworker', 'GET', `/v1/cases?from=${today}&to=${today}`)).json() as { items: Array<{ id: string }> };
    expect(dated.items.map((i) => i.id)).toContain(c.id);
    expect((await call('caseworker', 'GET', `/v1/cases?from=2020-13-01`)).statusCode).toBe(400);
    expect((await call('caseworker', 'GET', `/v1/cases?id_number=123`)).json()).toMatchObject({ code: 'ID_NUMBER_INVALID' });

    // An editor may read cases, but not the applicant's personal data, nor search by it.
    const ed = await call('editor', 'GET', `/v1/cases?case_no=${c.case_no}`);
    expect((ed.json() as { items: Array<Record<string, any>> }).items[0]?.applicant).toMatchObject({ name: '王**', id_number: '110***********002X', masked: true });
    const edOne = (await call('editor', 'GET', `/v1/cases/${c.id}`)).json() as Record<string, any>;
    expect(edOne.applicant.masked).toBe(true);
    expect(JSON.stringify(edOne)).not.toContain(ID);
    expect((await call('editor', 'GET', `/v1/cases?id_number=${ID}`)).json()).toMatchObject({ code: 'PERSONAL_DATA_FORBIDDEN' });
  });

  it('answers 404 for an unknown case and documents every route in OpenAPI', async () => {
    expect((await call('caseworker', 'GET', '/v1/cases/nope')).json()).toMatchObject({ code: 'CASE_NOT_FOUND' });
    const doc = (await server.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> };
    for (const p of ['/v1/cases', '/v1/cases/{id}', '/v1/cases/{id}/evaluate', '/v1/cases/{id}/submit', '/v1/cases/{id}/override', '/v1/cases/{id}/close']) expect(doc.paths, p).toHaveProperty([p]);
  });
});
