import type { FastifyInstance, FastifyReply } from 'fastify';
import { today } from '../../src/eval/evaluate.js';
import { formatFinding, ZhiduError, type Finding } from '../../src/errors/finding.js';
import { phrase } from '../../src/errors/catalogue.js';
import { loadRuleSet } from '../../src/load/load-rule-set.js';
import type { PreparedRuleSet } from '../../src/load/prepared-rule-set.js';
import { lintText } from '../../src/lint/lint-rule-set.js';
import { runSuite, newCoverage, recordCoverage } from '../../src/testing/run-suite.js';
import type { GateResult } from '../../src/versions/publish-gate.js';
import { diffRuleSets, formatDiff } from '../../src/versions/rule-set-diff.js';
import { runImpact, runImpactParallel, fromArray } from '../../src/impact/run-impact.js';
import { availableParallelism } from 'node:os';
import { generatePopulation } from '../../src/impact/population-generator.js';
import type { PopulationRecord } from '../../src/impact/population-reader.js';
import { problem, sendProblem, type Problem } from '../problem.js';
import { parseJsonBody } from '../json-body.js';
import { api, problemResponses, YAML_TYPES } from '../schemas.js';
import { reviewView } from '../../src/versions/review-flow.js';
import { idParams } from './evaluate.js';

/**
 * The policy editors' API: lint a draft, list versions, diff two versions
 * (or a draft against the version in force), publish through the gate, and
 * the impact of a draft on a population before it goes live.
 */
interface DraftBody {
  yaml: string;
  tests?: string;
  file?: string;
}

const ACCEPTS = ['application/json', ...YAML_TYPES];
const MAX_GENERATED = 1_000_000;
const MAX_RECORDS = 10_000;

const draftBody = {
  type: 'object',
  additionalProperties: false,
  required: ['yaml'],
  properties: {
    yaml: { type: 'string', description: 'Rule-set YAML (the draft)' },
    tests: { type: 'string', description: 'Test-suite YAML; default: the test file of the rule set already loaded' },
    file: { type: 'string', pattern: '^[A-Za-z0-9_./-]{1,200}$', description: 'File name findings are reported against (default draft.yaml)' },
  },
} as const;

const anyBody = { anyOf: [{ type: 'string', description: 'Rule-set YAML' }, draftBody] };

const findingsResponse = {
  type: 'object',
  description: 'Findings with file:line:column; `text` is the one-line form the CLI prints.',
  properties: { ok: { type: 'boolean' }, counts: { type: 'object' }, ruleset: { type: 'object' }, findings: { type: 'array', items: { type: 'object' } }, tests: { type: 'object' } },
} as const;

function draftOf(body: unknown): DraftBody {
  return typeof body === 'string' ? { yaml: body } : (body as DraftBody);
}

function withText(findings: readonly Finding[]): Array<Finding & { text: string }> {
  return findings.map((f) => ({ ...f, text: formatFinding(f) }));
}

/** What the gate found, in the shape the publish and review answers share. */
export function gateBody(result: GateResult): Record<string, unknown> {
  return {
    stage: result.stage,
    ...(result.ruleSet ? { ruleset: { id: result.ruleSet.id, version: result.ruleSet.version, hash: result.ruleSet.hash, effective_from: result.ruleSet.effectiveFrom, effective_to: result.ruleSet.effectiveTo } } : {}),
    ...(result.tests ? { tests: result.tests } : {}),
    ...(result.population ? { population: result.population } : {}),
    findings: withText(result.findings),
  };
}

/** The problem a gate refusal answers with: its own code (version taken or overtaken) or PUBLISH_REJECTED. */
export function gateProblem(result: GateResult, id: string): Problem {
  if (result.code === 'VERSION_EXISTS') return problem('VERSION_EXISTS', { key: result.ruleSet?.id ?? id, found: result.ruleSet?.version ?? '' });
  if (result.code && result.code !== 'PUBLISH_REJECTED') return problem(result.code, result.params ?? {});
  return problem('PUBLISH_REJECTED', { detail: result.why ?? result.stage });
}

function versionOr404(app: FastifyInstance, id: string, version: string): PreparedRuleSet {
  const { registry } = app.zhidu;
  if (registry.versions(id).length === 0) throw new ZhiduError('RULESET_NOT_FOUND', { key: id });
  const rs = registry.get(id, version);
  if (!rs) throw new ZhiduError('VERSION_NOT_FOUND', { key: id, found: version });
  return rs;
}

function inForceOrNull(app: FastifyInstance, id: string, date: string): PreparedRuleSet | null {
  try {
    return app.zhidu.registry.inForce(id, date);
  } catch (err) {
    if (err instanceof ZhiduError) return null;
    throw err;
  }
}

function sendWithFindings(reply: FastifyReply, p: Problem, extra: Record<string, unknown>): FastifyReply {
  return sendProblem(reply, { ...p, ...extra } as Problem);
}

/** Load a draft; a draft that does not load answers 422 with its findings. */
function loadDraft(app: FastifyInstance, reply: FastifyReply, draft: DraftBody): PreparedRuleSet | undefined {
  const loaded = loadRuleSet(draft.file ?? 'draft.yaml', draft.yaml, { sources: app.zhidu.registry.sources });
  if (loaded.ok) return loaded.ruleSet;
  void sendWithFindings(reply, problem('PUBLISH_REJECTED', { detail: phrase('DRAFT_INVALID') }), { stage: 'validate', findings: withText(loaded.findings) });
  return undefined;
}

export async function editorRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.zhidu;
  const { registry, live } = ctx;

  // These routes carry whole rule files inside JSON ({yaml, tests}): in this plugin only, a JSON
  // string may be as long as a YAML upload (the other limits — depth, prototype keys — still hold).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string, { ...ctx.config.limits, stringLength: Math.max(ctx.config.limits.stringLength, ctx.config.limits.yamlBytes) }));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.post<{ Body: unknown }>(
    '/v1/lint',
    {
      config: { permission: 'validate', accepts: ACCEPTS },
      bodyLimit: ctx.config.limits.yamlBytes * 2,
      schema: {
        tags: ['editing'],
        summary: 'Lint a rule-set draft: the same findings as `zhidu lint` (bands, impossible rules, outputs, facts, citations, ambiguities, test coverage)',
        description: 'Body: the YAML (Content-Type: application/yaml), or JSON {yaml, tests?, file?}. Without tests, the test file of the rule set already loaded is used. Findings are the answer (200) whatever they say; nothing is stored.',
        security: [{ apiKey: [] }],
        body: anyBody,
        response: { 200: findingsResponse, ...problemResponses(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request) => {
      const draft = draftOf(request.body);
      const file = draft.file ?? 'draft.yaml';
      const probe = loadRuleSet(file, draft.yaml, { sources: registry.sources });
      const tests = draft.tests !== undefined ? { file: file.replace(/\.ya?ml$/, '.test.yaml'), text: draft.tests } : probe.ok ? live.testsFor(probe.ruleSet.id) : undefined;
      // A draft's tests are its own: each case runs against the draft (see docs/editing.md, the gate).
      const report = await lintText(file, draft.yaml, { sources: registry.sources, registry, draft: true, ...(tests ? { tests } : {}) });
      return {
        ok: report.counts.error === 0,
        counts: report.counts,
        ...(report.ruleset ? { ruleset: report.ruleset } : {}),
        ...(report.tests ? { tests: report.tests } : {}),
        findings: withText(report.findings),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/rulesets/:id/versions',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['editing'],
        summary: 'Every version of a rule set: effective dates, hash, which is in force today, who published it, and its four-eyes review (state, by whom, when, every step)',
        security: [{ apiKey: [] }],
        params: idParams,
        response: { 200: api('VersionList'), ...problemResponses(401, 403, 404, 429) },
      },
    },
    async (request) => {
      const id = request.params.id;
      const versions = registry.versions(id);
      if (versions.length === 0) throw new ZhiduError('RULESET_NOT_FOUND', { key: id });
      const current = inForceOrNull(app, id, today());
      const steps = await ctx.reviews.events(id);
      return {
        id,
        in_force: current?.version ?? null,
        versions: versions.map((v) => ({
          version: v.version,
          title: v.title,
          effective_from: v.effectiveFrom,
          effective_to: v.effectiveTo,
          hash: v.hash,
          in_force: v === current,
          ...live.origin(id, v.version),
          review: reviewView(steps.filter((e) => e.version === v.version)),
        })),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string } }>(
    '/v1/rulesets/:id/diff',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['editing'],
        summary: 'What changed between two versions, in words (rules added/removed, thresholds, amounts, values, citations, inputs, outputs)',
        description: 'from defaults to the version in force today, to to the latest version.',
        security: [{ apiKey: [] }],
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { from: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' }, to: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' } } },
        response: { ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const id = request.params.id;
      if (registry.versions(id).length === 0) throw new ZhiduError('RULESET_NOT_FOUND', { key: id });
      const from = request.query.from ? versionOr404(app, id, request.query.from) : (inForceOrNull(app, id, today()) ?? (registry.versions(id)[0] as PreparedRuleSet));
      const to = request.query.to ? versionOr404(app, id, request.query.to) : (registry.latest(id) as PreparedRuleSet);
      const diff = diffRuleSets(from.definition, to.definition);
      return { ...diff, text: formatDiff(diff) };
    },
  );

  app.post<{ Params: { id: string }; Body: unknown; Querystring: { from?: string } }>(
    '/v1/rulesets/:id/diff',
    {
      config: { permission: 'validate', accepts: ACCEPTS },
      bodyLimit: ctx.config.limits.yamlBytes * 2,
      schema: {
        tags: ['editing'],
        summary: 'Diff a draft against a version (default: the version in force today)',
        security: [{ apiKey: [] }],
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { from: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' } } },
        body: anyBody,
        response: { ...problemResponses(400, 401, 403, 404, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      if (registry.versions(id).length === 0) throw new ZhiduError('RULESET_NOT_FOUND', { key: id });
      const draft = loadDraft(app, reply, draftOf(request.body));
      if (!draft) return reply;
      const from = request.query.from ? versionOr404(app, id, request.query.from) : (inForceOrNull(app, id, today()) ?? (registry.latest(id) as PreparedRuleSet));
      const diff = diffRuleSets(from.definition, draft.definition);
      return { ...diff, text: formatDiff(diff) };
    },
  );

  app.get<{ Params: { id: string; version: string } }>(
    '/v1/rulesets/:id/versions/:version/source',
    {
      config: { permission: 'validate' },
      schema: {
        tags: ['editing'],
        summary: 'The YAML a version was loaded or published from, and the rule set\'s test suite (to start a draft)',
        security: [{ apiKey: [] }],
        params: { type: 'object', required: ['id', 'version'], properties: { id: { type: 'string', maxLength: 200 }, version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' } } },
        response: { ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const rs = versionOr404(app, request.params.id, request.params.version);
      const tests = live.testsFor(rs.id);
      return { id: rs.id, version: rs.version, file: rs.file, yaml: rs.text, ...(tests ? { tests: tests.text, tests_file: tests.file } : {}) };
    },
  );

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/v1/rulesets/:id/test',
    {
      config: { permission: 'validate', accepts: ACCEPTS },
      bodyLimit: ctx.config.limits.yamlBytes * 2,
      schema: {
        tags: ['editing'],
        summary: 'Run the rule set\'s test cases against a draft (each case meets the version in force on its date, the draft included)',
        security: [{ apiKey: [] }],
        params: idParams,
        body: anyBody,
        response: { ...problemResponses(400, 401, 403, 404, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      const body = draftOf(request.body);
      const draft = loadDraft(app, reply, body);
      if (!draft) return reply;
      const tests = body.tests !== undefined ? { file: `${id}.test.yaml`, text: body.tests } : live.testsFor(id);
      if (!tests) return sendProblem(reply, problem('PUBLISH_REJECTED', { detail: phrase('TESTS_MISSING') }));
      // Every case against the draft, at its as_of inside the draft's range, else at its effective_from.
      const run = await runSuite(tests.file, registry, { text: tests.text, ruleSet: draft, draft: true });
      const coverage = newCoverage();
      for (const c of run.cases) if (c.decision && c.decision.ruleset.hash === draft.hash) recordCoverage(coverage, c.decision);
      const onDraft = run.cases.filter((c) => c.decision?.ruleset.hash === draft.hash).length;
      return {
        file: tests.file,
        passed: run.cases.filter((c) => c.ok).length,
        failed: run.cases.filter((c) => !c.ok).length,
        on_draft: onDraft,
        findings: withText(run.findings),
        cases: run.cases.map((c) => ({ name: c.name, ok: c.ok, line: c.line, failures: c.failures, as_of: c.asOf, version: c.decision?.ruleset.version ?? null })),
        coverage: {
          rules: draft.rules.length,
          rules_held: [...coverage.rules.values()].filter((r) => r.true).length,
          never_held: draft.rules.filter((r) => !coverage.rules.get(r.id)?.true).map((r) => r.id),
        },
      };
    },
  );

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/v1/rulesets/:id/versions',
    {
      config: { permission: 'publish', accepts: ACCEPTS },
      bodyLimit: ctx.config.limits.yamlBytes * 2,
      schema: {
        tags: ['editing'],
        summary: 'Publish a new version: validated, linted and tested first; live (on every server) only if all pass',
        description:
          'Only with four eyes off (ZHIDU_FOUR_EYES=off): otherwise 409 REVIEW_REQUIRED — submit through POST /v1/rulesets/{id}/reviews. Body: the YAML, or JSON {yaml, tests?}. 201 when published (kept in the database for good, in force from its effective_from); 200 when the same version with the same content is already published; 422 PUBLISH_REJECTED with the findings when validation, lint (errors) or the tests fail — the version in force is unchanged; 409 VERSION_EXISTS when that version number is taken by other content.',
        security: [{ apiKey: [] }],
        params: idParams,
        body: anyBody,
        response: { ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      // Four eyes: straight to live only in a single-person office; otherwise through /reviews.
      if (ctx.config.fourEyes) throw new ZhiduError('REVIEW_REQUIRED');
      const draft = draftOf(request.body);
      const probe = loadRuleSet(draft.file ?? `${id}.yaml`, draft.yaml, { sources: registry.sources });
      if (probe.ok && probe.ruleSet.id !== id) {
        return sendProblem(reply, problem('REQUEST_INVALID', { detail: phrase('DRAFT_ID_MISMATCH', { found: probe.ruleSet.id, expected: id }) }, { pointer: '/id' }));
      }
      const file = draft.file ?? (probe.ok ? `${id}-${probe.ruleSet.version}.yaml` : `${id}.yaml`);
      const tests = draft.tests !== undefined ? { file: file.replace(/\.ya?ml$/, '.test.yaml'), text: draft.tests } : undefined;
      const result = await live.publish(draft.yaml, { file, caller: request.caller?.name ?? 'unknown', ...(tests ? { tests } : {}) });
      const body = gateBody(result);
      if (!result.ok) return sendWithFindings(reply, gateProblem(result, id), body);
      const published = result.stage !== 'unchanged';
      if (published && result.ruleSet) {
        // Every step is on the version's record, a direct publication too.
        const rs = result.ruleSet;
        await ctx.reviews.append(id, rs.version, () => ({ ruleset_id: id, version: rs.version, hash: rs.hash, kind: 'published', actor: request.caller?.name ?? 'unknown', actor_role: request.caller?.role ?? 'unknown', comment: null, yaml: null, tests: null }));
      }
      return reply.code(published ? 201 : 200).send({ published, ...body, ...(result.published ? { published_at: result.published.published_at, published_by: result.published.published_by } : {}) });
    },
  );

  app.post<{ Params: { id: string }; Body: ImpactBody }>(
    '/v1/rulesets/:id/impact',
    {
      config: { permission: 'validate', accepts: ['application/json'] },
      bodyLimit: ctx.config.limits.yamlBytes * 4,
      schema: {
        tags: ['editing'],
        summary: 'Impact of a draft (or a version) before it goes live: outcomes that change, in which direction, amounts, by rule, with sample cases',
        description: `to: {yaml} for a draft or {version}; from: a version (default the version in force on as_of); as_of defaults to the new version's effective date. population: {count, seed} generates a synthetic population from the input schema (at most ${MAX_GENERATED}), or {records: [facts…]} (at most ${MAX_RECORDS}).`,
        security: [{ apiKey: [] }],
        params: idParams,
        body: impactBody,
        response: { ...problemResponses(400, 401, 403, 404, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      if (registry.versions(id).length === 0) throw new ZhiduError('RULESET_NOT_FOUND', { key: id });
      const body = request.body;
      let to: PreparedRuleSet | undefined;
      if ('yaml' in body.to) {
        to = loadDraft(app, reply, { yaml: body.to.yaml });
        if (!to) return reply;
      } else to = versionOr404(app, id, body.to.version);
      const asOf = body.as_of ?? to.effectiveFrom ?? today();
      let from: PreparedRuleSet | undefined;
      if (body.from) from = versionOr404(app, id, body.from);
      else {
        from = registry.inForceOther(id, asOf, to.hash);
      }
      if (!from) throw new ZhiduError('NO_VERSION_IN_FORCE', { key: id, found: asOf });
      const pop = body.population;
      const records: AsyncIterable<PopulationRecord> = 'records' in pop ? fromArray(pop.records) : generated(to.definition, pop.count, pop.seed ?? 1, asOf);
      const count = 'records' in pop ? pop.records.length : pop.count;
      // Large populations are split across worker threads (one per CPU, at most 4), so a request
      // for 100 000 applicants does not hold this thread for the whole run.
      const workers = count >= 5000 ? Math.min(4, availableParallelism()) : 1;
      const options = { from, to, asOf, sampleSize: body.sample ?? 10 };
      return workers > 1 ? runImpactParallel(records, { ...options, workers, sourcesDir: registry.sources.dir }) : runImpact(records, options);
    },
  );
}

interface ImpactBody {
  to: { yaml: string } | { version: string };
  from?: string;
  as_of?: string;
  population: { count: number; seed?: number } | { records: Record<string, unknown>[] };
  sample?: number;
}

const impactBody = {
  type: 'object',
  additionalProperties: false,
  required: ['to', 'population'],
  properties: {
    to: {
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['yaml'], properties: { yaml: { type: 'string' } } },
        { type: 'object', additionalProperties: false, required: ['version'], properties: { version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' } } },
      ],
    },
    from: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
    as_of: { type: 'string', format: 'date' },
    sample: { type: 'integer', minimum: 0, maximum: 100 },
    population: {
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['count'], properties: { count: { type: 'integer', minimum: 1, maximum: MAX_GENERATED }, seed: { type: 'integer', minimum: 0, maximum: 4294967295 } } },
        { type: 'object', additionalProperties: false, required: ['records'], properties: { records: { type: 'array', maxItems: MAX_RECORDS, items: { type: 'object' } } } },
      ],
    },
  },
} as const;

async function* generated(def: PreparedRuleSet['definition'], count: number, seed: number, asOf: string): AsyncGenerator<PopulationRecord> {
  let line = 0;
  for (const facts of generatePopulation(def, count, { seed, asOf })) yield { line: ++line, facts };
}
