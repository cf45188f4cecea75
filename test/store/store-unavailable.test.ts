import { describe, expect, it } from 'vitest';
import { DecisionLog } from '../../src/store/decision-log.js';
import { newId, pending, type DeterminationContent } from '../../src/store/log-record.js';
import type { SqlClient, SqlQueryable } from '../../src/store/sql-client.js';
import { StoreUnavailable } from '../../src/store/store-unavailable.js';
import { openDb, uniqueSchema } from '../api/harness.js';

/** A real database whose every statement can be made to fail, as when the connection drops. */
function breakable(db: SqlClient): { client: SqlClient; broken: { on: boolean } } {
  const broken = { on: false };
  const guard = (q: SqlQueryable): SqlQueryable => ({
    query: <T>(text: string, params?: readonly unknown[]) => (broken.on ? Promise.reject(new Error('connection terminated')) : q.query<T>(text, params)),
  });
  const client: SqlClient = { kind: db.kind, ...guard(db), transaction: (fn) => db.transaction((tx) => fn(guard(tx))), close: () => db.close() };
  return { client, broken };
}

const determination = (): DeterminationContent => ({ kind: 'determination', id: newId(), time: new Date().toISOString(), caller: 't', decision_id: 'd-1', agree: true, reason: null, supersedes: null });

describe('the decision log raises StoreUnavailable itself', () => {
  it('on every read and write the database refuses, while a precondition keeps its own error', async () => {
    const db = await openDb('pglite');
    const { client, broken } = breakable(db);
    try {
      const log = await DecisionLog.open(client, uniqueSchema('su'));
      await log.append(pending(determination()));
      expect(await log.determinations('d-1')).toHaveLength(1);

      // The caller's refusal inside the transaction is the caller's, not the log being down.
      class Refused extends Error {}
      await expect(log.append(pending(determination()), async () => Promise.reject(new Refused('no')))).rejects.toBeInstanceOf(Refused);
      // A query the precondition makes through the log's transaction is the log's.
      await expect(log.append(pending(determination()), async (tx) => void (await tx.query('SELECT nonsense FROM nowhere')))).rejects.toBeInstanceOf(StoreUnavailable);

      broken.on = true;
      await expect(log.getDecision('d-1')).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(log.determinations('d-1')).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(log.list({ limit: 10 })).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(log.append(pending(determination()))).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(log.append(pending(determination()), async () => undefined)).rejects.toBeInstanceOf(StoreUnavailable);
      broken.on = false;
      expect(await log.determinations('d-1')).toHaveLength(1);
    } finally {
      await db.close();
    }
  }, 180_000);
});
