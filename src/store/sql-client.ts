import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { connectPostgres } from './postgres-client.js';

/**
 * The little of SQL the decision log needs, over either embedded PGlite or a
 * PostgreSQL server: the same statements run on both, so there is one schema
 * and one set of migrations.
 */
export interface SqlQueryable {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
}

export interface TransactionOptions {
  /**
   * When the caller stops waiting (epoch ms): past it the transaction fails
   * with StoreTimeout and is certain not to commit. Defaults to now plus the
   * bound; Infinity leaves only the server's per-statement limits (migrations).
   */
  readonly deadline?: number;
}

export interface SqlClient extends SqlQueryable {
  readonly kind: 'pglite' | 'postgres';
  /** The bound on any one wait for the database (PostgreSQL); the embedded database in this process has none. */
  readonly timeoutMs?: number;
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
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
