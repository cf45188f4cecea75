import { ERRORS } from '../errors/catalogue.js';
import type { SqlClient, SqlQueryable, TransactionOptions } from './sql-client.js';

/** The decision log could not be read or written: the caller is told so (503), never handed an unrecorded decision. */
export class StoreUnavailable extends Error {
  constructor(override readonly cause: unknown) {
    super('decision log unavailable');
  }
}

/** A database failure as StoreUnavailable; an error that already says what it is (a catalogue code) passes as it is. */
export function unavailable(err: unknown): unknown {
  if (err instanceof StoreUnavailable) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in ERRORS) return err;
  return new StoreUnavailable(err);
}

function guardQueries(q: SqlQueryable): SqlQueryable {
  return {
    query: <T>(text: string, params?: readonly unknown[]) =>
      q.query<T>(text, params).catch((err: unknown) => {
        throw unavailable(err);
      }),
  };
}

/**
 * The client the decision log reads and writes through: every query that
 * fails raises StoreUnavailable, so no caller wraps the log's errors again. A
 * transaction's callback (a caller's precondition) keeps its own errors: only
 * what the database itself refused is the log being unavailable.
 */
export function guardedClient(db: SqlClient): SqlQueryable & Pick<SqlClient, 'transaction'> {
  return {
    ...guardQueries(db),
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
      let own: { err: unknown } | undefined;
      try {
        return await db.transaction(async (tx) => {
          try {
            return await fn(guardQueries(tx));
          } catch (err) {
            own = { err };
            throw err;
          }
        }, options);
      } catch (err) {
        if (own && own.err === err) throw err;
        throw unavailable(err);
      }
    },
  };
}
