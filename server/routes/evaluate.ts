import type { FastifyInstance } from 'fastify';
import { today } from '../../src/eval/evaluate.js';
import { api, problemResponses } from '../schemas.js';
import { decide, record } from '../recording.js';
import type { Caller } from '../api-keys.js';

interface EvaluateBody {
  facts: Record<string, unknown>;
  as_of?: string;
}

export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 200 } } } as const;

export async function evaluateRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.zhidu;
  app.post<{ Params: { id: string }; Body: EvaluateBody }>(
    '/v1/rulesets/:id/evaluate',
    {
      config: { permission: 'evaluate', accepts: ['application/json'] },
      schema: {
        tags: ['decisions'],
        summary: 'Decide one set of facts (recorded before it is returned)',
        description: 'as_of picks the version in force on that date (default today). 400 lists each invalid fact; 422 when the facts are valid but the rule set cannot decide them; 503 when the decision log cannot record it.',
        security: [{ apiKey: [] }],
        params: idParams,
        body: api('EvaluateRequest'),
        response: { 200: api('RecordedDecision'), ...problemResponses(400, 401, 403, 404, 413, 415, 422, 429, 503) },
      },
    },
    async (request) => {
      const asOf = request.body.as_of ?? today();
      const rs = ctx.registry.inForce(request.params.id, asOf);
      return record(ctx, request.caller as Caller, request.body.facts, decide(rs, request.body.facts, asOf));
    },
  );
}
