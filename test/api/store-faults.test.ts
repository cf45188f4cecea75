import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import pg from 'pg';
import { startTestApp, as, EVALUATE, seedKeysFile, uniqueSchema, KEYS, type TestServer } from './harness.js';
import { startServerProcess, post } from './processes.js';
import { matchesSchema } from './response-schemas.js';
import { connect, type SqlClient } from '../../src/store/sql-client.js';
import { DecisionLog } from '../../src/store/decision-log.js';
import { TcpFaultProxy, type FaultMode } from '../support/tcp-fault-proxy.js';

const url = process.env.DATABASE_URL;
/** Short, so the faults are waited out quickly (the default is 5000), yet well above a loaded machine's healthy append. */
const TIMEOUT_MS = 2000;
const CONCURRENT = 8;
const FACTS = { facts: { role: 'member' } };

type Fault = Exclude<FaultMode, 'pass'> | 'lock';
/** What each fault must answer: a database that is gone is unavailable; one that does not answer has timed out. */
const EXPECTED: Record<Fault, string> = { reset: 'STORE_UNAVAILABLE', refuse: 'STORE_UNAVAILABLE', stall: 'STORE_TIMEOUT', lock: 'STORE_TIMEOUT' };

describe.skipIf(!url)('a database that resets, refuses, stalls or holds the chain lock (through a fault-injecting proxy)', () => {
  let proxy: TcpFaultProxy;
  let server: TestServer;
  let direct: SqlClient;
  let schema: string;
  const tally = { requests: 0, ok: 0, unavailable: 0, timeout: 0 };

  const evaluate = async () => {
    const res = await server.app.inject(as('caseworker', { method: 'POST', url: EVALUATE, payload: FACTS }));
    tally.requests += 1;
    if (res.statusCode === 200) tally.ok += 1;
    const code = res.statusCode === 200 ? null : (res.json() as { code?: string }).code;
    if (code === 'STORE_UNAVAILABLE') tally.unavailable += 1;
    if (code === 'STORE_TIMEOUT') tally.timeout += 1;
    return res;
  };
  const ready = () => server.app.inject({ method: 'GET', url: '/ready' });

  beforeAll(async () => {
    proxy = await TcpFaultProxy.start({ host: new URL(url as string).hostname, port: Number(new URL(url as string).port || 5432) });
    const db = await connect({ databaseUrl: proxy.url(url as string), poolSize: 4, timeoutMs: TIMEOUT_MS });
    server = await startTestApp({ db, env: { ZHIDU_DB_TIMEOUT_MS: String(TIMEOUT_MS) } });
    schema = server.app.zhidu.log.schema;
    direct = await connect({ databaseUrl: url, poolSize: 2 });
  });

  afterAll(async () => {
    await proxy.set('pass');
    await server.app.close();
    await direct.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await direct.close();
    await proxy.close();
    // The figures docs/reliability.md quotes.
    console.log(`store faults: ${JSON.stringify({ ...tally, proxy: proxy.stats })}`);
  });

  /** A second real session holding the chain head FOR UPDATE, as another writer stuck mid-append would. */
  async function holdChainLock(): Promise<() => Promise<void>> {
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT seq FROM "${schema}".chain_head WHERE one FOR UPDATE`);
    return async () => {
      await holder.query('ROLLBACK');
      await holder.end();
    };
  }

  async function inject(fault: Fault): Promise<() => Promise<void>> {
    if (fault === 'lock') return holdChainLock();
    await proxy.set(fault);
    return () => proxy.set('pass');
  }

  it('answers 200 through the proxy before any fault', async () => {
    const all = await Promise.all(Array.from({ length: CONCURRENT }, evaluate));
    expect(all.map((r) => r.statusCode)).toEqual(Array(CONCURRENT).fill(200));
    expect((await ready()).statusCode).toBe(200);
  });

  for (const fault of ['reset', 'refuse', 'stall', 'lock'] as const) {
    it(`${fault}: concurrent evaluates end in 503 ${EXPECTED[fault]}, /ready is 503, and all recovers once it clears`, async () => {
      const clear = await inject(fault);
      let cleared = false;
      try {
        // Every request completes (the test's own timeout is the only ceiling), none with a decision.
        const during = await Promise.all(Array.from({ length: CONCURRENT }, evaluate));
        for (const res of during) {
          expect(res.statusCode).toBe(503);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          const p = res.json();
          expect(matchesSchema('Problem', p)).toEqual([]);
          expect(p.code).toBe(EXPECTED[fault]);
          expect(p).not.toHaveProperty('decision');
        }
        const notReady = await ready();
        expect(notReady.statusCode).toBe(503);
        expect(notReady.json().code).toBe('NOT_READY');
        // The database's own words stay in the server log.
        expect(notReady.body).not.toMatch(/ECONN|timeout|terminated|lock|postgres/i);
        if (fault === 'stall') expect(proxy.stats.droppedBytes).toBeGreaterThan(0);

        await clear();
        cleared = true;
        expect((await ready()).statusCode).toBe(200);
        const after = await Promise.all(Array.from({ length: CONCURRENT }, evaluate));
        expect(after.map((r) => r.statusCode)).toEqual(Array(CONCURRENT).fill(200));
      } finally {
        if (!cleared) await clear();
      }
    });
  }

  it('has recorded exactly the decisions it answered 200, on an intact chain', async () => {
    const { rows } = await direct.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".log WHERE kind = 'decision'`);
    expect(Number(rows[0]?.n)).toBe(tally.ok);
    const log = await DecisionLog.open(direct, schema);
    const verified = await log.verify();
    expect(verified).toMatchObject({ ok: true, records: tally.ok });
  });
});

describe.skipIf(!url)('SIGTERM while the database stalls', () => {
  it('answers the stalled request 503 STORE_TIMEOUT and exits cleanly, without the shutdown timer', async () => {
    const proxy = await TcpFaultProxy.start({ host: new URL(url as string).hostname, port: Number(new URL(url as string).port || 5432) });
    const dir = mkdtempSync(join(tmpdir(), 'zhidu-stall-'));
    const schema = uniqueSchema();
    const direct = await connect({ databaseUrl: url, poolSize: 1 });
    try {
      const proc = await startServerProcess({
        ZHIDU_RULES_DIR: 'test/fixtures/good',
        ZHIDU_SOURCES_DIR: 'rules/sources',
        ZHIDU_DATA_DIR: dir,
        ZHIDU_KEYS_FILE: seedKeysFile(dir),
        ZHIDU_DB_SCHEMA: schema,
        ZHIDU_FOUR_EYES: 'off',
        DATABASE_URL: proxy.url(url as string),
        ZHIDU_DB_TIMEOUT_MS: String(TIMEOUT_MS),
        // No version polling: the only bytes to the database after the stall are the request's.
        ZHIDU_VERSION_POLL_MS: '0',
      });
      const first = await post(`${proc.url}${EVALUATE}`, KEYS.caseworker, FACTS);
      expect(first.status).toBe(200);

      await proxy.set('stall');
      const stalled = post(`${proc.url}${EVALUATE}`, KEYS.caseworker, FACTS);
      // The request's bytes to the database are being dropped: it is certainly waiting on the stall.
      await once(proxy, 'dropped');
      proc.child.kill('SIGTERM');
      const answer = await stalled;
      expect(answer.status).toBe(503);
      expect(answer.body.code).toBe('STORE_TIMEOUT');
      // 0 is app.close() finishing; the 30 s shutdown timer would exit 1.
      expect(await proc.exited).toBe(0);
      expect(proc.output()).not.toMatch(/shutdown timed out/);

      const { rows } = await direct.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".log WHERE kind = 'decision'`);
      expect(Number(rows[0]?.n)).toBe(1);
    } finally {
      await proxy.close();
      await direct.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await direct.close();
    }
  });
});
