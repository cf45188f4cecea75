import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { connect } from '../src/store/sql-client.js';
import { as, EVALUATE, startTestApp } from './api/harness.js';
import { rewriteAndRechain } from './store/tamper.js';

/** `zhidu log …` on the embedded database and checkpoints a server left in `dir`, its keys in `keysDir`. */
function zhidu(dir: string, keysDir: string, schema: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/zhidu.js', 'log', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', ZHIDU_DATA_DIR: dir, ZHIDU_KEYS_FILE: join(keysDir, 'keys.json'), ZHIDU_DB_SCHEMA: schema, ZHIDU_RULES_DIR: 'test/fixtures/good' },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('zhidu log verify against the server\'s signed checkpoints (CLI)', () => {
  it('passes an untouched log, names a rewritten one LOG_REWRITTEN, and verifies the same from an export; a changed exported checkpoint is reported', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zhidu-cli-ckpt-'));
    const server = await startTestApp({ db: await connect({ dataDir }), env: { ZHIDU_DATA_DIR: dataDir, ZHIDU_CHECKPOINT_EVERY: '3' } });
    const { dir, config } = server;
    const schema = config.dbSchema;
    for (let i = 0; i < 7; i++) {
      const r = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: { facts: { role: 'member', terms_reelected: i % 3 } } }));
      expect(r.statusCode, r.body).toBe(200);
    }
    await server.app.close();
    // The key was created on first start, beside the API keys, readable by its owner only.
    expect(statSync(config.checkpoints.keyFile).mode & 0o777).toBe(0o600);
    expect(config.checkpoints.keyFile).toBe(join(dir, 'log-signing-key.pem'));
    const lines = readFileSync(config.checkpoints.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number });
    // Every 3 records, and the final head at close.
    expect(lines.map((c) => c.seq)).toEqual([3, 6, 7]);

    const clean = zhidu(dataDir, dir, schema, 'verify');
    expect(clean.code, clean.out).toBe(0);
    expect(clean.out).toMatch(/决定日志完整：7 条记录/);
    expect(clean.out).toMatch(/3 个与日志相符，最近一个签署到第 7 条/);

    const exportFile = join(dataDir, 'export.json');
    const exported = zhidu(dataDir, dir, schema, 'checkpoints', 'export', '--out', exportFile);
    expect(exported.code, exported.out).toBe(0);
    const doc = JSON.parse(readFileSync(exportFile, 'utf8')) as { public_key: string; key_id: string; checkpoints: Array<{ seq: number; head: string }> };
    expect(doc.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(doc.checkpoints).toHaveLength(3);
    expect(readFileSync(exportFile, 'utf8')).not.toMatch(/PRIVATE KEY/);

    const db = await connect({ dataDir });
    await rewriteAndRechain(db, `"${schema}"`, 5, 'test-caseworker', 'test-mallory');
    await db.close();

    const rewritten = zhidu(dataDir, dir, schema, 'verify');
    expect(rewritten.code, rewritten.out).toBe(1);
    expect(rewritten.out).toMatch(/错误 \[LOG_REWRITTEN\]：决定日志被改写：检查点签署的第 6 条记录的链哈希为 [0-9a-f]{64}，按现有记录重算为 [0-9a-f]{64}：第 4–6 条记录中有记录被改动/);
    expect(rewritten.out).toMatch(/1 个与日志相符，最近一个签署到第 3 条/);

    // An auditor elsewhere, with the export and the public key only.
    const audited = zhidu(dataDir, dir, schema, 'verify', '--checkpoints', exportFile, '--public-key', exportFile);
    expect(audited.code, audited.out).toBe(1);
    expect(audited.out).toMatch(/\[LOG_REWRITTEN\][^\n]*第 6 条/);

    const forged = { ...doc, checkpoints: doc.checkpoints.map((c) => (c.seq === 3 ? { ...c, head: '0'.repeat(64) } : c)) };
    const forgedFile = join(dataDir, 'forged.json');
    writeFileSync(forgedFile, JSON.stringify(forged));
    const checked = zhidu(dataDir, dir, schema, 'verify', '--checkpoints', forgedFile, '--public-key', exportFile);
    expect(checked.code, checked.out).toBe(1);
    expect(checked.out).toMatch(/错误 \[CHECKPOINT_SIGNATURE\]：检查点签名无效：检查点文件第 1 行（签署第 3 条记录/);
    // The forged checkpoint holds nothing: the rewrite is still found against the others, from record 1.
    expect(checked.out).toMatch(/\[LOG_REWRITTEN\][^\n]*第 1–6 条/);
  }, 240_000);
});
