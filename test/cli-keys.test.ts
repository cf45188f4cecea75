import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateKeys } from '../server/api-keys.js';

/** `zhidu keys` against a keys file the server then reads. */
function keys(file: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/zhidu.js', 'keys', ...args, '--file', file], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('zhidu keys (CLI)', () => {
  it('adds a key shown once and stored hashed, lists names and roles, revokes by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-cli-keys-'));
    const file = join(dir, 'keys.json');
    const added = keys(file, 'add', '--role', 'caseworker', '--name', '张三', '--json');
    expect(added.code, added.err).toBe(0);
    const { key, name, role } = JSON.parse(added.out) as { key: string; name: string; role: string };
    expect({ name, role }).toEqual({ name: '张三', role: 'caseworker' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(key);
    expect(statSync(file).mode & 0o077).toBe(0);
    // The server accepts the key and knows whose it is.
    expect(loadOrCreateKeys(file).keys.lookup(key)).toMatchObject({ name: '张三', role: 'caseworker' });
    // No temp file is left beside the keys file.
    expect(readdirSync(dir)).toEqual(['keys.json']);

    const again = keys(file, 'add', '--role', 'admin', '--name', '张三');
    expect(again.code).toBe(2);
    expect(again.err).toContain('名称已存在');

    const plain = keys(file, 'add', '--role', 'editor', '--name', '李四');
    expect(plain.code, plain.err).toBe(0);
    expect(plain.out).toMatch(/只显示这一次[\s\S]*zhidu_[A-Za-z0-9_-]{32}/);

    const list = keys(file, 'list', '--json');
    expect(JSON.parse(list.out)).toEqual([
      { name: '张三', role: 'caseworker' },
      { name: '李四', role: 'editor' },
    ]);
    expect(list.out).not.toMatch(/[0-9a-f]{64}/);

    const revoked = keys(file, 'revoke', '张三');
    expect(revoked.code, revoked.err).toBe(0);
    expect(loadOrCreateKeys(file).keys.lookup(key)).toBeUndefined();
    expect(JSON.parse(keys(file, 'list', '--json').out)).toEqual([{ name: '李四', role: 'editor' }]);
    expect(keys(file, 'revoke', '张三')).toMatchObject({ code: 2, err: expect.stringContaining('没有名为「张三」的密钥') });
  });

  it('refuses an unknown role and a bad rate limit', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'zhidu-cli-keys-')), 'keys.json');
    expect(keys(file, 'add', '--role', 'root', '--name', 'x')).toMatchObject({ code: 2, err: expect.stringContaining('角色无效') });
    expect(keys(file, 'add', '--role', 'system', '--name', 'x', '--rate-limit', '0')).toMatchObject({ code: 2, err: expect.stringContaining('正整数') });
    const ok = keys(file, 'add', '--role', 'system', '--name', 'batch', '--rate-limit', '50', '--json');
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(keys(file, 'list', '--json').out)).toEqual([{ name: 'batch', role: 'system', rate_limit: 50 }]);
  });

  it('refuses to revoke the last admin key, and allows it once there is another', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'zhidu-cli-keys-')), 'keys.json');
    expect(keys(file, 'add', '--role', 'admin', '--name', '管理员甲').code).toBe(0);
    expect(keys(file, 'revoke', '管理员甲')).toMatchObject({ code: 2, err: expect.stringContaining('不能吊销最后一个管理员密钥') });
    expect(keys(file, 'add', '--role', 'admin', '--name', '管理员乙').code).toBe(0);
    expect(keys(file, 'revoke', '管理员甲').code).toBe(0);
    expect(JSON.parse(keys(file, 'list', '--json').out)).toEqual([{ name: '管理员乙', role: 'admin' }]);
  });
});
