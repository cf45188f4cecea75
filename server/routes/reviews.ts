import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ZhiduError } from '../../src/errors/finding.js';
import { loadRuleSet } from '../../src/load/load-rule-set.js';
import { gate } from '../../src/versions/publish-gate.js';
import { nextStep, summarise, STATE_ZH, ACTION_ZH, type ReviewActor } from '../../src/versions/review-flow.js';
import type { ReviewEvent, ReviewKind } from '../../src/store/review-store.js';
import { problem, sendProblem } from '../problem.js';
import { phrase } from '../../src/errors/catalogue.js';
import { parseJsonBody } from '../json-body.js';
import { problemResponses } from '../schemas.js';
import { idParams } from './evaluate.js';
import { gateBody, gateProblem } from './editor.js';

/**
 * Four-eyes review of rule-set versions (docs/editing.md, "Review"): submit a draft (it must
 * pass the gate), approve or reject it with a comment (not the submitter, unless four eyes
 * is off), withdraw it, publish it once approved. Every step is an append-only row of
 * review_events, read back by every server from the database.
 */
const versionParams = {
  type: 'object',
  required: ['id', 'version'],
  properties: { id: { type: 'string', maxLength: 200 }, version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' } },
} as const;

const commentBody = {
  type: 'object',
  additionalProperties: false,
  properties: { comment: { type: 'string', maxLength: 4000, description: 'The reviewer\'s comment (zh-CN); required to approve or reject' } },
} as const;

const submitBody = {
  type: 'object',
  additionalProperties: false,
  required: ['yaml'],
  properties: {
    yaml: { type: 'string', description: 'Rule-set YAML (the draft)' },
    tests: { type: 'string', description: 'Test-suite YAML; default: the test file of the rule set already loaded' },
    comment: { type: 'string', maxLength: 4000, description: 'What changed and why, for the reviewer' },
  },
} as const;

function actorOf(request: FastifyRequest): ReviewActor {
  return { name: request.caller?.name ?? 'unknown', role: request.caller?.role ?? 'unknown' };
}

function eventView(e: ReviewEvent) {
  return { seq: e.seq, kind: e.kind, kind_zh: ACTION_ZH[e.kind], actor: e.actor, actor_role: e.actor_role, comment: e.comment, hash: e.hash, at: e.at };
}

/** One version's review: its state, who submitted it, and every step. */
export function reviewView(events: readonly ReviewEvent[], withSource = false) {
  const s = summarise(events);
  const sub = s.submitted;
  return {
    ruleset: sub?.ruleset_id ?? events[0]?.ruleset_id,
    version: sub?.version ?? events[0]?.version,
    state: s.state,
    state_zh: STATE_ZH[s.state],
    hash: sub?.hash ?? events.at(-1)?.hash ?? null,
    submitted_by: sub?.actor ?? null,
    submitted_at: sub?.at ?? null,
    events: events.map(eventView),
    ...(withSource && sub ? { yaml: sub.yaml, tests: sub.tests } : {}),
  };
}

export async function reviewRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.zhidu;
  const { registry, live, reviews } = ctx;

  // Drafts travel inside JSON ({yaml, tests}): strings here may be as long as a YAML upload.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string, { ...ctx.config.limits, stringLength: Math.max(ctx.config.limits.stringLength, ctx.config.limits.yamlBytes) }));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  const known = (id: string) => {
    if (registry.versions(id).length === 0) throw new ZhiduError('RULESET_NOT_FOUND', { key: id });
  };

  app.get<{ Params: { id: string } }>(
    '/v1/rulesets/:id/reviews',
    {
      config: { permission: 'validate' },
      schema: {
        tags: ['editing'],
        summary: 'The review of every submitted version of a rule set: state (submitted, approved, rejected, published, withdrawn) and every step with who, when and the comment',
        security: [{ apiKey: [] }],
        params: idParams,
        response: { ...problemResponses(401, 403, 404, 429) },
      },
    },
    async (request) => {
      known(request.params.id);
      const byVersion = new Map<string, ReviewEvent[]>();
      for (const e of await reviews.events(request.params.id)) byVersion.set(e.version, [...(byVersion.get(e.version) ?? []), e]);
      const list = [...byVersion.values()].sort((a, b) => (b.at(-1)?.seq ?? 0) - (a.at(-1)?.seq ?? 0));
      return { id: request.params.id, four_eyes: ctx.config.fourEyes, reviews: list.map((events) => reviewView(events)) };
    },
  );

  app.get<{ Params: { id: string; version: string } }>(
    '/v1/rulesets/:id/reviews/:version',
    {
      config: { permission: 'validate' },
      schema: {
        tags: ['editing'],
        summary: 'One version\'s review with the draft as submitted (YAML and tests)',
        security: [{ apiKey: [] }],
        params: versionParams,
        response: { ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      known(request.params.id);
      const events = await reviews.events(request.params.id, request.params.version);
      if (events.length === 0) throw new ZhiduError('REVIEW_NOT_FOUND', { key: request.params.version });
      return { four_eyes: ctx.config.fourEyes, ...reviewView(events, true) };
    },
  );

  app.post<{ Params: { id: string }; Body: { yaml: string; tests?: string; comment?: string } }>(
    '/v1/rulesets/:id/reviews',
    {
      config: { permission: 'publish', accepts: ['application/json'] },
      bodyLimit: ctx.config.limits.yamlBytes * 2,
      schema: {
        tags: ['editing'],
        summary: 'Submit a draft for review: it must pass the whole publish gate first; then another editor or an admin approves or rejects it',
        description: '201 with the review and the gate\'s report; 422 PUBLISH_REJECTED / 409 VERSION_EXISTS / VERSION_SUPERSEDED as for publishing; 409 REVIEW_STATE when that version is already under review or approved.',
        security: [{ apiKey: [] }],
        params: idParams,
        body: submitBody,
        response: { ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      known(id);
      const { yaml, comment } = request.body;
      const probe = loadRuleSet(`${id}.yaml`, yaml, { sources: registry.sources });
      if (probe.ok && probe.ruleSet.id !== id) return sendProblem(reply, problem('REQUEST_INVALID', { detail: phrase('DRAFT_ID_MISMATCH', { found: probe.ruleSet.id, expected: id }) }, { pointer: '/yaml' }));
      const file = probe.ok ? `${id}-${probe.ruleSet.version}.yaml` : `${id}.yaml`;
      const tests = request.body.tests !== undefined ? { file: file.replace(/\.ya?ml$/, '.test.yaml'), text: request.body.tests } : live.testsFor(id);
      const result = await gate(yaml, { file, registry, sources: registry.sources, ...(tests ? { tests } : {}) });
      const body = gateBody(result);
      if (!result.ok || !result.ruleSet) return sendProblem(reply, { ...gateProblem(result, id), ...body } as never);
      // Already published with this content: nothing to review.
      if (result.stage === 'unchanged') throw new ZhiduError('VERSION_EXISTS', { key: id, found: result.ruleSet.version });
      const rs = result.ruleSet;
      await reviews.append(id, rs.version, (events) =>
        nextStep(events, { kind: 'submitted', ruleset: id, version: rs.version, actor: actorOf(request), comment: comment ?? null, fourEyes: ctx.config.fourEyes, hash: rs.hash, yaml, tests: tests?.text ?? null }),
      );
      const events = await reviews.events(id, rs.version);
      return reply.code(201).send({ review: reviewView(events), four_eyes: ctx.config.fourEyes, ...body });
    },
  );

  const step = (kind: Exclude<ReviewKind, 'submitted' | 'published'>, summary: string) =>
    app.post<{ Params: { id: string; version: string }; Body: { comment?: string } | undefined }>(
      `/v1/rulesets/:id/reviews/:version/${kind === 'approved' ? 'approve' : kind === 'rejected' ? 'reject' : 'withdraw'}`,
      {
        config: { permission: 'publish', accepts: ['application/json'] },
        schema: { tags: ['editing'], summary, security: [{ apiKey: [] }], params: versionParams, body: commentBody, response: { ...problemResponses(400, 401, 403, 404, 409, 415, 429) } },
      },
      async (request) => {
        const { id, version } = request.params;
        known(id);
        await reviews.append(id, version, (events) => nextStep(events, { kind, ruleset: id, version, actor: actorOf(request), comment: request.body?.comment ?? null, fourEyes: ctx.config.fourEyes }));
        return { review: reviewView(await reviews.events(id, version)), four_eyes: ctx.config.fourEyes };
      },
    );
  step('approved', 'Approve a submitted version (with a comment): another editor or an admin than the submitter, unless four eyes is off');
  step('rejected', 'Reject a submitted version, with a comment saying why (it may be corrected and submitted again)');
  step('withdrawn', 'Withdraw a submitted or approved version (the submitter or an admin)');

  app.post<{ Params: { id: string; version: string } }>(
    '/v1/rulesets/:id/reviews/:version/publish',
    {
      config: { permission: 'publish' },
      schema: {
        tags: ['editing'],
        summary: 'Publish an approved version: exactly the content that was approved, through the gate again (other versions may have been published meanwhile)',
        description: '201 published (live on every server from its effective_from); 409 REVIEW_STATE when it is not approved (with four eyes off, submitted is enough); the gate\'s refusals as for publishing.',
        security: [{ apiKey: [] }],
        params: versionParams,
        response: { ...problemResponses(400, 401, 403, 404, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const { id, version } = request.params;
      known(id);
      const events = await reviews.events(id, version);
      nextStep(events, { kind: 'published', ruleset: id, version, actor: actorOf(request), fourEyes: ctx.config.fourEyes });
      const submitted = summarise(events).submitted as ReviewEvent;
      const file = `${id}-${version}.yaml`;
      const result = await live.publish(submitted.yaml as string, {
        file,
        caller: request.caller?.name ?? 'unknown',
        ...(submitted.tests !== null ? { tests: { file: file.replace(/\.yaml$/, '.test.yaml'), text: submitted.tests } } : {}),
      });
      const body = gateBody(result);
      if (!result.ok) return sendProblem(reply, { ...gateProblem(result, id), ...body } as never);
      // The version is live: the record says so, whatever happened to the review meanwhile.
      await reviews.append(id, version, (now) =>
        now.at(-1)?.kind === 'published' ? Promise.reject(new ZhiduError('REVIEW_STATE', { key: `v${version}`, found: STATE_ZH.published, detail: ACTION_ZH.published, expected: 'publish' })) : { ruleset_id: id, version, hash: submitted.hash, kind: 'published', actor: actorOf(request).name, actor_role: actorOf(request).role, comment: null, yaml: null, tests: null },
      );
      return reply.code(result.stage === 'unchanged' ? 200 : 201).send({
        published: result.stage !== 'unchanged',
        review: reviewView(await reviews.events(id, version)),
        ...body,
        ...(result.published ? { published_at: result.published.published_at, published_by: result.published.published_by } : {}),
      });
    },
  );
}
