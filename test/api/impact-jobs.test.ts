import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { startTestApp, as, copyRules, RULESET, V11, type TestServer } from './harness.js';
import { connect } from '../../src/store/sql-client.js';
import { loadRuleSet, SourceTexts } from '../../src/index.js';
import { runImpact } from '../../src/impact/run-impact.js';
import { generatePopulation } from '../../src/impact/population-generator.js';
import type { ImpactJobRunner } from '../../src/impact/job-runner.js';

/** Impact as a job: 202 at once, progress, cancel, and a report kept in the database across a restart. */
const rules = copyRules();
const data = mkdtempSync(join(tmpdir(), 'zhidu-jobs-'));
const env = { ZHIDU_VERSION_POLL_MS: '0', ZHIDU_DB_SCHEMA: 'zt_jobs' };
let server: TestServer;
const start = async () => startTestApp({ rulesDir: rules, env, db: await connect({ dataDir: data }) });
beforeAll(async () => {
  server = await start();
});
afterAll(async () => server.app.close());

const inject = (role: Parameters<typeof as>[0], opts: Parameters<typeof as>[1]) => server.app.inject(as(role, opts));
const submit = (population: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  inject('editor', { method: 'POST', url: '/v1/impact-jobs', payload: { ruleset: RULESET, to: { yaml: V11 }, from: '1.0.0', as_of: '2025-06-01', population, ...extra } });

describe('POST /v1/impact-jobs', () => {
  let id = '';
  it('answers 202 at once with the job and where to follow it', async () => {
    const res = await submit({ count: 3000, seed: 5 });
    expect(res.statusCode).toBe(202);
    const job = res.json();
    expect(res.headers.location).toBe(`/v1/impact-jobs/${job.id}`);
    expect(job).toMatchObject({ ruleset: RULESET, from_version: '1.0.0', to_version: '1.1.0', draft: true, as_of: '2025-06-01', population: '生成 3000 人（种子 5）', created_by: 'test-editor' });
    expect(['queued', 'running']).toContain(job.status);
    expect(job.progress.total).toBe(3000);
    id = job.id;
  });

  it('finishes with the report a direct run gives, kept and listed', async () => {
    await server.app.zhidu.impactJobs.settled(id);
    const job = (await inject('editor', { method: 'GET', url: `/v1/impact-jobs/${id}` })).json();
    expect(job).toMatchObject({ status: 'done', progress: { done: 3000, total: 3000, eta_seconds: 0 }, error: null });
    expect(job.progress.rate).toBeGreaterThan(0);
    const report = (await inject('editor', { method: 'GET', url: `/v1/impact-jobs/${id}/report` })).json();
    const sources = new SourceTexts('rules/sources');
    const v1 = loadRuleSet('c.yaml', readFileSync('test/fixtures/good/committee-subsidy.yaml', 'utf8'), { sources });
    const v2 = loadRuleSet('draft.yaml', V11, { sources });
    if (!v1.ok || !v2.ok) throw new Error('fixtures');
    const draft = v2.ruleSet;
    async function* people() {
      let line = 0;
      for (const facts of generatePopulation(draft.definition, 3000, { seed: 5, asOf: '2025-06-01' })) yield { line: ++line, facts };
    }
    const direct = await runImpact(people(), { from: v1.ruleSet, to: draft, asOf: '2025-06-01' });
    const timeless = (r: Record<string, unknown>) => ({ ...r, elapsed_ms: 0, records_per_second: 0 });
    expect(timeless(report)).toEqual(timeless(JSON.parse(JSON.stringify(direct))));
    expect(report.changed).toBeGreaterThan(0);
    const list = (await inject('editor', { method: 'GET', url: `/v1/impact-jobs?ruleset=${RULESET}&limit=5` })).json();
    expect(list.jobs[0]).toMatchObject({ id, status: 'done', summary: { records: 3000, changed: report.changed } });
  });

  it('streams progress as server-sent events, ending with the job', async () => {
    const res = await inject('editor', { method: 'GET', url: `/v1/impact-jobs/${id}/events` });
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(res.body).toMatch(/^event: progress\ndata: \{/);
    const end = /event: end\ndata: (.*)\n\n$/.exec(res.body);
    expect(JSON.parse(end?.[1] ?? 'null')).toMatchObject({ id, status: 'done' });
  });

  it('cancels a running job between batches; it has no report', async () => {
    // This server runs on PGlite: jobs run in its own process, which emits their progress.
    const runner = server.app.zhidu.impactJobs as ImpactJobRunner;
    const res = await submit({ count: 2_000_000, seed: 1 });
    const job = res.json();
    // Wait for the job to be under way (its first heartbeat), then cancel it.
    for (;;) {
      const [jobId, done] = (await once(runner, 'progress')) as [string, number];
      if (jobId === job.id && done > 0) break;
    }
    const cancel = await inject('editor', { method: 'POST', url: `/v1/impact-jobs/${job.id}/cancel` });
    expect(cancel.statusCode).toBe(202);
    await runner.settled(job.id);
    const after = (await inject('editor', { method: 'GET', url: `/v1/impact-jobs/${job.id}` })).json();
    expect(after.status).toBe('cancelled');
    expect(after.progress.done).toBeLessThan(2_000_000);
    const report = await inject('editor', { method: 'GET', url: `/v1/impact-jobs/${job.id}/report` });
    expect(report.statusCode).toBe(409);
    expect(report.json()).toMatchObject({ code: 'IMPACT_JOB_NOT_DONE' });
    expect(report.json().title ?? report.json().detail).toContain('已取消');
    const again = await inject('editor', { method: 'POST', url: `/v1/impact-jobs/${job.id}/cancel` });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'IMPACT_JOB_ENDED' });
  }, 300_000);

  it('refuses an unknown job, a caseworker, and a draft of another rule set', async () => {
    const missing = await inject('editor', { method: 'GET', url: '/v1/impact-jobs/00000000-0000-4000-8000-000000000000/report' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'IMPACT_JOB_NOT_FOUND' });
    const caseworker = await server.app.inject(as('caseworker', { method: 'GET', url: '/v1/impact-jobs' }));
    expect(caseworker.statusCode).toBe(403);
    const bad = await submit({ count: 0 });
    expect(bad.statusCode).toBe(400);
  });

  it('refuses an upload with bad rows before starting, naming each by row and column', async () => {
    const csv = 'role,terms_reelected,birth_date,as_of\nsecretary_or_director,0,,\nchairman,0,,\nmember,x,,\nmember,0,1958-13-01,2025-06-01\n';
    const res = await submit({ upload: { format: 'csv', text: csv } });
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.code).toBe('POPULATION_INVALID');
    expect(body.problems.map((p: { row: number; column?: number; fact?: string }) => [p.row, p.column, p.fact])).toEqual([
      [3, 1, 'role'],
      [4, 2, 'terms_reelected'],
      [5, 3, 'birth_date'],
    ]);
    expect(body.problems[1].text).toBe('第 4 行第 2 列（terms_reelected）：“连任届数”应为数字，实际为“x”');
    expect(body.problems[0].text).toMatch(/^第 3 行第 1 列（role）：.*职务/);
    const unknownColumn = (await submit({ upload: { format: 'csv', text: 'role,salary\nmember,1\n' } })).json();
    expect(unknownColumn.problems[0]).toMatchObject({ row: 1, column: 2, fact: 'salary' });
    const badJson = (await submit({ upload: { format: 'ndjson', text: '{"role":"member","terms_reelected":0}\n{"role": \n[1]\n' } })).json();
    expect(badJson.problems.map((p: { row: number }) => p.row)).toEqual([2, 3]);
  });

  it('runs on uploaded real records (CSV, with a per-record decision date) and on recorded decisions', async () => {
    const csv = '\uFEFFrole,terms_reelected,birth_date,as_of\r\nsecretary_or_director,0,,\r\ndeputy_director,1,,\r\nmember,0,1958-01-01,2025-06-01\r\nmember,0,1985-01-01,\r\n';
    const res = await submit({ upload: { format: 'csv', text: csv } });
    expect(res.statusCode).toBe(202);
    const job = res.json();
    expect(job.population).toBe('上传的 4 条记录（CSV）');
    await server.app.zhidu.impactJobs.settled(job.id);
    const report = (await inject('editor', { method: 'GET', url: `/v1/impact-jobs/${job.id}/report` })).json();
    expect({ records: report.records, changed: report.changed, invalid: report.invalid }).toEqual({ records: 4, changed: 3, invalid: 0 });

    for (const facts of [{ role: 'secretary_or_director', terms_reelected: 0 }, { role: 'deputy_director', terms_reelected: 0 }, { role: 'member', terms_reelected: 0, birth_date: '1958-01-01' }]) {
      const r = await server.app.inject(as('caseworker', { method: 'POST', url: `/v1/rulesets/${RULESET}/evaluate`, payload: { facts, as_of: '2025-03-01' } }));
      expect(r.statusCode).toBe(200);
    }
    const fromLog = (await submit({ decisions: { from: '2000-01-01' } })).json();
    expect(fromLog.progress.total).toBe(3);
    await server.app.zhidu.impactJobs.settled(fromLog.id);
    const r2 = (await inject('editor', { method: 'GET', url: `/v1/impact-jobs/${fromLog.id}/report` })).json();
    expect(r2).toMatchObject({ records: 3, changed: 3, outcome: { newly_eligible: 1, no_longer_eligible: 1 } });
  });

  it('keeps the report across a restart of the server', async () => {
    const before = (await inject('editor', { method: 'GET', url: `/v1/impact-jobs/${id}/report` })).json();
    await server.app.close();
    server = await start();
    const res = await inject('editor', { method: 'GET', url: `/v1/impact-jobs/${id}/report` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(before);
  }, 120_000);
});
