import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { startTestApp, stopTestApp, as, openDb, uniqueSchema, copyRules, versionLoaded, type TestServer } from './harness.js';
import type { SqlClient } from '../../src/store/sql-client.js';

/**
 * Four eyes (issue #12): an editor submits a draft, another editor or an admin approves it with
 * a comment (never the submitter), and only then can it be published — every step an
 * append-only record shown by the API, the version live on every server sharing the database.
 */
const ID = 'committee-staffing';
const V1 = readFileSync('rules/committee-staffing.yaml', 'utf8');
const TESTS = readFileSync('rules/committee-staffing.test.yaml', 'utf8');
const draft = (version: string, effective: string, edit: (t: string) => string = (t) => t) =>
  edit(V1.replace(/^version: .*$/m, `version: ${version}`).replace(/^effective_from: .*$/m, `effective_from: "${effective}"`));

const rulesDir = () => copyRules(['rules/committee-staffing.yaml', 'rules/committee-staffing.test.yaml']);

let a: TestServer;
let b: TestServer;
let db: SqlClient;
beforeAll(async () => {
  const dir = rulesDir();
  // Two servers on one database (PGlite is in-process: they share its client).
  db = await openDb('pglite');
  const env = { ZHIDU_FOUR_EYES: 'on', ZHIDU_VERSION_POLL_MS: '100', ZHIDU_DB_SCHEMA: uniqueSchema('zt_review') };
  a = await startTestApp({ rulesDir: dir, env, db });
  b = await startTestApp({ rulesDir: dir, env, db });
  // Starting the embedded database can take a minute on a loaded machine.
}, 180_000);
afterAll(async () => {
  await b?.app.close();
  await a?.app.close();
});

type Role = Parameters<typeof as>[0];
const on = (server: TestServer, role: Role, opts: Parameters<typeof as>[1]) => server.app.inject(as(role, opts));
const url = (rest = '') => `/v1/rulesets/${ID}/reviews${rest}`;

describe('four eyes', () => {
  it('refuses to publish straight away', async () => {
    const res = await on(a, 'editor', { method: 'POST', url: `/v1/rulesets/${ID}/versions`, payload: { yaml: draft('1.1.0', '2026-01-01'), tests: TESTS } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'REVIEW_REQUIRED', detail: '须先提交审核，经另一位编辑或管理员批准后方可发布（四眼原则）' });
  });

  it('does not accept for review a draft that fails the gate, and records nothing', async () => {
    const bad = draft('1.1.0', '2026-01-01', (t) => t.replace('- { fact: residents, operator: greaterThan, value: 8000 }', '- { fact: residents, operator: greaterThan, value: 7000 }'));
    const res = await on(a, 'editor', { method: 'POST', url: url(), payload: { yaml: bad, tests: TESTS } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'PUBLISH_REJECTED', stage: 'tests' });
    expect((await on(a, 'editor', { method: 'GET', url: url() })).json().reviews).toEqual([]);
  });

  it('submit → (not by the submitter) → approve with a comment → publish; live on every server from its date', async () => {
    const yaml = draft('1.1.0', '2026-01-01');
    const submitted = await on(a, 'editor', { method: 'POST', url: url(), payload: { yaml, tests: TESTS, comment: '自2026年起施行' } });
    expect(submitted.statusCode, submitted.body).toBe(201);
    expect(submitted.json()).toMatchObject({ four_eyes: true, stage: 'passed', population: { ok: true }, review: { version: '1.1.0', state: 'submitted', state_zh: '待审核', submitted_by: 'test-editor' } });

    const again = await on(a, 'editor', { method: 'POST', url: url(), payload: { yaml, tests: TESTS } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'REVIEW_STATE', detail: 'v1.1.0 当前状态为“待审核”，不能提交审核' });

    const early = await on(a, 'editor', { method: 'POST', url: url('/1.1.0/publish') });
    expect(early.statusCode).toBe(409);
    expect(early.json().detail).toBe('v1.1.0 当前状态为“待审核”，不能发布');

    const own = await on(a, 'editor', { method: 'POST', url: url('/1.1.0/approve'), payload: { comment: '我自己看过了' } });
    expect(own.statusCode).toBe(403);
    expect(own.json()).toMatchObject({ code: 'FOUR_EYES', detail: '不能批准自己提交的版本（提交人 test-editor）：须由另一位编辑或管理员审核' });

    const silent = await on(b, 'editor2', { method: 'POST', url: url('/1.1.0/approve'), payload: {} });
    expect(silent.statusCode).toBe(400);
    expect(silent.json()).toMatchObject({ code: 'REVIEW_COMMENT_REQUIRED', detail: '批准时须填写审核意见' });
    expect((await on(b, 'caseworker', { method: 'POST', url: url('/1.1.0/approve'), payload: { comment: '同意' } })).statusCode).toBe(403);

    // The other pair of eyes, on the other server.
    const approved = await on(b, 'editor2', { method: 'POST', url: url('/1.1.0/approve'), payload: { comment: '已核对原文第39行，同意发布' } });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().review).toMatchObject({ state: 'approved', state_zh: '已批准' });

    const onB = versionLoaded(b, ID, '1.1.0');
    const published = await on(a, 'editor', { method: 'POST', url: url('/1.1.0/publish') });
    expect(published.statusCode, published.body).toBe(201);
    expect(published.json()).toMatchObject({ published: true, published_by: 'test-editor', ruleset: { version: '1.1.0', effective_from: '2026-01-01' }, review: { state: 'published' } });

    await onB;
    for (const server of [a, b]) {
      for (const [asOf, version] of [['2025-12-31', '1.0.0'], ['2026-01-01', '1.1.0']] as const) {
        const res = await on(server, 'caseworker', { method: 'POST', url: `/v1/rulesets/${ID}/evaluate`, payload: { facts: { residents: 6000 }, as_of: asOf } });
        expect(res.json().decision.ruleset.version).toBe(version);
      }
    }

    const record = (await on(b, 'editor', { method: 'GET', url: url('/1.1.0') })).json();
    expect(record.yaml).toBe(yaml);
    expect(record.events.map((e: { kind: string; actor: string; comment: string | null }) => [e.kind, e.actor, e.comment])).toEqual([
      ['submitted', 'test-editor', '自2026年起施行'],
      ['approved', 'test-editor2', '已核对原文第39行，同意发布'],
      ['published', 'test-editor', null],
    ]);
    expect(new Set(record.events.map((e: { hash: string }) => e.hash))).toEqual(new Set([a.app.zhidu.registry.get(ID, '1.1.0')?.hash]));

    // The versions listing carries each version's review: the last step, by whom, when, and every step.
    const listed = (await on(b, 'caseworker', { method: 'GET', url: `/v1/rulesets/${ID}/versions` })).json();
    const byVersion = Object.fromEntries(listed.versions.map((v: { version: string; review: unknown }) => [v.version, v.review]));
    expect(byVersion['1.0.0']).toEqual({ state: 'none', state_zh: '未提交', by: null, at: null, steps: [] });
    expect(byVersion['1.1.0']).toMatchObject({ state: 'published', state_zh: '已发布', by: 'test-editor', at: record.events[2].at });
    expect(byVersion['1.1.0'].steps.map((e: { kind: string; actor: string; at: string }) => [e.kind, e.actor, e.at])).toEqual(record.events.map((e: { kind: string; actor: string; at: string }) => [e.kind, e.actor, e.at]));
    expect(byVersion['1.1.0'].steps[1]).toMatchObject({ kind: 'approved', actor: 'test-editor2', actor_role: 'editor', comment: '已核对原文第39行，同意发布' });
  });

  it('reject with a comment, correct and submit again, withdraw — only the submitter or an admin withdraws', async () => {
    const v12 = draft('1.2.0', '2027-01-01');
    expect((await on(a, 'editor', { method: 'POST', url: url(), payload: { yaml: v12, tests: TESTS } })).statusCode).toBe(201);
    const rejected = await on(a, 'admin', { method: 'POST', url: url('/1.2.0/reject'), payload: { comment: '标题有误，请改正' } });
    expect(rejected.json().review).toMatchObject({ state: 'rejected', state_zh: '已退回' });
    expect((await on(a, 'editor', { method: 'POST', url: url('/1.2.0/publish') })).json().code).toBe('REVIEW_STATE');

    const corrected = v12.replace('title: 社区居委会职数设置与办公服务用房', 'title: 社区居委会职数设置与办公、服务用房');
    expect((await on(a, 'editor', { method: 'POST', url: url(), payload: { yaml: corrected, tests: TESTS } })).statusCode).toBe(201);
    const notYours = await on(a, 'editor2', { method: 'POST', url: url('/1.2.0/withdraw'), payload: {} });
    expect(notYours.statusCode).toBe(403);
    expect(notYours.json().code).toBe('REVIEW_NOT_SUBMITTER');
    expect((await on(a, 'editor', { method: 'POST', url: url('/1.2.0/withdraw'), payload: { comment: '暂缓' } })).json().review.state).toBe('withdrawn');

    const list = (await on(a, 'editor', { method: 'GET', url: url() })).json();
    expect(list.reviews.map((r: { version: string; state: string }) => [r.version, r.state])).toEqual([
      ['1.2.0', 'withdrawn'],
      ['1.1.0', 'published'],
    ]);
    expect(list.reviews[0].events.map((e: { kind: string }) => e.kind)).toEqual(['submitted', 'rejected', 'submitted', 'withdrawn']);
    expect(b.app.zhidu.registry.get(ID, '1.2.0')).toBeUndefined();
  });

  it('keeps every step for good', async () => {
    const s = `"${a.config.dbSchema}"`;
    await expect(db.query(`UPDATE ${s}.review_events SET comment = 'x'`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM ${s}.review_events`)).rejects.toThrow(/append-only/);
  });
});

describe('four eyes off (a single-person office)', () => {
  it('lets the submitter approve and publishes directly, each step on the record', async () => {
    const solo = await startTestApp({ rulesDir: rulesDir(), env: { ZHIDU_FOUR_EYES: 'off', ZHIDU_VERSION_POLL_MS: '0' } });
    try {
      const yaml = draft('1.1.0', '2026-01-01');
      expect((await on(solo, 'editor', { method: 'POST', url: url(), payload: { yaml, tests: TESTS } })).statusCode).toBe(201);
      const self = await on(solo, 'editor', { method: 'POST', url: url('/1.1.0/approve'), payload: { comment: '本办仅一名编辑' } });
      expect(self.statusCode, self.body).toBe(200);
      expect((await on(solo, 'editor', { method: 'POST', url: url('/1.1.0/publish') })).statusCode).toBe(201);
      const direct = await on(solo, 'editor', { method: 'POST', url: `/v1/rulesets/${ID}/versions`, payload: { yaml: draft('1.2.0', '2027-01-01'), tests: TESTS } });
      expect(direct.statusCode, direct.body).toBe(201);
      const list = (await on(solo, 'editor', { method: 'GET', url: url() })).json();
      expect(list.four_eyes).toBe(false);
      expect(list.reviews.map((r: { version: string; events: { kind: string }[] }) => [r.version, r.events.map((e) => e.kind)])).toEqual([
        ['1.2.0', ['published']],
        ['1.1.0', ['submitted', 'approved', 'published']],
      ]);
    } finally {
      await stopTestApp(solo);
    }
  });
});
