import type { FastifyInstance } from 'fastify';
import { today } from '../../src/eval/evaluate.js';
import { api, problemResponses } from '../schemas.js';
import { RECORDED_DECISION_EXAMPLES } from '../api-examples.js';
import { decide, record } from '../recording.js';
import { atLevel } from '../../src/decision/explain-level.js';
import { checkExplainQuery, explainLevel } from '../explain-query.js';
import type { Caller } from '../api-keys.js';

interface EvaluateBody {
  facts: Record<string, unknown>;
  as_of?: string;
}

export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 200 } } } as const;

export async function evaluateRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.zhidu;
  app.post<{ Params: { id: string }; Body: EvaluateBody; Querystring: { explain?: string; record?: 'true' | 'false' } }>(
    '/v1/rulesets/:id/evaluate',
    {
      config: { permission: 'evaluate', accepts: ['application/json'] },
      preValidation: checkExplainQuery,
      schema: {
        tags: ['decisions'],
        summary: 'Decide one set of facts (recorded before it is returned; ?record=false previews without recording)',
        description:
          'as_of picks the version in force on that date (default today). ?explain=full|summary|none chooses how much of the explanation is sent (default full); the decision is recorded the same at every level. ?record=false is the interactive preview of a form: decided the same, NOT recorded, returned without an id (DecisionPreview). 400 lists each invalid fact (EXPLAIN_INVALID for another explain); 422 when the facts are valid but the rule set cannot decide them; 503 when the decision log cannot record it.',
        security: [{ apiKey: [] }],
        params: idParams,
        querystring: api('EvaluateQuery'),
        body: api('EvaluateRequest'),
        response: {
          200: {
            description: 'The decision at the requested explain level: recorded (RecordedDecision), or with record=false a preview (DecisionPreview).',
            content: { 'application/json': { schema: { oneOf: [api('RecordedDecision'), api('DecisionPreview')] }, examples: RECORDED_DECISION_EXAMPLES } },
          },
          ...problemResponses(400, 401, 403, 404, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const level = explainLevel(request);
      const asOf = request.body.as_of ?? today();
      const rs = ctx.registry.inForce(request.params.id, asOf);
      const decided = decide(rs, request.body.facts, asOf);
      // A preview is what the person at the form sees while asking; the log keeps only what is submitted (issue #13).
      const r = request.query.record === 'false' ? { id: null, recorded_at: null, decision: decided.decision } : await record(ctx, request.caller as Caller, request.body.facts, decided);
      // Serialised here: the response schema's oneOf over the levels would make fastify validate each decision to pick a serialiser.
      return reply.type('application/json; charset=utf-8').send(JSON.stringify({ id: r.id, recorded_at: r.recorded_at, explain: level, decision: atLevel(r.decision, level) }));
    },
  );
}
