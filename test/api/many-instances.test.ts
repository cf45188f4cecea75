import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { seedKeysFile, uniqueSchema, KEYS, EVALUATE } from './harness.js';
import { startServerProcess, post, postHeld } from './processes.js';
import { connect } from '../../src/store/sql-client.js';
import { DecisionLog } from '../../src/store/decision-log.js';

const run = promisify(execFile);
const good = [
  { facts: { role: 'secretary_or_director', terms_reelected: 1 } },
  { facts: { role: 'member', terms_reelected: 0, birth_date: '1960-03-01' } },
  { facts: { role: 'member' } },
];
const bad = [{ facts: { role: 'boss' } }, '{"facts":', '{"facts":{"role":"member","__proto__":{}}}', { facts: { role: 'member' }, as_of: '2024-13-01' }];

/** Mixed good and bad requests; returns the ids of the decisions answered 200. */
async function mixedRun(urls: readonly string[], n: number): Promise<{ ok: string[]; refused: number }> {
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const body = i % 3 === 2 ? bad[i % bad.length] : good[i % good.length];
      return post(`${urls[i % urls.length]}${EVALUATE}`, KEYS.caseworker, body);
    }),
  );
  for (const r of results) expect([200, 400]).toContain(r.status);
  return { ok: results.filter((r) => r.status === 200).map((r) => r.body.id as string), refused: results.filter((r) => r.status !== 200).length };
}

describe('a server process with the embedded database', () => {
  it('records a mixed run, shuts down on SIGTERM, and `zhidu log verify` passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-proc-'));
    const env = { ZHIDU_RULES_DIR: 'test/fixtures/good', ZHIDU_SOURCES_DIR: 'rules/sources', ZHIDU_DATA_DIR: dir, ZHIDU_KEYS_FILE: seedKeysFile(dir), DATABASE_URL: '' };
    const server = await startServerProcess(env);
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    const { ok, refused } = await mixedRun([server.url], 60);
    expect(ok.length).toBe(40);
    expect(refused).toBe(20);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const { stdout } = await run(process.execPath, ['bin/zhidu.js', 'log', 'verify', '--data-dir', dir], { env: { ...process.env, ...env } });
    expect(stdout).toMatch(/决定日志完整：40 条记录/);
  }, 180_000);
});

describe.skipIf(!process.env.DATABASE_URL)('two server processes on one PostgreSQL', () => {
  it('serve and record side by side in one unbroken chain; SIGTERM finishes in-flight requests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-pg-'));
    const schema = uniqueSchema('zm');
    // Both sign checkpoints into one file with one key, created by whichever starts first.
    const env = { ZHIDU_RULES_DIR: 'test/fixtures/good', ZHIDU_SOURCES_DIR: 'rules/sources', ZHIDU_DATA_DIR: dir, ZHIDU_KEYS_FILE: seedKeysFile(dir), DATABASE_URL: process.env.DATABASE_URL as string, ZHIDU_DB_SCHEMA: schema, ZHIDU_CHECKPOINT_EVERY: '10' };
    const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    const db = await connect({ databaseUrl: process.env.DATABASE_URL, poolSize: 2 });
    try {
      const first = await mixedRun([a!.url, b!.url], 150);
      // Requests A has accepted (head read, `100 Continue` sent) stay in flight while B serves and
      // records a run of its own, and while A is told to stop: they get their bodies only after
      // SIGTERM, and must still be answered and recorded, chained after B's records.
      const held = Array.from({ length: 6 }, (_, i) => postHeld(`${a!.url}${EVALUATE}`, KEYS.caseworker, good[i % good.length]));
      await Promise.all(held.map((h) => h.inFlight));
      const during = await mixedRun([b!.url], 30);
      a!.child.kill('SIGTERM');
      const late = await Promise.all(held.map((h) => h.release()));
      expect(await a!.exited, a!.output()).toBe(0);
      expect(late.map((r) => r.status)).toEqual(held.map(() => 200));
      const answered = late.map((r) => r.body.id as string);
      const more = await mixedRun([b!.url], 30);
      b!.child.kill('SIGTERM');
      expect(await b!.exited, b!.output()).toBe(0);

      const log = await DecisionLog.open(db, schema);
      const result = await log.verify();
      const all = [...first.ok, ...during.ok, ...answered, ...more.ok];
      expect(result).toMatchObject({ ok: true, records: all.length });
      for (const id of all) expect(await log.getDecision(id), id).not.toBeNull();
      // One chain across processes: what A recorded on release follows what B recorded meanwhile.
      const seqOf = async (ids: string[]) => Promise.all(ids.map(async (id) => (await log.getDecision(id))?.seq ?? 0));
      expect(Math.min(...(await seqOf(answered)))).toBeGreaterThan(Math.max(...(await seqOf(during.ok))));
      const callers = await db.query<{ n: string }>(`SELECT count(DISTINCT caller) AS n FROM "${schema}".log`);
      expect(Number(callers.rows[0]?.n)).toBe(1);

      const { stdout } = await run(process.execPath, ['bin/zhidu.js', 'log', 'verify'], { env: { ...process.env, ...env } });
      expect(stdout).toMatch(new RegExp(`决定日志完整：${all.length} 条记录`));
      // Every line of both processes whole and signed (verify exits 1 otherwise), the last at the final head.
      const lines = readFileSync(join(dir, 'checkpoints.jsonl'), 'utf8').trim().split('\n');
      // At least each process's checkpoint at close (a group commit of many records asks for one checkpoint).
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(stdout).toMatch(new RegExp(`${lines.length} 个与日志相符，最近一个签署到第 ${all.length} 条`));
    } finally {
      a!.child.kill('SIGKILL');
      b!.child.kill('SIGKILL');
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.close();
    }
  }, 240_000);
});

describe.skipIf(!process.env.DATABASE_URL)('ZHIDU_WORKERS=2 (node cluster on PostgreSQL)', () => {
  it('starts two workers on one port, records into one chain, and stops them on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-cluster-'));
    const schema = uniqueSchema('zc');
    const env = { ZHIDU_WORKERS: '2', ZHIDU_RULES_DIR: 'test/fixtures/good', ZHIDU_SOURCES_DIR: 'rules/sources', ZHIDU_DATA_DIR: dir, ZHIDU_KEYS_FILE: seedKeysFile(dir), DATABASE_URL: process.env.DATABASE_URL as string, ZHIDU_DB_SCHEMA: schema };
    const server = await startServerProcess(env);
    const db = await connect({ databaseUrl: process.env.DATABASE_URL, poolSize: 1 });
    try {
      // Both workers listen (the first line resolved startServerProcess; wait for the second).
      await server.until((out) => new Set(out.match(/\(worker \d+\)/g)).size >= 2);
      expect(new Set(server.output().match(/\(worker \d+\)/g)).size).toBe(2);
      const { ok } = await mixedRun([server.url], 90);
      server.child.kill('SIGTERM');
      expect(await server.exited, server.output()).toBe(0);
      const result = await (await DecisionLog.open(db, schema)).verify();
      expect(result).toMatchObject({ ok: true, records: ok.length });
    } finally {
      server.child.kill('SIGKILL');
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.close();
    }
  }, 240_000);

  it('refuses more than one worker on the embedded database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-cluster-'));
    await expect(startServerProcess({ ZHIDU_WORKERS: '2', ZHIDU_DATA_DIR: dir, DATABASE_URL: '' })).rejects.toThrow(/needs DATABASE_URL/);
  }, 60_000);
});
