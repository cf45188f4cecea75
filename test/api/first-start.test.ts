import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { loadOrCreateKeys } from '../../server/api-keys.js';
import { connect } from '../../src/store/sql-client.js';

describe('first start', () => {
  it('creates a keys file with one admin key, stored hashed, and hands the key out once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-first-'));
    const config = loadConfig({ ZHIDU_RULES_DIR: 'test/fixtures/good', ZHIDU_SOURCES_DIR: 'rules/sources', ZHIDU_DATA_DIR: dir });
    expect(config.keysFile).toBe(join(dir, 'keys.json'));
    const created: string[] = [];
    const app = await buildApp(config, { db: await connect({ memory: true }), onAdminKeyCreated: (key) => created.push(key) });
    try {
      expect(created).toHaveLength(1);
      const key = created[0] as string;
      const file = readFileSync(config.keysFile, 'utf8');
      expect(file).not.toContain(key);
      expect(JSON.parse(file).keys).toEqual([{ name: 'admin', role: 'admin', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
      expect(statSync(config.keysFile).mode & 0o077).toBe(0);
      const who = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${key}` } });
      expect(who.json()).toMatchObject({ name: 'admin', role: 'admin' });
      // Second start: the file is read, no new key.
      const again = loadOrCreateKeys(config.keysFile);
      expect(again.createdAdminKey).toBeUndefined();
      expect(again.keys.lookup(key)?.role).toBe('admin');
    } finally {
      await app.close();
    }
  });

  it.each([
    ['{"keys": [{"name": "x", "role": "root", "sha256": "' + 'a'.repeat(64) + '"}]}', /role must be one of/],
    ['{"keys": [{"name": "x", "role": "admin", "sha256": "plain-key"}]}', /sha256 must be 64/],
    ['[1]', /must be \{"keys"/],
    ['{', /not valid JSON/],
  ])('refuses a malformed keys file %s', async (text, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-keys-'));
    const file = join(dir, 'keys.json');
    (await import('node:fs')).writeFileSync(file, text);
    expect(() => loadOrCreateKeys(file)).toThrow(message);
  });
});
