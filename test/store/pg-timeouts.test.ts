import { describe, expect, it } from 'vitest';
import { connect } from '../../src/store/sql-client.js';

const url = process.env.DATABASE_URL;

describe.skipIf(!url)('PostgreSQL session timeouts', () => {
  it('sets statement, lock and idle-in-transaction timeouts on each session', async () => {
    const db = await connect({ databaseUrl: url, poolSize: 1, timeoutMs: 1234 });
    try {
      for (const name of ['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout']) {
        const { rows } = await db.query<Record<string, string>>(`SHOW ${name}`);
        expect(Object.values(rows[0]!)[0]).toBe('1234ms');
      }
    } finally {
      await db.close();
    }
  });
});
