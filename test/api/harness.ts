import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import { hashKey, type Role } from '../../server/api-keys.js';
import { connect, type SqlClient } from '../../src/store/sql-client.js';

export const KEYS: Record<Role | 'limited' | 'editor2', string> = {
  caseworker: 'test-caseworker-key',
  system: 'test-system-key',
  editor: 'test-editor-key',
  /** A second editor: the other pair of eyes. */
  editor2: 'test-editor2-key',
  admin: 'test-admin-key',
  limited: 'test-limited-key',
};

/** A keys file seeded the documented way (docs/api.md): names, roles, sha256 of each key. */
export function seedKeysFile(dir: string): string {
  const file = join(dir, 'keys.json');
  const keys = (Object.keys(KEYS) as Array<keyof typeof KEYS>).map((name) => ({
    name: `test-${name}`,
    role: name === 'limited' ? 'caseworker' : name === 'editor2' ? 'editor' : name,
    sha256: hashKey(KEYS[name]),
    ...(name === 'limited' ? { rate_limit: 3 } : {}),
  }));
  writeFileSync(file, JSON.stringify({ keys }, null, 2));
  return file;
}

/** Storage backends the log tests run against: always PGlite, PostgreSQL when DATABASE_URL is set. */
export const BACKENDS: Array<'pglite' | 'postgres'> = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export function uniqueSchema(prefix = 'zt'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function openDb(backend: 'pglite' | 'postgres'): Promise<SqlClient> {
  return backend === 'postgres' ? connect({ databaseUrl: process.env.DATABASE_URL, poolSize: 4 }) : connect({ memory: true });
}

export interface TestServer {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly dir: string;
}

export async function startTestApp(options: { backend?: 'pglite' | 'postgres'; rulesDir?: string; env?: Record<string, string>; db?: SqlClient } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'zhidu-api-'));
  const keysFile = seedKeysFile(dir);
  const config = loadConfig({
    ZHIDU_RULES_DIR: options.rulesDir ?? 'test/fixtures/good',
    ZHIDU_SOURCES_DIR: 'rules/sources',
    ZHIDU_DATA_DIR: dir,
    ZHIDU_KEYS_FILE: keysFile,
    ZHIDU_DB_SCHEMA: uniqueSchema(),
    // Most tests publish directly (a single-person office); the review tests turn four eyes on.
    ZHIDU_FOUR_EYES: 'off',
    ...(options.env ?? {}),
  });
  const db = options.db ?? (await openDb(options.backend ?? 'pglite'));
  const app = await buildApp(config, { db });
  return { app, config, dir };
}

export function as(role: keyof typeof KEYS, opts: InjectOptions): InjectOptions {
  return { ...opts, headers: { authorization: `Bearer ${KEYS[role]}`, ...(opts.headers ?? {}) } };
}

export const RULESET = 'committee-subsidy-example';
export const EVALUATE = `/v1/rulesets/${RULESET}/evaluate`;

export async function stopTestApp(server: TestServer): Promise<void> {
  const { log } = server.app.zhidu;
  if (log.db.kind === 'postgres') await log.db.query(`DROP SCHEMA IF EXISTS "${log.schema}" CASCADE`);
  await server.app.close();
}

/** Records in the app's decision log: a refused request must leave it unchanged. */
export async function logCount(app: FastifyInstance): Promise<number> {
  const { log } = app.zhidu;
  const { rows } = await log.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM "${log.schema}".log`);
  return Number(rows[0]?.n ?? 0);
}
