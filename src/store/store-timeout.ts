/**
 * The database gave no answer within the bound (ZHIDU_DB_TIMEOUT_MS): a lock
 * held elsewhere, a connection that stopped carrying bytes, a statement the
 * server cancelled. Distinct from a database that refuses or drops the
 * connection, because the remedy differs: waiting is what failed.
 */
export class StoreTimeout extends Error {
  constructor(
    readonly timeoutMs: number,
    options: { cause?: unknown } = {},
  ) {
    super(`the database did not answer within ${timeoutMs} ms`, options);
    this.name = 'StoreTimeout';
  }
}

/** PostgreSQL's own limits: statement_timeout, lock_timeout, idle_in_transaction_session_timeout. */
const TIMEOUT_SQLSTATES = new Set(['57014', '55P03', '25P03']);

/** node-postgres's client-side limits (query_timeout, connectionTimeoutMillis), which carry no code but their words. */
const CLIENT_TIMEOUT = /^(Query read timeout|timeout exceeded when trying to connect|Connection terminated due to connection timeout|timeout expired)$/;

/** Whether a database error means "no answer in time" rather than "no database". */
export function isTimeoutError(err: unknown): boolean {
  if (err instanceof StoreTimeout) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (typeof code === 'string' && TIMEOUT_SQLSTATES.has(code)) || CLIENT_TIMEOUT.test(err.message);
}
