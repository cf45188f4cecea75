import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKeys, loadOrCreateKeys } from '../server/api-keys.js';
import { addKey, revokeKey } from '../server/keys-file.js';

describe('a running server follows the keys file', () => {
  it('picks up added and revoked keys once the check interval has passed, and keeps the old keys when the file is broken', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'zhidu-reload-')), 'keys.json');
    const { createdAdminKey } = loadOrCreateKeys(file);
    let clock = 0;
    const keys = new FileKeys(file, loadOrCreateKeys(file).keys, 1000, () => clock);
    const { key } = addKey(file, { name: '张三', role: 'caseworker' });
    // Within the interval the file is not looked at.
    clock = 999;
    expect(keys.lookup(key)).toBeUndefined();
    clock = 1000;
    expect(keys.lookup(key)).toMatchObject({ name: '张三', role: 'caseworker' });

    revokeKey(file, '张三');
    clock = 2000;
    expect(keys.lookup(key)).toBeUndefined();

    writeFileSync(file, '{ not json');
    clock = 3000;
    expect(keys.lookup(createdAdminKey as string)).toMatchObject({ name: 'admin' });
  });
});

describe('first-start message', () => {
  it('says where to open the app and how to sign in', async () => {
    const { firstStartMessage } = await import('../server/first-start-message.js');
    const text = firstStartMessage('zhidu_abc', '/d/keys.json', '0.0.0.0', 3000);
    expect(text).toContain('zhidu_abc');
    expect(text).toContain('打开 http://localhost:3000/ ，在登录页粘贴上面的密钥即可登录');
    expect(text).toContain('zhidu keys add --role caseworker --name 张三');
    expect(firstStartMessage('k', 'f', '::1', 8080)).toContain('http://[::1]:8080/');
  });
});
