import { mkdirSync } from 'node:fs';

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
}

export async function connect(options: ConnectOptions): Promise<SqlClient> {
  if (options.databaseUrl) return connectPostgres(options.databaseUrl, options.poolSize ?? 10);
  return connectPglite(options.memory ? undefined : (options.dataDir ?? 'data'));
}

async function connectPglite(dataDir: string | undefined): Promise<SqlClient> {
  const { PGlite } = await import('@electric-sql/pglite');
  let dir: string | undefined;
  if (dataDir !== undefined) {
    mkdirSync(dataDir, { recursive: true });
    dir = `${dataDir}/pglite`;
  }
  const db = dir === undefined ? new PGlite() : new PGlite(dir);
  await db.waitReady;
  let closed = false;
  return {
    kind: 'pglite',
    async query<T>(text: string, params: readonly unknown[] = []) {
      if (closed) throw new Error('database closed');
      const r = await db.query<T>(text, params as unknown[]);
      return { rows: r.rows };
    },
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      if (closed) throw new Error('database closed');
      return db.transaction(async (tx) =>
        fn({
          async query<R>(text: string, params: readonly unknown[] = []) {
            const r = await tx.query<R>(text, params as unknown[]);
            return { rows: r.rows };
          },
        }),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}

async function connectPostgres(url: string, max: number): Promise<SqlClient> {
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
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
