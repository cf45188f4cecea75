import type { PoolClient } from 'pg';
import type { SqlClient, SqlQueryable, TransactionOptions } from './sql-client.js';
import { isTimeoutError, StoreTimeout } from './store-timeout.js';

/**
 * The decision log over a PostgreSQL pool, where no caller waits on the
 * database past the bound. The server-side limits free the session (a lock
 * held elsewhere, a statement that runs on); the client-side deadline frees
 * the caller when bytes stop. A connection that timed out or failed is
 * destroyed, never handed back to the pool, so a stalled socket cannot wedge
 * the requests after it.
 */
export async function connectPostgres(url: string, max: number, timeoutMs: number): Promise<SqlClient> {
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    lock_timeout: timeoutMs,
    idle_in_transaction_session_timeout: timeoutMs,
    query_timeout: timeoutMs,
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  // Every open connection, so close() can cut those whose peer never acknowledges a goodbye.
  const open = new Set<PoolClient>();
  pool.on('connect', (c) => open.add(c as PoolClient));
  pool.on('remove', (c) => open.delete(c as PoolClient));
  const ignore = () => {};
  // Cutting the socket fails the query waiting on it at once; the server ends
  // the session and rolls back whatever it had not committed.
  const destroy = (c: PoolClient) => c.connection.stream.destroy();

  /**
   * fn on one connection, settled by the deadline. `reusable` says, after a
   * failure, whether the session is known to be sound (the server answered
   * with an error, or rolled back): only then does it go back to the pool.
   */
  async function withConnection<T>(deadline: number, fn: (c: PoolClient) => Promise<T>, reusable: (err: unknown) => boolean): Promise<T> {
    let client: PoolClient | undefined;
    let expired = false;
    let expire = ignore;
    const expiry = new Promise<never>((_resolve, reject) => {
      expire = () => reject(new StoreTimeout(timeoutMs));
    });
    expiry.catch(ignore);
    const timer =
      deadline === Infinity
        ? undefined
        : setTimeout(() => {
            expired = true;
            if (client) destroy(client);
            expire();
          }, Math.max(0, deadline - Date.now()));
    let failure: unknown;
    try {
      const connecting = pool.connect();
      // A connection that arrives after the deadline was never used: it goes back as it came.
      connecting.then((c) => expired && c.release(), ignore);
      client = await Promise.race([connecting, expiry]);
      // Destroying a checked-out client's socket makes it emit 'error'; the failed query already reports it.
      client.on('error', ignore);
      return await Promise.race([fn(client), expiry]);
    } catch (err) {
      failure = err;
      // Our deadline, the server's limits and pg's own timeouts all reach the caller as one StoreTimeout.
      throw expired || isTimeoutError(err) ? new StoreTimeout(timeoutMs, { cause: err }) : err;
    } finally {
      clearTimeout(timer);
      if (client) {
        const keep = failure === undefined || (!expired && reusable(failure));
        client.release(keep ? undefined : failure instanceof Error ? failure : new Error(String(failure)));
        client.off('error', ignore);
      }
    }
  }

  const defaultDeadline = () => Date.now() + timeoutMs;
  const rows = async <R>(c: PoolClient, text: string, params: readonly unknown[]) => ({ rows: (await c.query(text, params as unknown[])).rows as R[] });

  return {
    kind: 'postgres',
    timeoutMs,
    query<T>(text: string, params: readonly unknown[] = []) {
      // A statement the server refused (a constraint, its own timeout) ended cleanly: the session is sound.
      return withConnection(defaultDeadline(), (c) => rows<T>(c, text, params), (err) => err instanceof pg.DatabaseError && err.severity !== 'FATAL');
    },
    transaction<T>(fn: (tx: SqlQueryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      let rolledBack = false;
      return withConnection(
        options.deadline ?? defaultDeadline(),
        async (c) => {
          await c.query('BEGIN');
          let result: T;
          try {
            result = await fn({ query: (text, params = []) => rows(c, text, params) });
          } catch (err) {
            // On a stalled connection this waits out the deadline, which then destroys the connection instead.
            await c.query('ROLLBACK').then(() => (rolledBack = true), ignore);
            throw err;
          }
          // COMMIT is sent only while the deadline holds: a caller told "timed out" before
          // this point is certain nothing was recorded (the server rolls back the cut session).
          await c.query('COMMIT');
          return result;
        },
        () => rolledBack,
      );
    },
    async close() {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      const drained = (async () => {
        await pool.end();
        // pool.end() resolves once every client is handed back; their sockets close after.
        await new Promise<void>((resolve) => {
          const check = () => open.size === 0 && resolve();
          pool.on('remove', check);
          check();
        });
      })();
      await Promise.race([drained.catch(ignore), bound]);
      clearTimeout(timer);
      for (const c of open) destroy(c);
      open.clear();
    },
  };
}
