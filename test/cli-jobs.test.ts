import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServerProcess, type ServerProcess } from './api/processes.js';
import { copyRules, seedKeysFile, KEYS, RULESET, SUBSIDY_FILES } from './api/harness.js';
import { connect } from '../src/store/sql-client.js';

/**
 * `zhidu jobs` against a real server process: submit an impact job and follow it to its
 * report; Ctrl-C on a watching CLI cancels the job on the server; refusals read in Chinese.
 */
const DRAFT = 'test/fixtures/versions/committee-subsidy-v1.1.yaml';
let server: ServerProcess;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zhidu-cli-jobs-'));
  server = await startServerProcess({ ZHIDU_RULES_DIR: copyRules([...SUBSIDY_FILES]), ZHIDU_SOURCES_DIR: 'rules/sources', ZHIDU_DATA_DIR: dir, ZHIDU_KEYS_FILE: seedKeysFile(dir), DATABASE_URL: '', ZHIDU_VERSION_POLL_MS: '0' });
}, 120_000);
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
});

interface Cli {
  readonly code: Promise<number | null>;
  readonly out: () => string;
  readonly err: () => string;
  readonly kill: (signal: NodeJS.Signals) => void;
  /** Resolves once stderr contains the text. */
  readonly said: (text: string) => Promise<void>;
}

function cli(...args: string[]): Cli {
  const child = spawn(process.execPath, ['bin/zhidu.js', 'jobs', ...args, '--server', server.url, '--key', KEYS.editor], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of waiting.splice(0)) if (err.includes(w.text)) w.resolve();
    else waiting.push(w);
  });
  const code = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return {
    code,
    out: () => out,
    err: () => err,
    kill: (s) => child.kill(s),
    said: (text) => (err.includes(text) ? Promise.resolve() : new Promise((resolve) => waiting.push({ text, resolve }))),
  };
}

async function job(id: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/v1/impact-jobs/${id}`, { headers: { authorization: `Bearer ${KEYS.editor}` } });
  return (await res.json()) as Record<string, unknown>;
}

describe('zhidu jobs', () => {
  it('submit follows the job to its end and prints the report the server keeps', async () => {
    const run = cli('submit', RULESET, '--to', DRAFT, '--from', '1.0.0', '--as-of', '2025-06-01', '--count', '3000', '--seed', '5', '--json');
    expect(await run.code, run.err()).toBe(0);
    const report = JSON.parse(run.out()) as { records: number; changed: number };
    expect(report.records).toBe(3000);
    expect(report.changed).toBeGreaterThan(0);
    const id = /已提交任务 ([0-9a-f-]{36})/.exec(run.err())?.[1] as string;
    expect(run.err()).toContain(`任务 ${id}：已完成（3000 条）`);
    const kept = await (await fetch(`${server.url}/v1/impact-jobs/${id}/report`, { headers: { authorization: `Bearer ${KEYS.editor}` } })).json();
    expect(report).toEqual(kept);
  }, 180_000);

  it('Ctrl-C on a watching CLI cancels the job on the server', async () => {
    const submitted = cli('submit', RULESET, '--to', DRAFT, '--from', '1.0.0', '--count', '2000000', '--no-wait');
    expect(await submitted.code, submitted.err()).toBe(0);
    const id = submitted.out().trim();
    const watching = cli('watch', id);
    await watching.said('正在跟踪任务');
    // Under way on the server (its first heartbeat) before the interrupt.
    for (let j = await job(id); !(j.status === 'running' && (j.progress as { done: number }).done > 0); j = await job(id)) await new Promise((r) => setTimeout(r, 100));
    watching.kill('SIGINT');
    expect(await watching.code, watching.err()).toBe(130);
    expect(watching.err()).toContain('正在取消任务');
    expect(watching.err()).toContain(`任务 ${id}：已取消`);
    expect(await job(id)).toMatchObject({ status: 'cancelled' });

    const again = cli('cancel', id);
    expect(await again.code).toBe(2);
    expect(again.err()).toMatch(/服务器拒绝（409 IMPACT_JOB_ENDED）/);
  }, 180_000);

  it.skipIf(!process.env.DATABASE_URL)('on PostgreSQL, one server alone runs a job through the queue with its own worker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-cli-jobs-pg-'));
    const schema = `zt_cli_jobs_${process.pid}`;
    const pg = await startServerProcess({ ZHIDU_RULES_DIR: copyRules([...SUBSIDY_FILES]), ZHIDU_SOURCES_DIR: 'rules/sources', ZHIDU_DATA_DIR: dir, ZHIDU_KEYS_FILE: seedKeysFile(dir), DATABASE_URL: process.env.DATABASE_URL as string, ZHIDU_DB_SCHEMA: schema, ZHIDU_VERSION_POLL_MS: '0', ZHIDU_IMPACT_CHUNK: '1000' });
    try {
      const direct = cli('submit', RULESET, '--to', DRAFT, '--from', '1.0.0', '--as-of', '2025-06-01', '--count', '3000', '--seed', '5', '--json');
      const viaQueue = spawn(process.execPath, ['bin/zhidu.js', 'jobs', 'submit', RULESET, '--to', DRAFT, '--from', '1.0.0', '--as-of', '2025-06-01', '--count', '3000', '--seed', '5', '--json', '--server', pg.url, '--key', KEYS.editor], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      viaQueue.stdout.on('data', (d: Buffer) => (out += d.toString()));
      viaQueue.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => viaQueue.on('exit', (c) => resolve(c)));
      expect(code, err + pg.output()).toBe(0);
      expect(await direct.code).toBe(0);
      const timeless = (text: string) => ({ ...(JSON.parse(text) as Record<string, unknown>), elapsed_ms: 0, records_per_second: 0 });
      // Three chunks of 1,000 through pg-boss, merged: the report of the in-process run on PGlite.
      expect(timeless(out)).toEqual(timeless(direct.out()));
      const id = /已提交任务 ([0-9a-f-]{36})/.exec(err)?.[1];
      const db = await connect({ databaseUrl: process.env.DATABASE_URL, poolSize: 1 });
      try {
        const { rows } = await db.query<{ status: string; worker: string }>(`SELECT status, worker FROM ${schema}.impact_chunk WHERE job_id = $1`, [id]);
        expect(rows.map((r) => r.status)).toEqual(['done', 'done', 'done']);
        await db.query(`DROP SCHEMA ${schema} CASCADE`);
        await db.query(`DROP SCHEMA ${schema}_boss CASCADE`);
      } finally {
        await db.close();
      }
    } finally {
      pg.child.kill('SIGTERM');
      await pg.exited;
    }
  }, 240_000);

  it('says what is wrong with the command line, in Chinese', async () => {
    const both = cli('submit', RULESET, '--to', DRAFT, '--to-version', '1.0.0', '--count', '10');
    expect(await both.code).toBe(2);
    expect(both.err()).toContain('--to <草稿文件> 与 --to-version <版本> 二选一');
    expect(readFileSync(DRAFT, 'utf8')).toContain('version: 1.1.0');
  }, 60_000);
});
