import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_NOTICE_FONT } from '../src/cases/notice-pdf.js';
import { checkpointPaths } from '../src/store/checkpoint-paths.js';
import { CHUNK_RECORDS } from '../src/impact/job-chunks.js';

/**
 * Everything the server reads from the environment, in one place, with the
 * defaults that let `npm start` work on a fresh clone with no setup.
 */
export interface Limits {
  /** Largest JSON request body, bytes. */
  readonly bodyBytes: number;
  /** Largest batch request body (JSON array), bytes. */
  readonly batchBodyBytes: number;
  /** Most items in one JSON batch. */
  readonly batchItems: number;
  /** Most items in one NDJSON stream. */
  readonly streamItems: number;
  /** Deepest nesting of a JSON body. */
  readonly depth: number;
  /** Longest string (and object key) in a JSON body, characters. */
  readonly stringLength: number;
  /** Largest YAML text sent to /v1/validate, bytes. */
  readonly yamlBytes: number;
  /** Requests per key (or per address without a key) in each window. */
  readonly rateMax: number;
  readonly rateWindowMs: number;
  /** Failed authentications per address in each window before every keyed request from it is 429. */
  readonly authFailMax: number;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly rulesDir: string;
  readonly sourcesDir: string;
  /** PostgreSQL connection string; undefined means embedded PGlite in dataDir. */
  readonly databaseUrl: string | undefined;
  /** Schema holding zhidu's tables (one per deployment; tests use their own). */
  readonly dbSchema: string;
  readonly dataDir: string;
  readonly keysFile: string;
  /** Signed checkpoints of the decision log (docs/reliability.md): key, append-only file, how often. */
  readonly checkpoints: { readonly keyFile: string; readonly file: string; readonly every: number; readonly intervalMs: number };
  readonly limits: Limits;
  /** Fastify request logging (pino); off by default to keep the hot path lean. */
  readonly logLevel: string;
  /** Development: publish rule files saved in rulesDir through the publish gate (docs/editing.md). */
  readonly watchRules: boolean;
  /**
   * Four eyes (ZHIDU_FOUR_EYES, default on): a version is published only after another editor
   * or an admin approved it; off for a single-person office (docs/editing.md, review).
   */
  readonly fourEyes: boolean;
  /** How often each server polls the published-versions table (0 = never). */
  readonly versionPollMs: number;
  /** Bound on a database statement, lock wait or stalled connection (ms). */
  readonly dbTimeoutMs: number;
  /** Server processes sharing the port (node cluster); more than 1 needs DATABASE_URL. */
  readonly workers: number;
  /** CJK font the notice PDF embeds (TTF/OTF, or TTC with noticeFontFace). */
  readonly noticeFont: string;
  readonly noticeFontFace: string | undefined;
  /** Issuing authorities and appeal terms for notices (docs/api.md); absent file = defaults. */
  readonly noticeConfigFile: string;
  /**
   * With DATABASE_URL: this server also takes impact chunks from the queue (ZHIDU_IMPACT_WORKER,
   * default on), so one server runs its jobs alone; off leaves them to `zhidu worker` processes.
   */
  readonly impactWorker: boolean;
  /** Records per chunk of a distributed impact job (ZHIDU_IMPACT_CHUNK). */
  readonly impactChunk: number;
}

export const DEFAULT_LIMITS: Limits = {
  bodyBytes: 1_048_576,
  batchBodyBytes: 16_777_216,
  batchItems: 1_000,
  streamItems: 1_000_000,
  depth: 32,
  stringLength: 10_000,
  yamlBytes: 1_048_576,
  rateMax: 100_000,
  rateWindowMs: 60_000,
  authFailMax: 20,
};

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, found ${JSON.stringify(raw)}`);
  return n;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['on', '1', 'true', 'yes'].includes(raw)) return true;
  if (['off', '0', 'false', 'no'].includes(raw)) return false;
  throw new Error(`${name} must be on or off, found ${JSON.stringify(env[name])}`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const rulesDir = resolve(env.ZHIDU_RULES_DIR ?? 'rules');
  const ownSources = join(rulesDir, 'sources');
  const dataDir = resolve(env.ZHIDU_DATA_DIR ?? 'data');
  const dbSchema = env.ZHIDU_DB_SCHEMA ?? 'zhidu';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(dbSchema)) throw new Error(`ZHIDU_DB_SCHEMA must be a lower-case SQL identifier, found ${JSON.stringify(dbSchema)}`);
  const config: Config = {
    port: int(env, 'PORT', 3000),
    host: env.HOST ?? '0.0.0.0',
    rulesDir,
    sourcesDir: resolve(env.ZHIDU_SOURCES_DIR ?? (existsSync(ownSources) ? ownSources : 'rules/sources')),
    databaseUrl: env.DATABASE_URL || undefined,
    dbSchema,
    dataDir,
    keysFile: resolve(env.ZHIDU_KEYS_FILE ?? join(dataDir, 'keys.json')),
    checkpoints: {
      ...checkpointPaths(env, dataDir),
      every: Math.max(1, int(env, 'ZHIDU_CHECKPOINT_EVERY', 1000)),
      intervalMs: int(env, 'ZHIDU_CHECKPOINT_INTERVAL_MS', 60_000),
    },
    logLevel: env.ZHIDU_LOG_LEVEL ?? 'warn',
    watchRules: env.ZHIDU_WATCH_RULES === '1' || (env.ZHIDU_WATCH_RULES === undefined && env.NODE_ENV === 'development'),
    versionPollMs: int(env, 'ZHIDU_VERSION_POLL_MS', 1000),
    fourEyes: onOff(env, 'ZHIDU_FOUR_EYES', true),
    dbTimeoutMs: Math.max(1, int(env, 'ZHIDU_DB_TIMEOUT_MS', 5000)),
    workers: Math.max(1, int(env, 'ZHIDU_WORKERS', 1)),
    noticeFont: env.ZHIDU_NOTICE_FONT ?? DEFAULT_NOTICE_FONT,
    noticeFontFace: env.ZHIDU_NOTICE_FONT_FACE || undefined,
    noticeConfigFile: resolve(env.ZHIDU_NOTICE_CONFIG ?? join(dataDir, 'notice.json')),
    impactWorker: onOff(env, 'ZHIDU_IMPACT_WORKER', true),
    impactChunk: Math.max(1, int(env, 'ZHIDU_IMPACT_CHUNK', CHUNK_RECORDS)),
    limits: {
      bodyBytes: int(env, 'ZHIDU_BODY_LIMIT', DEFAULT_LIMITS.bodyBytes),
      batchBodyBytes: int(env, 'ZHIDU_BATCH_BODY_LIMIT', DEFAULT_LIMITS.batchBodyBytes),
      batchItems: int(env, 'ZHIDU_BATCH_MAX', DEFAULT_LIMITS.batchItems),
      streamItems: int(env, 'ZHIDU_STREAM_MAX', DEFAULT_LIMITS.streamItems),
      depth: int(env, 'ZHIDU_MAX_DEPTH', DEFAULT_LIMITS.depth),
      stringLength: int(env, 'ZHIDU_MAX_STRING', DEFAULT_LIMITS.stringLength),
      yamlBytes: int(env, 'ZHIDU_YAML_LIMIT', DEFAULT_LIMITS.yamlBytes),
      rateMax: int(env, 'ZHIDU_RATE_LIMIT', DEFAULT_LIMITS.rateMax),
      rateWindowMs: int(env, 'ZHIDU_RATE_WINDOW_MS', DEFAULT_LIMITS.rateWindowMs),
      authFailMax: int(env, 'ZHIDU_AUTH_FAIL_LIMIT', DEFAULT_LIMITS.authFailMax),
    },
  };
  return { ...config, ...overrides, limits: { ...config.limits, ...(overrides.limits ?? {}) } };
}
