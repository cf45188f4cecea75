import { describe, it, expect } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { connect } from '../../src/store/sql-client.js';
import { as, BACKENDS, seedKeysFile, uniqueSchema } from './harness.js';

const run = promisify(execFile);

/**
 * A version served from a file is kept by content hash: after the file is
 * edited in place (same version number, other content) or removed, the
 * decisions made under it are still read, replayed and verified — a decision
 * is a function of (facts, as_of, version), and the version outlives its file.
 */
describe.each(BACKENDS)('versions served from files are kept by content hash (%s)', (backend) => {
  it('reads, replays and verifies a decision after its rule file was edited without a new version, then removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-archive-'));
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir);
    const file = join(rulesDir, 'committee-subsidy.yaml');
    copyFileSync('test/fixtures/good/committee-subsidy.yaml', file);
    const schema = uniqueSchema('za');
    const env = {
      ZHIDU_RULES_DIR: rulesDir,
      ZHIDU_SOURCES_DIR: 'rules/sources',
      ZHIDU_DATA_DIR: dir,
      ZHIDU_KEYS_FILE: seedKeysFile(dir),
      ZHIDU_DB_SCHEMA: schema,
      ZHIDU_FOUR_EYES: 'off',
      ...(backend === 'postgres' ? { DATABASE_URL: process.env.DATABASE_URL as string } : {}),
    };
    const start = () => buildApp(loadConfig(env));
    const facts = { role: 'member', terms_reelected: 2 };
    try {
      let app = await start();
      const decided = await app.inject(as('caseworker', { method: 'POST', url: '/v1/rulesets/committee-subsidy-example/evaluate?as_of=2024-06-01', payload: { facts } }));
      expect(decided.statusCode).toBe(200);
      const id = (decided.json() as { id: string }).id;
      const title = (decided.json() as { decision: { ruleset: { title: string } } }).decision.ruleset.title;
      await app.close();

      // Edited in place: another title, the version number kept — another hash.
      writeFileSync(file, readFileSync(file, 'utf8').replace('title: 居委会成员生活补贴（示例）', 'title: 居委会成员生活补贴（改）'));
      app = await start();
      const read = await app.inject(as('caseworker', { method: 'GET', url: `/v1/decisions/${id}` }));
      expect(read.statusCode, read.body).toBe(200);
      expect((read.json() as { decision: { ruleset: { title: string } } }).decision.ruleset.title).toBe(title);
      const replay = await app.inject(as('admin', { method: 'POST', url: `/v1/decisions/${id}/replay` }));
      expect(replay.statusCode, replay.body).toBe(200);
      expect((replay.json() as { recorded: { identical: boolean } }).recorded.identical).toBe(true);
      // Today's version is the edited file.
      const now = await app.inject(as('caseworker', { method: 'POST', url: '/v1/rulesets/committee-subsidy-example/evaluate?as_of=2024-06-01', payload: { facts } }));
      expect((now.json() as { decision: { ruleset: { title: string } } }).decision.ruleset.title).toBe('居委会成员生活补贴（改）');
      await app.close();

      // Verified with no rules directory at all: both versions come from the database.
      const empty = join(dir, 'no-rules');
      mkdirSync(empty);
      const { stdout } = await run(process.execPath, ['bin/zhidu.js', 'log', 'verify', '--rules', empty], {
        env: { ...process.env, DATABASE_URL: '', ...env },
      });
      expect(stdout).toMatch(/决定日志完整：2 条记录/);
    } finally {
      if (backend === 'postgres') {
        const c = await connect({ databaseUrl: process.env.DATABASE_URL, poolSize: 1 });
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.close();
      }
    }
  }, 180_000);
});
