import Fastify, { type FastifyInstance, type FastifyRequest, type RouteOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from './config.js';
import { loadRulePaths } from '../src/load/registry.js';
import { ANNOTATIONS } from '../src/schema/ajv.js';
import { connect, type SqlClient } from '../src/store/sql-client.js';
import { DecisionLog } from '../src/store/decision-log.js';
import { Checkpointer } from '../src/store/checkpointer.js';
import { loadOrCreateSigningKey } from '../src/store/checkpoint-key.js';
import { ApiKeys, FileKeys, loadOrCreateKeys, type KeyLookup } from './api-keys.js';
import { Metrics } from './metrics.js';
import { AuthFailures } from './auth-failures.js';
import { PERMISSIONS, type ZhiduContext } from './context.js';
import { problem, problemCodeOf, ProblemError, sendProblem, toProblem } from './problem.js';
import { parseJsonBody } from './json-body.js';
import { addSchemas, YAML_TYPES } from './schemas.js';
import { rulesetRoutes } from './routes/rulesets.js';
import { evaluateRoutes } from './routes/evaluate.js';
import { batchRoutes } from './routes/evaluate-batch.js';
import { decisionRoutes } from './routes/decisions.js';
import { validateRoutes } from './routes/validate.js';
import { sourceRoutes } from './routes/sources.js';
import { opsRoutes } from './routes/ops.js';
import { editorRoutes } from './routes/editor.js';
import { reviewRoutes } from './routes/reviews.js';
import { ReviewStore } from '../src/store/review-store.js';
import { keyRoutes } from './routes/keys.js';
import { caseRoutes, caseNoticeRoutes } from './routes/cases.js';
import { CaseStore } from '../src/store/case-store.js';
import { JobStore } from '../src/impact/job-store.js';
import { ImpactJobRunner, type ImpactJobs } from '../src/impact/job-runner.js';
import { openDistributedJobs } from '../src/impact/distributed-jobs.js';
import { queueSettings } from '../src/impact/chunk-queue.js';
import { impactJobRoutes } from './routes/impact-jobs.js';
import { availableParallelism } from 'node:os';
import { VersionStore } from '../src/store/version-store.js';
import { VersionArchive } from '../src/store/version-archive.js';
import { LiveVersions, type LiveEvent } from '../src/versions/live-versions.js';
import { webApp } from './web-app.js';

/** Route parameters (rule-set ids, decision ids, key names) are short; longer ones are 414. */
const MAX_PARAM_LENGTH = 200;

export interface BuildOptions {
  /** An open database to use instead of connecting from the config (tests). */
  readonly db?: SqlClient;
  /** Keys to use instead of the keys file (tests). */
  readonly keys?: ApiKeys;
  /** Called once with a freshly created admin key (first start). */
  readonly onAdminKeyCreated?: (key: string, file: string) => void;
  /** Fastify logger (pino) on or off. */
  readonly logger?: boolean;
  /** Where the log goes when on (tests read it); stdout otherwise. */
  readonly logStream?: { write(line: string): unknown };
  /** Told of every route as it is added, plugins' included (the fuzz test enumerates them so a new route is fuzzed too). */
  readonly onRoute?: (route: RouteOptions) => void;
}

/**
 * The zhidu HTTP API. Everything it serves is decided here: rules are loaded
 * once, the decision log is opened (and migrated), keys are read. Tests drive
 * it through app.inject(); server/main.ts listens.
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const { registry, findings } = loadRulePaths([config.rulesDir], config.sourcesDir);
  let keys: KeyLookup | undefined = options.keys;
  let keysFile: string | undefined;
  if (!keys) {
    const loaded = loadOrCreateKeys(config.keysFile);
    // Followed, so keys added or revoked while the server runs take effect without a restart.
    keys = new FileKeys(config.keysFile, loaded.keys);
    keysFile = config.keysFile;
    if (loaded.createdAdminKey) options.onAdminKeyCreated?.(loaded.createdAdminKey, config.keysFile);
  }
  const db = options.db ?? (await connect({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, timeoutMs: config.dbTimeoutMs }));
  const log = await DecisionLog.open(db, config.dbSchema);
  const metrics = new Metrics();
  let checkpointLog = (_err: unknown): void => {};
  const checkpointer = await Checkpointer.start(log, config.checkpoints.file, loadOrCreateSigningKey(config.checkpoints.keyFile).key, {
    every: config.checkpoints.every,
    intervalMs: config.checkpoints.intervalMs,
    onError: (err) => checkpointLog(err),
  });
  let versionLog = (_e: LiveEvent): void => {};
  const live = new LiveVersions(registry, registry.sources, await VersionStore.open(db, config.dbSchema), {
    pollMs: config.versionPollMs,
    // In development (watching rules/) the editor reads the gate's verdict in the terminal; otherwise it goes to the log.
    onEvent: (e) => (config.watchRules ? process.stderr.write(`[zhidu versions] ${e.message}\n`) : versionLog(e)),
  });
  await live.start();
  // Versions served from files are kept by content hash before any decision names them.
  const archive = await VersionArchive.open(db, config.dbSchema);
  const clashes = await archive.keep(registry.ids().flatMap((id) => registry.versions(id)).filter((rs) => live.origin(rs.id, rs.version).origin === 'file'));
  if (config.watchRules) live.watch(config.rulesDir);
  const cases = new CaseStore(db, config.dbSchema);
  const reviews = new ReviewStore(db, config.dbSchema);
  // PostgreSQL: chunks through the queue, to every worker sharing the database. PGlite (one process):
  // up to 4 worker threads for a large job, leaving this thread to answer requests.
  const impactJobs: ImpactJobs =
    config.databaseUrl && db.kind === 'postgres'
      ? await openDistributedJobs(db, {
          databaseUrl: config.databaseUrl,
          schema: config.dbSchema,
          sources: registry.sources,
          settings: queueSettings(),
          worker: config.impactWorker,
          chunkRecords: config.impactChunk,
          onError: (err) => process.stderr.write(`[zhidu impact queue] ${err.message}\n`),
        })
      : new ImpactJobRunner(await JobStore.open(db, config.dbSchema), registry.sources, { workers: Math.min(4, availableParallelism()), sourcesDir: registry.sources.dir });
  const ctx: ZhiduContext = { config, registry, ruleFindings: findings, log, keys, ...(keysFile ? { keysFile } : {}), metrics, live, cases, reviews, impactJobs, archive };

  const app = Fastify({
    logger: options.logger ? { level: config.logLevel, ...(options.logStream ? { stream: options.logStream } : {}) } : false,
    bodyLimit: config.limits.bodyBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Fastify's own 503 while closing is plain JSON; ours (the first onRequest hook below) is problem+json.
    return503OnClosing: false,
    // The router's own refusals (a URL that does not decode, an over-long path parameter) as problem+json.
    frameworkErrors: (err, request, reply) => {
      const p =
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? problem('URL_TOO_LONG', { expected: MAX_PARAM_LENGTH })
          : err.code === 'FST_ERR_BAD_URL'
            ? problem('URL_INVALID', { found: request.url.slice(0, 200) })
            : problem('URL_INVALID', { found: err.code });
      return sendProblem(reply, p);
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    ajv: {
      // Requests are refused, never repaired: no stripping, no coercion.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true, keywords: [...ANNOTATIONS] },
    },
  });
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  app.decorate('zhidu', ctx);
  checkpointLog = (err) => app.log.error({ err }, `checkpoint not written to ${config.checkpoints.file}`);
  versionLog = (e) => app.log[e.kind === 'error' || e.kind === 'conflict' || e.kind === 'rejected' ? 'warn' : 'info']({ versions: e }, e.message);
  for (const clash of clashes) {
    versionLog({ kind: 'conflict', ruleset: clash.ruleset_id, version: clash.version, message: `规则文件 ${clash.ruleset_id}@${clash.version} 的内容已改而版本号未变；旧内容仍按内容哈希保存，旧决定照旧可查，请为新内容另起版本号` });
  }
  app.decorateRequest('caller', null);
  addSchemas(app);
  // Responses are documented by their schemas and checked by the tests against them, but
  // serialised as plain JSON: fast-json-stringify would silently drop what a schema omits.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string, config.limits));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser([...YAML_TYPES], { parseAs: 'string', bodyLimit: config.limits.yamlBytes }, (_req, body, done) => done(null, body));
  // NDJSON is read as a stream by its route, line by line, with its own limits.
  app.addContentTypeParser('application/x-ndjson', (_req, payload, done) => done(null, payload));

  app.setErrorHandler((err, request, reply) => {
    const p = toProblem(err, request);
    if (err instanceof ProblemError) for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, problem('ROUTE_NOT_FOUND', { found: `${request.method} ${request.url.split('?')[0]}` })));

  app.addHook('onSend', async (request, reply, payload) => {
    const code = problemCodeOf(reply);
    if (code) metrics.errors.inc({ code, status: String(reply.statusCode) });
    // A decision is tens of kilobytes of mostly Chinese text: as a string,
    // fastify measures its UTF-8 length and node then encodes it again; as a
    // buffer it is encoded once (measured: the length scan alone was 4% of
    // the server's time under load).
    if (typeof payload === 'string' && payload.length > 16_384) return Buffer.from(payload);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.observe({ route, method: request.method, status: `${Math.floor(reply.statusCode / 100)}xx` }, reply.elapsedTime / 1000);
  });

  // Requests still arriving on kept-alive connections while the server closes
  // are refused before any work, as Fastify's return503OnClosing would, in problem+json.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) {
      reply.header('connection', 'close');
      throw new ProblemError(problem('SERVER_CLOSING'));
    }
  });

  const authFailures = new AuthFailures(config.limits.authFailMax, config.limits.rateWindowMs);
  // Authentication and media type are settled before the body is read.
  app.addHook('onRequest', async (request) => {
    const cfg = request.routeOptions.config;
    if (cfg?.permission) {
      const key = apiKeyOf(request);
      // Only a presented key is a guess; a request without one is simply 401.
      const wait = key ? authFailures.blockedFor(request.ip) : 0;
      if (wait > 0) throw new ProblemError(problem('AUTH_RATE_LIMITED', { found: config.limits.authFailMax, expected: config.limits.rateWindowMs }), { 'retry-after': String(Math.ceil(wait / 1000)) });
      const caller = key ? ctx.keys.lookup(key) : undefined;
      if (!caller) {
        if (key) authFailures.fail(request.ip);
        throw new ProblemError(problem('UNAUTHORIZED'), { 'www-authenticate': 'Bearer realm="zhidu"' });
      }
      request.caller = caller;
      const allowed: readonly string[] = PERMISSIONS[cfg.permission];
      if (!allowed.includes(caller.role)) throw new ProblemError(problem('FORBIDDEN', { found: caller.role, expected: allowed.join(', ') }));
    }
    if (cfg?.accepts && request.headers['content-length'] !== '0' && (request.headers['content-type'] !== undefined || request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0)) {
      const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (!cfg.accepts.includes(type)) throw new ProblemError(problem('MEDIA_TYPE', { found: type, expected: cfg.accepts.join(', ') }));
    }
  });

  // PostgreSQL text cannot hold U+0000 (bodies are checked in server/json-body.ts): a path
  // parameter or query value with one is refused before a route looks it up (it was 503 STORE_UNAVAILABLE).
  app.addHook('preValidation', async (request) => {
    for (const [where, values] of [['path parameter', request.params], ['query parameter', request.query]] as const) {
      for (const [name, value] of Object.entries((values ?? {}) as Record<string, unknown>)) {
        // The static files' catch-all refuses such a path itself (403 PATH_FORBIDDEN); it reaches no database.
        if (name === '*') continue;
        if ([value].flat().some((v) => typeof v === 'string' && v.includes('\u0000'))) {
          const p = problem('STRING_NUL');
          throw new ProblemError({ ...p, detail: `${p.detail}：${where} ${name}`, detail_en: `${p.detail_en}: ${where} ${name}` });
        }
      }
    }
  });

  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: config.limits.rateWindowMs,
    max: (request: FastifyRequest) => request.caller?.rateLimit ?? config.limits.rateMax,
    keyGenerator: (request: FastifyRequest) => (request.caller ? `key:${request.caller.name}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new ProblemError(problem('RATE_LIMITED', { found: context.max, expected: config.limits.rateWindowMs }), { 'retry-after': String(Math.ceil(context.ttl / 1000)) }),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'zhidu 制度 API',
        version: '1.0.0',
        description: 'Rules-as-code policy evaluation: explained decisions, recorded in a tamper-evident log. Errors are application/problem+json (docs/errors.md).',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'API key: Authorization: Bearer <key> (or X-API-Key: <key>)' } } },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.title === 'string' ? json.title : `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(opsRoutes);
  await app.register(rulesetRoutes);
  await app.register(sourceRoutes);
  await app.register(evaluateRoutes);
  await app.register(batchRoutes);
  await app.register(validateRoutes);
  await app.register(decisionRoutes);
  await app.register(editorRoutes);
  await app.register(reviewRoutes);
  await app.register(keyRoutes);
  await app.register(caseRoutes);
  await app.register(caseNoticeRoutes);
  await app.register(impactJobRoutes);
  await app.register(webApp);

  app.addHook('onClose', async () => {
    live.stop();
    await impactJobs.close();
    await log.close();
    // After the log: every record is committed, so the last checkpoint signs the final head.
    await checkpointer.close();
  });
  return app;
}

function apiKeyOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (m) return m[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header ? header : undefined;
}
