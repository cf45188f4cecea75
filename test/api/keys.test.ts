import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { as, EVALUATE, startTestApp, stopTestApp, type TestServer } from './harness.js';

describe('keys API (admin)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(async () => stopTestApp(server));

  it('adds a key that works at once, is stored only hashed, and is recorded as the caller', async () => {
    const { app, config } = server;
    const created = await app.inject(as('admin', { method: 'POST', url: '/v1/keys', payload: { name: '张三', role: 'caseworker' } }));
    expect(created.statusCode, created.body).toBe(201);
    const { key, name, role } = created.json() as { key: string; name: string; role: string };
    expect({ name, role }).toEqual({ name: '张三', role: 'caseworker' });
    expect(key).toMatch(/^zhidu_[A-Za-z0-9_-]{32}$/);
    expect(readFileSync(config.keysFile, 'utf8')).not.toContain(key);

    // No wait for the file check interval: the server that wrote the file reads it now.
    const who = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${key}` } });
    expect(who.json()).toMatchObject({ name: '张三', role: 'caseworker' });
    const decided = await app.inject({ method: 'POST', url: EVALUATE, headers: { authorization: `Bearer ${key}` }, payload: { facts: { role: 'member' } } });
    expect(decided.statusCode, decided.body).toBe(200);
    const id = (decided.json() as { id: string }).id;
    const record = await app.inject(as('admin', { method: 'GET', url: `/v1/decisions/${id}` }));
    expect(record.json()).toMatchObject({ caller: '张三' });

    const list = await app.inject(as('admin', { method: 'GET', url: '/v1/keys' }));
    expect(list.statusCode).toBe(200);
    const keys = (list.json() as { keys: Array<Record<string, unknown>> }).keys;
    expect(keys).toContainEqual({ name: '张三', role: 'caseworker' });
    expect(list.body).not.toMatch(/[0-9a-f]{64}/);
    expect(list.body).not.toContain(key);
  });

  it('refuses a taken name, an unknown role and a non-admin caller, changing nothing', async () => {
    const { app, config } = server;
    const before = readFileSync(config.keysFile, 'utf8');
    const taken = await app.inject(as('admin', { method: 'POST', url: '/v1/keys', payload: { name: 'test-editor', role: 'editor' } }));
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: 'KEY_NAME_TAKEN' });
    expect(taken.headers['content-type']).toContain('application/problem+json');
    const badRole = await app.inject(as('admin', { method: 'POST', url: '/v1/keys', payload: { name: '王五', role: 'root' } }));
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json()).toMatchObject({ code: 'REQUEST_INVALID' });
    const blank = await app.inject(as('admin', { method: 'POST', url: '/v1/keys', payload: { name: '   ', role: 'editor' } }));
    expect(blank.statusCode).toBe(400);
    for (const role of ['caseworker', 'editor', 'system'] as const) {
      const r = await app.inject(as(role, { method: 'POST', url: '/v1/keys', payload: { name: `x-${role}`, role: 'admin' } }));
      expect(r.statusCode, role).toBe(403);
      expect((await app.inject(as(role, { method: 'GET', url: '/v1/keys' }))).statusCode, role).toBe(403);
    }
    expect(readFileSync(config.keysFile, 'utf8')).toBe(before);
  });

  it('revokes a key, which then stops working; the last admin key cannot be revoked', async () => {
    const { app } = server;
    const made = (await app.inject(as('admin', { method: 'POST', url: '/v1/keys', payload: { name: '李四', role: 'editor' } }))).json() as { key: string };
    const revoked = await app.inject(as('admin', { method: 'DELETE', url: `/v1/keys/${encodeURIComponent('李四')}` }));
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json()).toEqual({ name: '李四', role: 'editor' });
    expect((await app.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${made.key}` } })).statusCode).toBe(401);
    const again = await app.inject(as('admin', { method: 'DELETE', url: `/v1/keys/${encodeURIComponent('李四')}` }));
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ code: 'KEY_NOT_FOUND' });

    const last = await app.inject(as('admin', { method: 'DELETE', url: '/v1/keys/test-admin' }));
    expect(last.statusCode).toBe(409);
    expect(last.json()).toMatchObject({ code: 'KEY_LAST_ADMIN' });
    expect((await app.inject(as('admin', { method: 'GET', url: '/v1/whoami' }))).statusCode).toBe(200);

    // With a second admin, the first may go.
    const second = (await app.inject(as('admin', { method: 'POST', url: '/v1/keys', payload: { name: '管理员二', role: 'admin' } }))).json() as { key: string };
    const gone = await app.inject({ method: 'DELETE', url: '/v1/keys/test-admin', headers: { authorization: `Bearer ${second.key}` } });
    expect(gone.statusCode, gone.body).toBe(200);
    expect((await app.inject(as('admin', { method: 'GET', url: '/v1/whoami' }))).statusCode).toBe(401);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/keys'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/keys/{name}'] ?? {})).toEqual(['delete']);
  });
});
