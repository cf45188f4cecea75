import type { FastifyInstance } from 'fastify';
import { today } from '../../src/eval/evaluate.js';
import { ZhiduError } from '../../src/errors/finding.js';
import { loadRuleSet } from '../../src/load/load-rule-set.js';
import type { PreparedRuleSet } from '../../src/load/prepared-rule-set.js';
import type { ImpactJob, ImpactJobRequest } from '../../src/generated/impact-job.js';
import type { JobSpec } from '../../src/impact/job-store.js';
import { problem, ProblemError, sendProblem } from '../problem.js';
import { phrase, type Phrase } from '../../src/errors/catalogue.js';
import { problemResponses } from '../schemas.js';
import { parseJsonBody } from '../json-body.js';
import { parseUpload, problemText } from '../../src/impact/population-upload.js';
import { countDecisionRecords } from '../../src/impact/decision-records.js';

/**
 * Impact as a job (issue #12): POST answers at once with the job; progress
 * (records done, rate, time left) by polling GET /v1/impact-jobs/{id} or as
 * server-sent events; cancel; the report kept in the database and reopened
 * by id, on any server sharing it.
 */
const JOB_SCHEMA = 'https://zhidu.dev/schemas/impact-job.schema.json';
const ref = (name: string) => ({ $ref: `${JOB_SCHEMA}#/definitions/${name}` });
const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } } } as const;
const TERMINAL = new Set(['done', 'failed', 'cancelled']);
/** An upload is kept with its job (in one row): bounded. */
const MAX_UPLOAD_RECORDS = 20_000;
/** The schema's maxLength of an uploaded file's text (4 MiB). */
const UPLOAD_BYTES = 4 * 1024 * 1024;

const STATUS_WORDS: Record<ImpactJob['status'], Phrase> = { queued: phrase('JOB_QUEUED'), running: phrase('JOB_RUNNING'), done: phrase('JOB_DONE'), failed: phrase('JOB_FAILED'), cancelled: phrase('JOB_CANCELLED') };

export async function impactJobRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.zhidu;
  const { registry } = ctx;
  const jobs = ctx.impactJobs;
  const security = [{ apiKey: [] }];

  // A draft travels inside JSON ({to: {yaml}}): as in the editor routes, a string may be as long as a YAML upload.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string, { ...ctx.config.limits, stringLength: Math.max(ctx.config.limits.stringLength, ctx.config.limits.yamlBytes, UPLOAD_BYTES) }));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  const jobOr404 = async (id: string): Promise<ImpactJob> => {
    const job = await jobs.store.get(id);
    if (!job) throw new ProblemError(problem('IMPACT_JOB_NOT_FOUND', { key: id }));
    return job;
  };

  app.post<{ Body: ImpactJobRequest }>(
    '/v1/impact-jobs',
    {
      config: { permission: 'validate', accepts: ['application/json'] },
      bodyLimit: Math.max(ctx.config.limits.yamlBytes * 4, UPLOAD_BYTES + ctx.config.limits.yamlBytes * 2),
      schema: {
        tags: ['editing'],
        summary: 'Start an impact job: the impact of a draft (or a version) on a population, in the background',
        description:
          'Answers 202 at once with the job (Location: /v1/impact-jobs/{id}). Follow its progress with GET /v1/impact-jobs/{id} or GET /v1/impact-jobs/{id}/events (text/event-stream), cancel it with POST /v1/impact-jobs/{id}/cancel, and read the report at /v1/impact-jobs/{id}/report once it is done. The report is kept in the database.',
        security,
        body: ref('ImpactJobRequest'),
        response: { 202: ref('ImpactJob'), ...problemResponses(400, 401, 403, 404, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const id = body.ruleset;
      if (registry.versions(id).length === 0) throw new ZhiduError('RULESET_NOT_FOUND', { key: id });
      let to: PreparedRuleSet;
      let draft = false;
      if ('yaml' in body.to) {
        const loaded = loadRuleSet('draft.yaml', body.to.yaml, { sources: registry.sources });
        if (!loaded.ok) return sendProblem(reply, { ...problem('PUBLISH_REJECTED', { detail: phrase('DRAFT_INVALID') }), stage: 'validate', findings: loaded.findings } as never);
        to = loaded.ruleSet;
        if (to.id !== id) throw new ProblemError(problem('REQUEST_INVALID', { detail: phrase('DRAFT_ID_MISMATCH', { found: to.id, expected: id }) }, { pointer: '/to/yaml' }));
        draft = !registry.versions(id).some((v) => v.hash === to.hash);
      } else to = versionOr404(id, body.to.version);
      const asOf = body.as_of ?? to.effectiveFrom ?? today();
      let from: PreparedRuleSet | undefined;
      if (body.from) from = versionOr404(id, body.from);
      else {
        from = registry.inForceOther(id, asOf, to.hash);
      }
      if (!from) throw new ZhiduError('NO_VERSION_IN_FORCE', { key: id, found: asOf });
      const pop = body.population;
      let population: JobSpec['population'];
      let total: number;
      let words: string;
      if ('upload' in pop) {
        // Checked against the version in force: real records come from the system as it is.
        const parsed = parseUpload(from, pop.upload.format, pop.upload.text, MAX_UPLOAD_RECORDS);
        if (parsed.problems.length > 0) {
          const p = problem('POPULATION_INVALID', { found: parsed.problems.length, detail: parsed.problems.slice(0, 3).map(problemText).join('；') });
          return sendProblem(reply, { ...p, problems: parsed.problems.map((x) => ({ ...x, text: problemText(x) })) } as never);
        }
        population = { records: parsed.records };
        total = parsed.records.length;
        words = `上传的 ${total} 条记录（${pop.upload.format === 'csv' ? 'CSV' : 'NDJSON'}）`;
      } else if ('decisions' in pop) {
        population = { decisions: pop.decisions };
        total = await countDecisionRecords(jobs.store.db, jobs.store.schema, { ruleset: id, ...pop.decisions });
        words = `已记录的 ${total} 个决定（${pop.decisions.from ?? '最早'} 至 ${pop.decisions.to ?? '现在'}）`;
      } else if ('records' in pop) {
        population = { records: pop.records };
        total = pop.records.length;
        words = `提交的 ${total} 条记录`;
      } else {
        population = { count: pop.count, seed: pop.seed ?? 1 };
        total = pop.count;
        words = `生成 ${pop.count} 人（种子 ${pop.seed ?? 1}）`;
      }
      const spec: JobSpec = {
        from: { file: from.file, text: from.text, version: from.version },
        to: { file: to.file, text: to.text, version: to.version, draft },
        as_of: asOf,
        population,
        sample: body.sample ?? 10,
      };
      const job = await jobs.submit({
        ruleset: id,
        spec,
        population_text: words,
        total,
        created_by: request.caller?.name ?? 'unknown',
      });
      return reply.code(202).header('location', `/v1/impact-jobs/${job.id}`).send(job);
    },
  );

  app.get<{ Querystring: { ruleset?: string; limit?: string } }>(
    '/v1/impact-jobs',
    {
      config: { permission: 'validate' },
      schema: {
        tags: ['editing'],
        summary: 'Impact jobs, newest first (running and past), to follow one or reopen its report',
        security,
        querystring: { type: 'object', additionalProperties: false, properties: { ruleset: { type: 'string', maxLength: 100 }, limit: { type: 'string', pattern: '^(?:[1-9]\\d?|1\\d\\d|200)$', description: '1 to 200 (default 50)' } } },
        response: { 200: ref('ImpactJobList'), ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request) => ({ jobs: await jobs.store.list({ ...(request.query.ruleset ? { ruleset: request.query.ruleset } : {}), limit: request.query.limit ? Number(request.query.limit) : 50 }) }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/impact-jobs/:id',
    {
      config: { permission: 'validate' },
      schema: { tags: ['editing'], summary: 'One impact job: its state and progress (records done, rate, time left)', security, params: idParam, response: { 200: ref('ImpactJob'), ...problemResponses(400, 401, 403, 404, 429) } },
    },
    async (request) => jobOr404(request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/impact-jobs/:id/report',
    {
      config: { permission: 'validate' },
      schema: { tags: ['editing'], summary: 'The report of a finished impact job (kept in the database)', security, params: idParam, response: { ...problemResponses(400, 401, 403, 404, 409, 429) } },
    },
    async (request) => {
      const job = await jobOr404(request.params.id);
      const report = job.status === 'done' ? await jobs.store.report(job.id) : undefined;
      if (!report) throw new ProblemError(problem('IMPACT_JOB_NOT_DONE', { key: job.id, found: STATUS_WORDS[job.status] }));
      return report;
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/impact-jobs/:id/cancel',
    {
      config: { permission: 'validate' },
      schema: { tags: ['editing'], summary: 'Cancel an impact job (on whichever server or worker runs it); it stops between batches', security, params: idParam, response: { 202: ref('ImpactJob'), ...problemResponses(400, 401, 403, 404, 409, 429) } },
    },
    async (request, reply) => {
      const job = await jobOr404(request.params.id);
      if (!(await jobs.cancel(job.id))) throw new ProblemError(problem('IMPACT_JOB_ENDED', { key: job.id, found: STATUS_WORDS[job.status] }));
      return reply.code(202).send(await jobOr404(job.id));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/impact-jobs/:id/events',
    {
      config: { permission: 'validate' },
      schema: {
        tags: ['editing'],
        summary: 'Progress of an impact job as server-sent events (text/event-stream): `progress` with the job, then `end`',
        description: 'Read from the database, so it follows a job run by any server or worker. Each event\'s data is the job (as GET /v1/impact-jobs/{id}).',
        security,
        params: idParam,
        response: { ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      let job = await jobOr404(request.params.id);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
      let open = true;
      request.raw.on('close', () => (open = false));
      let last = '';
      const waitFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
      while (open) {
        const text = JSON.stringify(job);
        if (text !== last) {
          res.write(`event: progress\ndata: ${text}\n\n`);
          last = text;
        }
        if (TERMINAL.has(job.status)) {
          res.write(`event: end\ndata: ${text}\n\n`);
          break;
        }
        // The pace of the database heartbeat: a job's progress is written about twice a second.
        await waitFor(500);
        job = (await jobs.store.get(job.id)) ?? job;
      }
      res.end();
    },
  );

  function versionOr404(id: string, version: string): PreparedRuleSet {
    const rs = registry.get(id, version);
    if (!rs) throw new ZhiduError('VERSION_NOT_FOUND', { key: id, found: version });
    return rs;
  }
}
