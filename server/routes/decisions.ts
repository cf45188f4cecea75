import type { FastifyInstance } from 'fastify';
import { DATE_RANGE } from '../../src/eval/calendar.js';
import { evaluate, today } from '../../src/eval/evaluate.js';
import { ZhiduError } from '../../src/errors/finding.js';
import type { Decision } from '../../src/generated/decision.js';
import { canonicalJson } from '../../src/load/canonical-json.js';
import { newId, pending, type DecisionContent, type DeterminationContent } from '../../src/store/log-record.js';
import { rederive } from '../../src/store/rederive.js';
import type { PreparedRuleSet } from '../../src/load/prepared-rule-set.js';
import { api, problemResponses } from '../schemas.js';
import { fail, fromZhiduError, problem, ProblemError } from '../problem.js';
import { phrase } from '../../src/errors/catalogue.js';
import { unavailable } from '../../src/store/store-unavailable.js';
import type { Caller } from '../api-keys.js';
import type { ZhiduContext } from '../context.js';

const decisionParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;

interface ListQuery {
  ruleset?: string;
  from?: string;
  to?: string;
  outcome?: string;
  limit?: string;
  cursor?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_MIN_MS = Date.parse(`${DATE_RANGE.min}T00:00:00Z`);
const DATE_END_MS = Date.parse(`${DATE_RANGE.max}T00:00:00Z`) + 86_400_000;

/** A query bound as an instant: a bare date `to` means the whole of that day (UTC). */
function bound(value: string | undefined, name: 'from' | 'to'): string | undefined {
  if (value === undefined || value === '') return undefined;
  const isDate = DATE.test(value);
  const t = Date.parse(isDate ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(t)) fail('REQUEST_INVALID', { detail: phrase('QUERY_INSTANT', { key: name, found: JSON.stringify(value) }) }, { pointer: `/${name}` });
  // Within what the log's timestamps hold: to=9999-12-31 ran to year 10000 and the database refused it (answered as the log being down).
  if (t < DATE_MIN_MS || t >= DATE_END_MS) fail('AS_OF_RANGE', { found: value.slice(0, 40), expected: phrase('DATE_SPAN', { found: DATE_RANGE.min, expected: DATE_RANGE.max }) }, { pointer: `/${name}` });
  return new Date(isDate && name === 'to' ? Math.min(t + 86_400_000, DATE_END_MS - 1) : t).toISOString();
}

async function loadDecision(ctx: ZhiduContext, id: string) {
  const found = await ctx.log.getDecision(id);
  if (!found) fail('DECISION_NOT_FOUND', { key: id }, { pointer: '/id' });
  return found;
}

/**
 * The version a record was decided under, by content hash: one this server
 * serves, else the archive (a file edited in place or removed since keeps its
 * old version there), else none.
 */
export async function recordedVersion(ctx: ZhiduContext, c: DecisionContent): Promise<PreparedRuleSet | undefined> {
  const { id, version, hash } = c.ruleset;
  const rs = ctx.registry.get(id, version);
  if (rs && rs.hash === hash) return rs;
  try {
    return await ctx.archive.resolve(id, version, hash, ctx.registry.sources);
  } catch (err) {
    throw unavailable(err);
  }
}

/** A record's explanation, re-derived and checked; a record that does not re-derive is refused like a broken link. */
export async function explainedRecord(ctx: ZhiduContext, c: DecisionContent) {
  const rs = await recordedVersion(ctx, c);
  if (!rs) fail('VERSION_UNAVAILABLE', { key: c.ruleset.id, found: c.ruleset.version });
  const r = rederive(c, () => rs);
  if (!r.ok) {
    if (r.unavailable) fail('VERSION_UNAVAILABLE', { key: c.ruleset.id, found: c.ruleset.version });
    fail('RECORD_MISMATCH', { key: c.id, detail: r.reason });
  }
  return { ...r, ruleSet: rs };
}

/** What changed between two decisions, on the fields a caseworker reads. */
export function changes(before: Decision, after: Decision): Array<{ path: string; before: unknown; after: unknown }> {
  const out: Array<{ path: string; before: unknown; after: unknown }> = [];
  const cmp = (path: string, a: unknown, b: unknown) => {
    if (canonicalJson(a ?? null) !== canonicalJson(b ?? null)) out.push({ path, before: a ?? null, after: b ?? null });
  };
  cmp('/ruleset/version', before.ruleset.version, after.ruleset.version);
  cmp('/ruleset/hash', before.ruleset.hash, after.ruleset.hash);
  cmp('/as_of', before.as_of, after.as_of);
  cmp('/status', before.status, after.status);
  const outputs = new Set([...Object.keys(before.outputs), ...Object.keys(after.outputs)]);
  for (const o of outputs) {
    cmp(`/outputs/${o}/status`, before.outputs[o]?.status, after.outputs[o]?.status);
    cmp(`/outputs/${o}/value`, before.outputs[o]?.value, after.outputs[o]?.value);
  }
  const rules = new Map(before.rules.map((r) => [r.id, r.result]));
  const rulesAfter = new Map(after.rules.map((r) => [r.id, r.result]));
  for (const id of new Set([...rules.keys(), ...rulesAfter.keys()])) cmp(`/rules/${id}/result`, rules.get(id), rulesAfter.get(id));
  cmp('/missing', before.missing.map((m) => m.fact), after.missing.map((m) => m.fact));
  return out;
}

/** Every differing JSON pointer (for the identical-replay check, where any difference matters). */
function differences(a: unknown, b: unknown, path = ''): Array<{ path: string; before: unknown; after: unknown }> {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}/${k}`));
  }
  return [{ path, before: a ?? null, after: b ?? null }];
}

export async function decisionRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.zhidu;

  app.get<{ Querystring: ListQuery }>(
    '/v1/decisions',
    {
      config: { permission: 'readDecisions' },
      schema: {
        tags: ['decisions'],
        summary: 'Recorded decisions, newest first, filtered and paged by cursor',
        security: [{ apiKey: [] }],
        querystring: api('DecisionListQuery'),
        response: { 200: api('DecisionList'), ...problemResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ? Number(q.limit) : 50;
      if (limit > 200) fail('REQUEST_INVALID', { detail: 'limit must be at most 200' }, { pointer: '/limit' });
      const page = await ctx.log.list({
        ruleset: q.ruleset,
        from: bound(q.from, 'from'),
        to: bound(q.to, 'to'),
        outcome: q.outcome,
        limit,
        before: q.cursor ? Number(q.cursor) : undefined,
      });
      return { items: page.items, next_cursor: page.next === null ? null : String(page.next) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/decisions/:id',
    {
      config: { permission: 'readDecisions' },
      schema: {
        tags: ['decisions'],
        summary: 'One recorded decision, with the caseworkers\u2019 determinations on it',
        security: [{ apiKey: [] }],
        params: decisionParams,
        response: { 200: api('DecisionRecord'), ...problemResponses(401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const found = await loadDecision(ctx, request.params.id);
      const determinations: DeterminationContent[] = await ctx.log.determinations(request.params.id);
      const c = found.content;
      const { decision, format } = await explainedRecord(ctx, c);
      return {
        id: c.id,
        recorded_at: c.time,
        caller: c.caller,
        facts: c.facts,
        decision,
        explanation_format: format,
        determinations: determinations.map(({ kind: _kind, ...d }) => d),
        seq: found.seq,
        hash: found.hash,
      };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/decisions/:id/replay',
    {
      config: { permission: 'replay' },
      schema: {
        tags: ['decisions'],
        summary: 'Evaluate the recorded facts again: under the recorded version (must be identical) and under the version in force today (what changed)',
        description: 'Replays are not recorded: they decide nothing new.',
        security: [{ apiKey: [] }],
        params: decisionParams,
        response: { 200: api('ReplayResponse'), ...problemResponses(401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const found = await loadDecision(ctx, request.params.id);
      const c = found.content;
      // The record holds no explanation of its own: re-deriving it checks the
      // record (status, outputs, codes, digest), and "identical" compares the
      // explanation the record stands for with what today's code builds from it.
      const { decision: recorded, ruleSet } = await explainedRecord(ctx, c);
      const again = await evaluate(ruleSet, c.facts, { asOf: c.as_of });
      const diffs = differences(recorded, again);
      const now = today();
      let current: Record<string, unknown>;
      try {
        const rs = ctx.registry.inForce(c.ruleset.id, now);
        const decision = await evaluate(rs, c.facts, { asOf: now });
        const list = changes(recorded, decision);
        // The decision date always moves; it is a change only when it changes something else.
        const meaningful = list.filter((x) => x.path !== '/as_of');
        current = { version: rs.version, as_of: now, changed: meaningful.length > 0, changes: list, decision };
      } catch (err) {
        if (!(err instanceof ZhiduError)) throw err;
        // e.g. no version in force today, or today's version refuses the recorded facts.
        current = { version: null, as_of: now, changed: true, changes: [], problem: fromZhiduError(err) };
      }
      return { id: c.id, recorded: { version: c.ruleset.version, as_of: c.as_of, identical: diffs.length === 0, differences: diffs }, current };
    },
  );

  app.post<{ Params: { id: string }; Body: { agree: boolean; reason?: string; supersedes?: string } }>(
    '/v1/decisions/:id/determinations',
    {
      config: { permission: 'determine', accepts: ['application/json'] },
      schema: {
        tags: ['decisions'],
        summary: 'Record the caseworker\u2019s determination: agree, or override with a reason',
        description: 'Stored in the decision log linked to the decision, with who and when; the decision itself is never altered. A later determination must name the latest one in supersedes (409 otherwise).',
        security: [{ apiKey: [] }],
        params: decisionParams,
        body: api('DeterminationRequest'),
        response: { 201: api('Determination'), ...problemResponses(400, 401, 403, 404, 409, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const { agree, reason, supersedes } = request.body;
      if (!agree && (reason === undefined || reason.trim() === '')) fail('OVERRIDE_REASON_REQUIRED', {}, { pointer: '/reason' });
      await loadDecision(ctx, request.params.id);
      const content: DeterminationContent = {
        kind: 'determination',
        id: newId(),
        time: new Date().toISOString(),
        caller: (request.caller as Caller).name,
        decision_id: request.params.id,
        agree,
        reason: reason?.trim() ?? null,
        supersedes: supersedes ?? null,
      };
      // Checked inside the append transaction, under the chain lock: two caseworkers cannot both "change" the same one.
      await ctx.log.append(pending(content), async (tx) => {
        const existing = await ctx.log.determinations(content.decision_id, tx);
        const latest = existing[existing.length - 1]?.id ?? null;
        if (latest !== (supersedes ?? null)) {
          throw new ProblemError(
            latest === null
              ? problem('DETERMINATION_NONE', { found: supersedes ?? '' }, { pointer: '/supersedes' })
              : problem('DETERMINATION_CONFLICT', { found: latest, expected: latest }, { pointer: '/supersedes' }),
          );
        }
      });
      const { kind: _kind, ...body } = content;
      return reply.code(201).send(body);
    },
  );
}
