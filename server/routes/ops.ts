import type { FastifyInstance } from 'fastify';
import { api, problemResponses } from '../schemas.js';
import { PERMISSIONS, type Permission } from '../context.js';
import { problem, sendProblem } from '../problem.js';
import { phrase } from '../../src/errors/catalogue.js';
import { StoreTimeout } from '../../src/store/store-timeout.js';
import type { Caller } from '../api-keys.js';

export async function opsRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.zhidu;
  const open = { rateLimit: false } as const;

  app.get('/health', { config: open, schema: { tags: ['operations'], summary: 'Liveness: the process answers', response: { 200: api('Health') } } }, async () => ({ status: 'ok' }));

  app.get(
    '/ready',
    {
      config: open,
      schema: { tags: ['operations'], summary: 'Readiness: rules loaded and the decision log reachable', response: { 200: api('Health'), 503: api('Problem') } },
    },
    async (request, reply) => {
      const rulesets = ctx.registry.ids().length;
      const database = ctx.log.db.kind;
      try {
        await ctx.log.ready();
      } catch (err) {
        // The database's own words (host names, users) are for the log, not for anyone who asks.
        request.log.warn({ err }, 'not ready: decision log unreachable or not answering');
        return sendProblem(reply, problem('NOT_READY', { detail: phrase(err instanceof StoreTimeout ? 'LOG_NOT_ANSWERING' : 'LOG_UNREACHABLE') }));
      }
      if (rulesets === 0) {
        return sendProblem(reply, problem('NOT_READY', { detail: phrase('NO_RULES_LOADED', { found: ctx.config.rulesDir }) }));
      }
      const skipped = [...new Set(ctx.ruleFindings.filter((f) => f.severity === 'error').map((f) => f.file))];
      return { status: 'ready', rulesets, database, ...(skipped.length > 0 ? { skipped } : {}) };
    },
  );

  app.get('/metrics', { config: open, schema: { tags: ['operations'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] } }, async (_request, reply) =>
    reply.type(ctx.metrics.contentType).send(await ctx.metrics.render()),
  );

  app.get(
    '/v1/whoami',
    {
      config: { permission: 'read' },
      schema: { tags: ['operations'], summary: 'The calling key: its name, role and what it may do', security: [{ apiKey: [] }], response: { 200: api('WhoAmI'), ...problemResponses(401, 429) } },
    },
    async (request) => {
      const caller = request.caller as Caller;
      const permissions = (Object.keys(PERMISSIONS) as Permission[]).filter((p) => (PERMISSIONS[p] as readonly string[]).includes(caller.role));
      return { name: caller.name, role: caller.role, permissions };
    },
  );
}
