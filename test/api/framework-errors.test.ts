import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { connect as connectDb } from '../../src/store/sql-client.js';
import { seedKeysFile, uniqueSchema, KEYS } from './harness.js';

/**
 * Paths an attacker sends without a key, over a real socket so that nothing
 * normalises them first: each is answered with problem+json and its own code,
 * and none leaves an error-level line in the log (issue #15 item 6).
 */
const lines: Array<{ level: number; msg?: string }> = [];
let app: FastifyInstance;
let port = 0;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zhidu-fw-'));
  const config = loadConfig({ ZHIDU_RULES_DIR: 'test/fixtures/good', ZHIDU_SOURCES_DIR: 'rules/sources', ZHIDU_DATA_DIR: dir, ZHIDU_KEYS_FILE: seedKeysFile(dir), ZHIDU_DB_SCHEMA: uniqueSchema(), ZHIDU_LOG_LEVEL: 'info' });
  app = await buildApp(config, { db: await connectDb({ memory: true }), logger: true, logStream: { write: (line: string) => lines.push(JSON.parse(line)) } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await app.close();
});

/** One raw HTTP/1.1 request, the target exactly as written. */
function raw(target: string, method = 'GET', headers: Record<string, string> = {}, to = port): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(to, '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (data += d));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0);
      const type = /\r\ncontent-type: ([^\r]+)/i.exec(head)?.[1] ?? '';
      resolve({ status, type, body });
    });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}content-length: 0\r\n\r\n`);
  });
}

describe('framework and plugin refusals are problem+json with their own status and code', () => {
  // Where the static files plugin or the router refuses a path first can vary
  // with the files served; either answer is the client's mistake with its code.
  const EITHER: Record<string, Array<[number, string]>> = {
    '/%00': [[403, 'PATH_FORBIDDEN'], [400, 'URL_INVALID']],
    '//etc/passwd': [[403, 'PATH_FORBIDDEN'], [404, 'ROUTE_NOT_FOUND']],
  };
  const cases: Array<[string, number, string, string?]> = [
    ['/%00', 403, 'PATH_FORBIDDEN'],
    ['/%2e%2e/%2e%2e/package.json', 403, 'PATH_FORBIDDEN'],
    ['/../x', 403, 'PATH_FORBIDDEN'],
    ['//etc/passwd', 403, 'PATH_FORBIDDEN'],
    ['/%', 400, 'URL_INVALID'],
    ['/%E0%A4%A', 400, 'URL_INVALID'],
    [`/v1/rulesets/${'a'.repeat(300)}/evaluate`, 414, 'URL_TOO_LONG', 'POST'],
    ['/no/such/route', 404, 'ROUTE_NOT_FOUND'],
  ];
  for (const [target, status, code, method] of cases) {
    it(`${method ?? 'GET'} ${target.slice(0, 40)} → ${status} ${code}`, async () => {
      const before = lines.length;
      const res = await raw(target, method, method === 'POST' ? { authorization: `Bearer ${KEYS.caseworker}` } : {});
      expect(res.type).toMatch(/^application\/problem\+json/);
      const p = JSON.parse(res.body);
      expect(EITHER[target] ?? [[status, code]], res.body).toContainEqual([res.status, p.code]);
      expect(p.status).toBe(res.status);
      expect(res.body).not.toMatch(/at .*\.(js|ts):\d+/);
      // A refusal is the client's mistake: nothing at error level (50) or above in the log.
      expect(lines.slice(before).filter((l) => l.level >= 50)).toEqual([]);
    });
  }
});

describe('while the server closes', () => {
  it('a request still arriving is answered 503 SERVER_CLOSING in problem+json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-close-'));
    const config = loadConfig({ ZHIDU_RULES_DIR: 'test/fixtures/good', ZHIDU_SOURCES_DIR: 'rules/sources', ZHIDU_DATA_DIR: dir, ZHIDU_KEYS_FILE: seedKeysFile(dir), ZHIDU_DB_SCHEMA: uniqueSchema() });
    const other = await buildApp(config, { db: await connectDb({ memory: true }) });
    let answered: { status: number; type: string; body: string } | undefined;
    // preClose hooks run in order: the server's own (which marks it closing) first, then this one,
    // before the listening socket is closed: this request arrives as a late one would.
    other.addHook('preClose', async () => {
      answered = await raw('/health', 'GET', {}, (other.server.address() as { port: number }).port);
    });
    await other.listen({ host: '127.0.0.1', port: 0 });
    await other.close();
    expect(answered?.status).toBe(503);
    expect(answered?.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answered?.body ?? '{}').code).toBe('SERVER_CLOSING');
  });
});
