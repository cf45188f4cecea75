import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * The little of SQL the decision log needs, over either embedded PGlite or a
 * PostgreSQL server: the same statements run on both, so there is one schema
 * and one set of migrations.
 */
export interface SqlQueryable {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
}

export interface SqlClient extends SqlQueryable {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** PostgreSQL connection string; without it, PGlite in dataDir. */
  readonly databaseUrl?: string | undefined;
  readonly dataDir?: string;
  /** In-memory PGlite (tests). */
  readonly memory?: boolean;
  readonly poolSize?: number;
  /** Bound on any one statement, lock wait, idle transaction and client-side query wait (ms). */
  readonly timeoutMs?: number;
}

export async function connect(options: ConnectOptions): Promise<SqlClient> {
  if (options.databaseUrl) return connectPostgres(options.databaseUrl, options.poolSize ?? 10, options.timeoutMs ?? 5_000);
  return connectPglite(options.memory ? undefined : (options.dataDir ?? 'data'));
}

async function connectPglite(dataDir: string | undefined): Promise<SqlClient> {
  let dir: string | undefined;
  if (dataDir !== undefined) {
    mkdirSync(dataDir, { recursive: true });
    dir = `${dataDir}/pglite`;
  }
  const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), { workerData: { dir } });
  const pendingReplies = new Map<number, { resolve: (rows: unknown[]) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  let failure: Error | null = null;
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve());
  });
  worker.on('message', (m: { id: number; rows?: unknown[]; error?: string; code?: string }) => {
    const p = pendingReplies.get(m.id);
    if (!p) return;
    pendingReplies.delete(m.id);
    if (m.error !== undefined) p.reject(Object.assign(new Error(m.error), { code: m.code }));
    else p.resolve(m.rows ?? []);
  });
  const fail = (err: Error) => {
    failure = err;
    for (const p of pendingReplies.values()) p.reject(err);
    pendingReplies.clear();
  };
  worker.on('error', fail);
  worker.on('exit', () => fail(new Error('database closed')));

  const send = <T>(message: Record<string, unknown>): Promise<T[]> =>
    new Promise<T[]>((resolve, reject) => {
      if (failure) return reject(failure);
      const id = nextId++;
      pendingReplies.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
      worker.postMessage({ ...message, id });
    });
  const run = async <T>(text: string, params: readonly unknown[] = []) => ({ rows: await send<T>({ text, params }) });

  // One connection: a transaction holds it from BEGIN to COMMIT, other queries wait their turn.
  let turn: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const result = turn.then(fn, fn);
    turn = result.catch(() => {});
    return result;
  };
  let closed = false;
  return {
    kind: 'pglite',
    query<T>(text: string, params: readonly unknown[] = []) {
      if (closed) return Promise.reject(new Error('database closed'));
      return exclusive(() => run<T>(text, params));
    },
    transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      if (closed) return Promise.reject(new Error('database closed'));
      return exclusive(async () => {
        await run('BEGIN');
        try {
          const result = await fn({ query: run });
          await run('COMMIT');
          return result;
        } catch (err) {
          await run('ROLLBACK').catch(() => {});
          throw err;
        }
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await exclusive(async () => {
        if (!failure) await send({ op: 'close' }).catch(() => {});
        await worker.terminate();
      });
    },
  };
}

async function connectPostgres(url: string, max: number, timeoutMs: number): Promise<SqlClient> {
  const pg = (await import('pg')).default;
  // Without these a held lock or a silent connection blocks every append indefinitely;
  // the server-side limits free the session, query_timeout frees the caller when bytes stop.
  const pool = new pg.Pool({
    connectionString: url, max, connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs, lock_timeout: timeoutMs, idle_in_transaction_session_timeout: timeoutMs,
    query_timeout: timeoutMs + 1_000,
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    async query<T>(text: string, params: readonly unknown[] = []) {
      const r = await pool.query(text, params as unknown[]);
      return { rows: r.rows as T[] };
    },
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          async query<R>(text: string, params: readonly unknown[] = []) {
            const r = await client.query(text, params as unknown[]);
            return { rows: r.rows as R[] };
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
