import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { today } from '../../src/eval/evaluate.js';
import { ZhiduError } from '../../src/errors/finding.js';
import type { Decision } from '../../src/generated/decision.js';
import type { PendingRecord } from '../../src/store/log-record.js';
import { api, evaluateRequestValidator, problemResponses } from '../schemas.js';
import { fail, fromZhiduError, problem, ProblemError, storeProblem, type Problem } from '../problem.js';
import { StoreUnavailable } from '../../src/store/store-unavailable.js';
import { decide, prepareRecord, recordAll } from '../recording.js';
import { atLevel, type ExplainLevel } from '../../src/decision/explain-level.js';
import { checkExplainQuery, explainLevel } from '../explain-query.js';
import { parseJsonBody } from '../json-body.js';
import { errorPointer, errorsText } from '../../src/schema/ajv-error.js';
import type { Caller } from '../api-keys.js';
import type { ZhiduContext } from '../context.js';
import { idParams } from './evaluate.js';

type Outcome = { index: number; prepared: { record: PendingRecord; decision: Decision } } | { index: number; problem: Problem };

/** One item: validated, decided and prepared for the log — or its own problem. */
async function decideItem(ctx: ZhiduContext, caller: Caller, id: string, index: number, item: unknown): Promise<Outcome> {
  const validate = evaluateRequestValidator();
  if (!validate(item)) {
    const e = validate.errors?.[0];
    return { index, problem: problem('REQUEST_INVALID', { detail: errorsText(validate.errors ?? [], `/${index}`) }, { pointer: `/${index}${e ? errorPointer(e) : ''}` }) };
  }
  const { facts, as_of } = item as { facts: Record<string, unknown>; as_of?: string };
  try {
    const asOf = as_of ?? today();
    const rs = ctx.registry.inForce(id, asOf);
    return { index, prepared: prepareRecord(ctx, caller, facts, decide(rs, facts, asOf)) };
  } catch (err) {
    if (err instanceof ZhiduError) return { index, problem: fromZhiduError(err, `/${index}`) };
    throw err;
  }
}

/** Record the decided items of a group together, then give each its line, in order. */
async function settle(ctx: ZhiduContext, group: readonly Outcome[], level: ExplainLevel): Promise<Array<Record<string, unknown>>> {
  const records = group.flatMap((o) => ('prepared' in o ? [o.prepared] : []));
  const recorded = await recordAll(ctx, records);
  const byId = new Map(recorded.map((r) => [r.id, r]));
  return group.map((o) => {
    if ('problem' in o) return { index: o.index, problem: o.problem };
    const r = byId.get(o.prepared.record.content.id);
    if (!r) throw new Error('a decided item was not recorded');
    return { index: o.index, id: r.id, recorded_at: r.recorded_at, explain: level, decision: atLevel(r.decision, level) };
  });
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Split a byte stream into lines, refusing any line longer than maxLine. */
async function* lineGroups(stream: AsyncIterable<Buffer | string>, maxLine: number): AsyncGenerator<{ lines: string[]; overflow: boolean }> {
  let rest = '';
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of stream) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const parts = rest.split('\n');
    rest = parts.pop() ?? '';
    const overflow = rest.length > maxLine;
    yield { lines: parts, overflow };
    if (overflow) return;
  }
  rest += decoder.decode();
  if (rest.length > 0) yield { lines: [rest], overflow: false };
}

export async function batchRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.zhidu;
  const { limits } = ctx.config;
  app.post<{ Params: { id: string }; Body: unknown; Querystring: { explain?: string } }>(
    '/v1/rulesets/:id/evaluate-batch',
    {
      config: { permission: 'batch', accepts: ['application/json', 'application/x-ndjson'] },
      preValidation: checkExplainQuery,
      bodyLimit: limits.batchBodyBytes,
      // Items are validated one by one (each gets its own problem), not the array as a whole.
      validatorCompiler: ({ httpPart }) =>
        httpPart !== 'body'
          ? (data: unknown) => ({ value: data })
          : (data: unknown) => (Array.isArray(data) || isAsyncIterable(data) ? { value: data } : { error: new ProblemError(problem('REQUEST_INVALID', { detail: 'body must be a JSON array (or NDJSON)' }, { pointer: '' })) }),
      schema: {
        tags: ['decisions'],
        summary: 'Decide many fact sets: a JSON array, or NDJSON streamed in and out',
        description:
          'application/json: an array of EvaluateRequest (at most ZHIDU_BATCH_MAX) → BatchResponse. application/x-ndjson: one EvaluateRequest per line → one BatchItem per line, streamed as items are decided and recorded. Each item carries its own decision or its own problem; decisions are recorded before they are sent. ?explain=full|summary|none applies to every item (default full).',
        security: [{ apiKey: [] }],
        params: idParams,
        querystring: api('ExplainQuery'),
        body: api('BatchRequest'),
        response: { 200: api('BatchResponse'), ...problemResponses(400, 401, 403, 404, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const caller = request.caller as Caller;
      const id = request.params.id;
      const level = explainLevel(request);
      if (ctx.registry.versions(id).length === 0) throw new ZhiduError('RULESET_NOT_FOUND', { key: id });
      const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type === 'application/x-ndjson') {
        return reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(ndjson(ctx, caller, id, level, request.body as AsyncIterable<Buffer>)));
      }
      const items = request.body as unknown[];
      if (items.length > limits.batchItems) fail('BATCH_TOO_LARGE', { found: items.length, expected: limits.batchItems });
      const outcomes: Outcome[] = [];
      for (let i = 0; i < items.length; i++) {
        outcomes.push(await decideItem(ctx, caller, id, i, items[i]));
        if (i % 50 === 49) await yieldToLoop();
      }
      const lines = await settle(ctx, outcomes, level);
      const failed = lines.filter((l) => 'problem' in l).length;
      return reply.type('application/json; charset=utf-8').send(JSON.stringify({ items: lines, decided: lines.length - failed, failed }));
    },
  );

  async function* ndjson(ctx: ZhiduContext, caller: Caller, id: string, level: ExplainLevel, body: AsyncIterable<Buffer>): AsyncGenerator<string> {
    let index = 0;
    for await (const { lines, overflow } of lineGroups(body, limits.bodyBytes)) {
      let group: Outcome[] = [];
      const flush = async function* () {
        if (group.length === 0) return;
        const out = await settle(ctx, group, level);
        group = [];
        yield out.map((l) => JSON.stringify(l) + '\n').join('');
      };
      for (const raw of lines) {
        const line = raw.trim();
        if (line === '') continue;
        if (index >= limits.streamItems) {
          yield* safely(flush());
          yield JSON.stringify({ index, problem: problem('BATCH_TOO_LARGE', { found: `>${limits.streamItems}`, expected: limits.streamItems }) }) + '\n';
          return;
        }
        let item: unknown;
        try {
          // The checks of a JSON body, line by line: syntax, depth, prototype keys, duplicate keys.
          item = parseJsonBody(line, limits, `/${index}`);
          group.push(await decideItem(ctx, caller, id, index, item));
        } catch (err) {
          if (err instanceof ProblemError) group.push({ index, problem: err.problem });
          else throw err;
        }
        index += 1;
        if (group.length >= 100) {
          const ok = yield* safely(flush());
          if (!ok) return;
          await yieldToLoop();
        }
      }
      const ok = yield* safely(flush());
      if (!ok) return;
      if (overflow) {
        yield JSON.stringify({ index, problem: problem('BODY_TOO_LARGE', { expected: limits.bodyBytes }, { pointer: `/${index}` }) }) + '\n';
        return;
      }
    }
  }

  /** A log failure ends the stream with a 503 problem line: the unrecorded decisions of that group are never sent. */
  async function* safely(gen: AsyncGenerator<string>): AsyncGenerator<string, boolean> {
    try {
      for await (const s of gen) yield s;
      return true;
    } catch (err) {
      if (!(err instanceof StoreUnavailable)) throw err;
      yield JSON.stringify({ problem: storeProblem(err) }) + '\n';
      return false;
    }
  }
}

function isAsyncIterable(x: unknown): boolean {
  return x !== null && typeof x === 'object' && Symbol.asyncIterator in x;
}
