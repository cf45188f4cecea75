import { mkdtempSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp, type BuildOptions } from '../../server/app.js';
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

export async function startTestApp(options: { backend?: 'pglite' | 'postgres'; rulesDir?: string; env?: Record<string, string>; db?: SqlClient; onRoute?: BuildOptions['onRoute'] } = {}): Promise<TestServer> {
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
  const app = await buildApp(config, { db, ...(options.onRoute ? { onRoute: options.onRoute } : {}) });
  return { app, config, dir };
}

export function as(role: keyof typeof KEYS, opts: InjectOptions): InjectOptions {
  return { ...opts, headers: { authorization: `Bearer ${KEYS[role]}`, ...(opts.headers ?? {}) } };
}

export const RULESET = 'committee-subsidy-example';
/** The example rule set and its suite, v1.0.0, as a rules directory holds them. */
export const SUBSIDY_FILES = ['test/fixtures/good/committee-subsidy.yaml', 'test/fixtures/good/committee-subsidy.test.yaml'] as const;
/** Its version 1.1.0 (from 2025) and that version's suite, as an editor would send them. */
export const V11 = readFileSync('test/fixtures/versions/committee-subsidy-v1.1.yaml', 'utf8');
export const V11_TESTS = readFileSync('test/fixtures/versions/committee-subsidy-v1.1.test.yaml', 'utf8');

/** A fresh rules directory holding copies of these files, for a test that adds or changes files there. */
export function copyRules(files: readonly string[] = SUBSIDY_FILES): string {
  const dir = mkdtempSync(join(tmpdir(), 'zhidu-rules-'));
  for (const f of files) copyFileSync(f, join(dir, basename(f)));
  return dir;
}

/**
 * Resolves once the server's own version poll (its timer, not the test) has loaded id@version:
 * the test waits on that event, not on a guessed time.
 */
export function versionLoaded(server: TestServer, id: string, version: string): Promise<void> {
  const { live, registry } = server.app.zhidu;
  const poll = live.poll.bind(live);
  return new Promise<void>((resolve) => {
    const done = () => {
      live.poll = poll;
      resolve();
    };
    if (registry.get(id, version)) return done();
    live.poll = async () => {
      await poll();
      if (registry.get(id, version)) done();
    };
  });
}
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
