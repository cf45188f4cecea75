import type { FastifyInstance, FastifyRequest } from 'fastify';
import { evaluate, today } from '../../src/eval/evaluate.js';
import { decide } from '../recording.js';
import { checkIdNumber, ID_NUMBER_PROBLEMS, maskIdNumber, maskName, maskPhone, normaliseName, normalisePhone } from '../../src/cases/applicant.js';
import type { CaseRow, CaseState } from '../../src/store/case-store.js';
import { decisionContent, newId, outcomeKey, pending, type DeterminationContent } from '../../src/store/log-record.js';
import type { Decision } from '../../src/generated/decision.js';
import type { PreparedRuleSet } from '../../src/load/prepared-rule-set.js';
import { api, problemResponses } from '../schemas.js';
import { fail, problem, ProblemError } from '../problem.js';
import { StoreUnavailable, unavailable } from '../../src/store/store-unavailable.js';
import { phrase, type Phrase } from '../../src/errors/catalogue.js';
import { PERMISSIONS } from '../context.js';
import type { Caller } from '../api-keys.js';
import type { ZhiduContext } from '../context.js';
import { buildNotice, loadNoticeConfig, type Notice } from '../../src/cases/notice.js';
import { rederive } from '../../src/store/rederive.js';
import { explainedRecord } from './decisions.js';
import { NoticeFontMissing, renderNoticePdf } from '../../src/cases/notice-pdf.js';

const STATE_WORDS: Record<CaseState, Phrase> = { draft: phrase('CASE_DRAFT'), submitted: phrase('CASE_SUBMITTED'), overridden: phrase('CASE_OVERRIDDEN'), closed: phrase('CASE_CLOSED') };

const caseParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;
const security = [{ apiKey: [] }];

interface ApplicantInput {
  name?: string;
  id_number?: string;
  phone?: string | null;
}

interface ListQuery {
  name?: string;
  id_number?: string;
  case_no?: string;
  caseworker?: string;
  ruleset?: string;
  state?: CaseState;
  outcome?: string;
  from?: string;
  to?: string;
  limit?: string;
  cursor?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Case numbers run per calendar year where the window is (China Standard Time). */
export function caseYear(now: Date): number {
  return Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(now));
}

function mayChange(caller: Caller, row: CaseRow): boolean {
  return caller.role === 'admin' || caller.name === row.caseworker;
}

function maySeePersonal(caller: Caller): boolean {
  return (PERMISSIONS.personalData as readonly string[]).includes(caller.role);
}

/** The applicant as checked and stored: each field normalised, or a specific error naming it. */
function checkApplicant(input: ApplicantInput, root: string): { name?: string; id_number?: string; phone?: string | null } {
  const out: { name?: string; id_number?: string; phone?: string | null } = {};
  if (input.name !== undefined) {
    const name = normaliseName(input.name);
    if (name === null) fail('NAME_INVALID', { found: input.name.slice(0, 60) }, { pointer: `${root}/name` });
    out.name = name;
  }
  if (input.id_number !== undefined) {
    const c = checkIdNumber(input.id_number);
    if (!c.ok) fail('ID_NUMBER_INVALID', { detail: `${ID_NUMBER_PROBLEMS[c.problem ?? 'checksum']}（现填 ${c.value.slice(0, 40)}）`, expected: c.problem ?? 'checksum' }, { pointer: `${root}/id_number` });
    out.id_number = c.value;
  }
  if (input.phone !== undefined) {
    if (input.phone === null || input.phone.trim() === '') out.phone = null;
    else {
      const phone = normalisePhone(input.phone);
      if (phone === null) fail('PHONE_INVALID', { found: input.phone.slice(0, 30) }, { pointer: `${root}/phone` });
      out.phone = phone;
    }
  }
  return out;
}

/** Values the headline output can take, with their words: its x-value-titles, or 是/否 for a yes/no outcome. */
export function outcomeChoices(rs: PreparedRuleSet): Map<string, string> {
  const def = rs.definition;
  const out = def.outputs[def.outcome] as { type?: string; 'x-value-titles'?: Record<string, string> } | undefined;
  const titles = out?.['x-value-titles'] ?? {};
  const choices = new Map(Object.entries(titles));
  if (out?.type === 'boolean') {
    if (!choices.has('true')) choices.set('true', '是');
    if (!choices.has('false')) choices.set('false', '否');
  }
  return choices;
}

/** The case store shares the log's database: when it cannot be reached, the answer is the same 503. */
function storeCall<T>(p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    throw unavailable(err);
  });
}

function machineDisplay(d: Decision): string | null {
  if (d.status === 'undetermined') return '待补正（尚缺事实）';
  return d.outcome.display ?? (typeof d.outcome.value === 'string' ? d.outcome.value : JSON.stringify(d.outcome.value));
}


export async function caseRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.zhidu;

  const view = (row: CaseRow, caller: Caller, full: boolean) => {
    const personal = full && maySeePersonal(caller);
    const rs = ctx.registry.latest(row.ruleset_id);
    const summary = {
      id: row.id,
      case_no: row.case_no,
      ruleset: { id: row.ruleset_id, title: rs?.title ?? row.matter },
      state: row.state,
      applicant: personal
        ? { name: row.applicant_name, id_number: row.applicant_id_number, phone: row.applicant_phone, masked: false }
        : {
            name: maySeePersonal(caller) ? row.applicant_name : maskName(row.applicant_name),
            id_number: maskIdNumber(row.applicant_id_number),
            phone: row.applicant_phone === null ? null : maskPhone(row.applicant_phone),
            masked: true,
          },
      caseworker: row.caseworker,
      created_at: row.created_at,
      updated_at: row.updated_at,
      submitted_at: row.submitted_at,
      closed_at: row.closed_at,
      decision_id: row.decision_id,
      machine: row.machine_status === null ? null : { status: row.machine_status, outcome: row.machine_outcome ?? 'undetermined', display: row.machine_display },
      override:
        row.override_outcome === null
          ? null
          : { outcome: row.override_outcome, display: row.override_display ?? row.override_outcome, reason: row.override_reason ?? '', by: row.override_by ?? '', at: row.override_at ?? '' },
      outcome: row.override_outcome ?? row.machine_outcome ?? null,
    };
    if (!full) return summary;
    return { ...summary, answers: row.answers, as_of: row.as_of, may_change: mayChange(caller, row) };
  };

  const load = async (id: string): Promise<CaseRow> => {
    const row = await storeCall(ctx.cases.get(id));
    if (!row) fail('CASE_NOT_FOUND', { key: id }, { pointer: '/id' });
    return row;
  };

  /** The case, if the caller may change it and it is in one of the states the change needs. */
  const loadForChange = async (request: FastifyRequest<{ Params: { id: string } }>, states: readonly CaseState[], what: Phrase): Promise<CaseRow> => {
    const row = await load(request.params.id);
    const caller = request.caller as Caller;
    if (!mayChange(caller, row)) fail('CASE_NOT_OWNER', { key: row.case_no, found: row.caseworker });
    if (!states.includes(row.state)) stateConflict(row, states, what);
    return row;
  };

  const stateConflict = (row: CaseRow, states: readonly CaseState[], what: Phrase): never =>
    fail('CASE_STATE', { key: row.case_no, found: STATE_WORDS[row.state], detail: what, expected: states.join(' | ') });

  app.post<{ Body: { ruleset: string; applicant: ApplicantInput } }>(
    '/v1/cases',
    {
      config: { permission: 'cases', accepts: ['application/json'] },
      schema: {
        tags: ['cases'],
        summary: 'Open a case file (办件) for a named applicant: a draft with the next case number of the year',
        security,
        body: api('CaseCreateRequest'),
        response: { 201: api('Case'), ...problemResponses(400, 401, 403, 404, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const caller = request.caller as Caller;
      const rs = ctx.registry.inForce(request.body.ruleset, today());
      const a = checkApplicant(request.body.applicant, '/applicant');
      const now = new Date();
      const row = await storeCall(
        ctx.cases.create({
          id: newId(),
          year: caseYear(now),
          ruleset_id: rs.id,
          matter: rs.title,
          name: a.name as string,
          id_number: a.id_number as string,
          phone: a.phone ?? null,
          caseworker: caller.name,
          now: now.toISOString(),
        }),
      );
      return reply.code(201).send(view(row, caller, true));
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/v1/cases',
    {
      config: { permission: 'readCases' },
      schema: {
        tags: ['cases'],
        summary: 'Find case files by applicant name, identity card number, case number, date, outcome, caseworker; newest first, personal data masked',
        description: 'Searching by name or identity card number needs a role that may see personal data (caseworker, admin). outcome matches the outcome in effect: the corrected one after an override.',
        security,
        querystring: api('CaseListQuery'),
        response: { 200: api('CaseList'), ...problemResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const q = request.query;
      const caller = request.caller as Caller;
      if ((q.name || q.id_number) && !maySeePersonal(caller)) fail('PERSONAL_DATA_FORBIDDEN', { found: caller.role });
      let idNumber: string | undefined;
      if (q.id_number) {
        const c = checkIdNumber(q.id_number);
        if (!c.ok) fail('ID_NUMBER_INVALID', { detail: `${ID_NUMBER_PROBLEMS[c.problem ?? 'checksum']}（现填 ${c.value}）`, expected: c.problem ?? 'checksum' }, { pointer: '/id_number' });
        idNumber = c.value;
      }
      const bound = (v: string | undefined, name: 'from' | 'to') => {
        if (!v) return undefined;
        if (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00+08:00`))) fail('REQUEST_INVALID', { detail: phrase('QUERY_DATE', { key: name, found: JSON.stringify(v) }) }, { pointer: `/${name}` });
        // A date means that day at the window (China Standard Time), `to` inclusive.
        const t = Date.parse(`${v}T00:00:00+08:00`);
        return new Date(name === 'to' ? t + 86_400_000 : t).toISOString();
      };
      const limit = q.limit ? Number(q.limit) : 50;
      if (limit > 200) fail('REQUEST_INVALID', { detail: phrase('QUERY_LIMIT', { key: 'limit', expected: 200 }) }, { pointer: '/limit' });
      const page = await storeCall(
        ctx.cases.list({
          name: q.name?.trim() || undefined,
          id_number: idNumber,
          case_no: q.case_no,
          caseworker: q.caseworker,
          ruleset: q.ruleset,
          state: q.state,
          outcome: q.outcome,
          from: bound(q.from, 'from'),
          to: bound(q.to, 'to'),
          limit,
          before: q.cursor ? Number(q.cursor) : undefined,
        }),
      );
      return { items: page.items.map((r) => view(r, caller, false)), next_cursor: page.next === null ? null : String(page.next) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/cases/:id',
    {
      config: { permission: 'readCases' },
      schema: {
        tags: ['cases'],
        summary: 'One case file with its draft answers; personal data unmasked for roles that may see it',
        security,
        params: caseParams,
        response: { 200: api('Case'), ...problemResponses(401, 403, 404, 429, 503) },
      },
    },
    async (request) => view(await load(request.params.id), request.caller as Caller, true),
  );

  app.patch<{ Params: { id: string }; Body: { answers?: Record<string, string>; as_of?: string | null; applicant?: ApplicantInput } }>(
    '/v1/cases/:id',
    {
      config: { permission: 'cases', accepts: ['application/json'] },
      schema: {
        tags: ['cases'],
        summary: 'Save the draft as the interview goes (answers, decision date, applicant); not recorded in the decision log',
        security,
        params: caseParams,
        body: api('CaseUpdateRequest'),
        response: { 200: api('Case'), ...problemResponses(400, 401, 403, 404, 409, 415, 429, 503) },
      },
    },
    async (request) => {
      const row = await loadForChange(request, ['draft'], phrase('CASE_EDIT'));
      const a = request.body.applicant ? checkApplicant(request.body.applicant, '/applicant') : {};
      const updated = await storeCall(
        ctx.cases.updateDraft(row.id, {
          ...(request.body.answers !== undefined ? { answers: request.body.answers } : {}),
          ...(request.body.as_of !== undefined ? { as_of: request.body.as_of } : {}),
          ...a,
          now: new Date().toISOString(),
        }),
      );
      if (!updated) return stateConflict(await load(row.id), ['draft'], phrase('CASE_EDIT'));
      return view(updated, request.caller as Caller, true);
    },
  );

  app.post<{ Params: { id: string }; Body: { facts: Record<string, unknown>; as_of?: string; answers?: Record<string, string> } }>(
    '/v1/cases/:id/evaluate',
    {
      config: { permission: 'cases', accepts: ['application/json'] },
      schema: {
        tags: ['cases'],
        summary: 'Decide the draft\u2019s facts to see where the interview stands: the decision is shown, NOT recorded; the answers are saved',
        security,
        params: caseParams,
        body: api('CaseEvaluateRequest'),
        response: { 200: api('CaseDecision'), ...problemResponses(400, 401, 403, 404, 409, 415, 422, 429, 503) },
      },
    },
    async (request) => {
      const row = await loadForChange(request, ['draft'], phrase('CASE_EVALUATE'));
      const asOf = request.body.as_of ?? today();
      const decision = await evaluate(ctx.registry.inForce(row.ruleset_id, asOf), request.body.facts, { asOf });
      const updated = await storeCall(
        ctx.cases.updateDraft(row.id, { ...(request.body.answers !== undefined ? { answers: request.body.answers } : {}), as_of: request.body.as_of ?? null, now: new Date().toISOString() }),
      );
      if (!updated) return stateConflict(await load(row.id), ['draft'], phrase('CASE_EVALUATE'));
      return { case: view(updated, request.caller as Caller, true), id: null, recorded_at: null, decision };
    },
  );

  app.post<{ Params: { id: string }; Body: { facts: Record<string, unknown>; as_of?: string; answers?: Record<string, string> } }>(
    '/v1/cases/:id/submit',
    {
      config: { permission: 'cases', accepts: ['application/json'] },
      schema: {
        tags: ['cases'],
        summary: 'Submit the case: decide its facts and record the decision in the decision log (the only way a case\u2019s decision is recorded)',
        description: 'A pending decision (facts still missing) may be submitted too: its notice is then a 补正告知书. 409 when the case is no longer a draft (submitted once only).',
        security,
        params: caseParams,
        body: api('CaseEvaluateRequest'),
        response: { 200: api('CaseDecision'), ...problemResponses(400, 401, 403, 404, 409, 415, 422, 429, 503) },
      },
    },
    async (request) => {
      const caller = request.caller as Caller;
      const row = await loadForChange(request, ['draft'], phrase('CASE_SUBMIT'));
      const asOf = request.body.as_of ?? today();
      const { decision, codes } = decide(ctx.registry.inForce(row.ruleset_id, asOf), request.body.facts, asOf);
      const now = new Date().toISOString();
      const content = decisionContent(newId(), now, caller.name, request.body.facts, decision, codes);
      const record = ctx.log.prepareDecision(content);
      let submitted: CaseRow | null = null;
      try {
        // The case moves in the transaction that appends its decision: recorded exactly once, linked both ways.
        await ctx.log.append(record, async (tx) => {
          submitted = await ctx.cases.submit(tx, row.id, {
            decision_id: content.id,
            answers: request.body.answers,
            as_of: asOf,
            status: decision.status,
            outcome: outcomeKey(content) ?? 'undetermined',
            display: machineDisplay(decision),
            now,
          });
          if (!submitted) throw new ProblemError(problem('CASE_STATE', { key: row.case_no, found: STATE_WORDS.submitted, detail: phrase('CASE_RESUBMIT'), expected: 'draft' }));
        });
      } catch (err) {
        if (err instanceof StoreUnavailable) ctx.metrics.logFailures.inc();
        throw err;
      }
      return { case: view(submitted as unknown as CaseRow, caller, true), id: content.id, recorded_at: now, decision };
    },
  );

  app.post<{ Params: { id: string }; Body: { outcome: string; reason: string } }>(
    '/v1/cases/:id/override',
    {
      config: { permission: 'cases', accepts: ['application/json'] },
      schema: {
        tags: ['cases'],
        summary: 'Override (改判): record the corrected outcome with the reason; the machine\u2019s decision stays as recorded',
        description: 'Appends a determination (agree: false, the reason) on the case\u2019s decision to the decision log; the case, its notice and the history then show the corrected outcome beside the machine\u2019s. May be repeated while the case is not closed; the latest counts.',
        security,
        params: caseParams,
        body: api('CaseOverrideRequest'),
        response: { 200: api('Case'), ...problemResponses(400, 401, 403, 404, 409, 415, 429, 503) },
      },
    },
    async (request) => {
      const caller = request.caller as Caller;
      const row = await loadForChange(request, ['submitted', 'overridden'], phrase('CASE_OVERRIDE'));
      const found = await ctx.log.getDecision(row.decision_id as string);
      const rs = found ? ctx.registry.get(found.content.ruleset.id, found.content.ruleset.version) : undefined;
      const choices = rs ? outcomeChoices(rs) : new Map<string, string>();
      const display = choices.get(request.body.outcome);
      if (display === undefined) {
        fail('OVERRIDE_OUTCOME_INVALID', { found: request.body.outcome.slice(0, 60), expected: [...choices].map(([k, v]) => `${k}（${v}）`).join('、') }, { pointer: '/outcome' });
      }
      const reason = request.body.reason.trim();
      const now = new Date().toISOString();
      const determination: DeterminationContent = {
        kind: 'determination',
        id: newId(),
        time: now,
        caller: caller.name,
        decision_id: row.decision_id as string,
        agree: false,
        reason: `改判为“${display}”：${reason}`,
        supersedes: null,
      };
      let updated: CaseRow | null = null;
      await ctx.log.append(pending({ ...determination, supersedes: await latestDetermination(ctx, determination.decision_id) }), async (tx) => {
        updated = await ctx.cases.override(tx, row.id, { outcome: request.body.outcome, display, reason, by: caller.name, determination_id: determination.id, now });
        if (!updated) throw new ProblemError(problem('CASE_STATE', { key: row.case_no, found: STATE_WORDS.closed, detail: phrase('CASE_OVERRIDE'), expected: 'submitted | overridden' }));
      });
      return view(updated as unknown as CaseRow, caller, true);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/cases/:id/close',
    {
      config: { permission: 'cases' },
      schema: {
        tags: ['cases'],
        summary: 'Close the case (已办结): nothing about it changes afterwards',
        security,
        params: caseParams,
        response: { 200: api('Case'), ...problemResponses(401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const row = await loadForChange(request, ['submitted', 'overridden'], phrase('CASE_CLOSE'));
      const updated = await storeCall(ctx.cases.close(row.id, new Date().toISOString()));
      if (!updated) return stateConflict(await load(row.id), ['submitted', 'overridden'], phrase('CASE_CLOSE'));
      return view(updated, request.caller as Caller, true);
    },
  );
}

async function latestDetermination(ctx: ZhiduContext, decisionId: string): Promise<string | null> {
  const list = await ctx.log.determinations(decisionId);
  return list[list.length - 1]?.id ?? null;
}

/** The notice of a submitted case, as JSON for the browser and as a PDF. */
export async function caseNoticeRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.zhidu;
  const config = loadNoticeConfig(ctx.config.noticeConfigFile);

  const noticeOf = async (request: FastifyRequest<{ Params: { id: string } }>): Promise<Notice> => {
    const caller = request.caller as Caller;
    // The notice names the applicant and their number in full: only for roles that may see them.
    if (!maySeePersonal(caller)) fail('PERSONAL_DATA_FORBIDDEN', { found: caller.role });
    const row = await storeCall(ctx.cases.get(request.params.id));
    if (!row) fail('CASE_NOT_FOUND', { key: request.params.id }, { pointer: '/id' });
    if (row.decision_id === null) fail('CASE_STATE', { key: row.case_no, found: STATE_WORDS[row.state], detail: phrase('CASE_NOTICE'), expected: 'submitted | overridden | closed' });
    const found = await ctx.log.getDecision(row.decision_id);
    if (!found) fail('DECISION_NOT_FOUND', { key: row.decision_id });
    // The record keeps codes, not the explanation: it is re-derived (and checked) from the version it names.
    const r = await explainedRecord(ctx, found.content);
    return buildNotice({ row, decision: r.decision, ruleset: r.ruleSet, sources: ctx.registry.sources, config });
  };

  app.get<{ Params: { id: string } }>(
    '/v1/cases/:id/notice',
    {
      config: { permission: 'cases' },
      schema: {
        tags: ['cases'],
        summary: 'The case\u2019s notice (决定书 / 补正告知书) as a document model: 文号, applicant, matter, facts found, decision, grounds with clause text, authority, appeal, date',
        security,
        params: caseParams,
        response: { 200: api('Notice'), ...problemResponses(401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => noticeOf(request),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/cases/:id/notice.pdf',
    {
      config: { permission: 'cases' },
      schema: {
        tags: ['cases'],
        summary: 'The case\u2019s notice as an A4 PDF, rendered on the server with an embedded CJK font (ZHIDU_NOTICE_FONT)',
        security,
        params: caseParams,
        produces: ['application/pdf'],
        response: { 200: { description: 'application/pdf', type: 'string', format: 'binary' }, ...problemResponses(401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const notice = await noticeOf(request);
      let pdf: Buffer;
      try {
        pdf = await renderNoticePdf(notice, { path: ctx.config.noticeFont, face: ctx.config.noticeFontFace });
      } catch (err) {
        if (err instanceof NoticeFontMissing) fail('NOTICE_FONT_MISSING', { found: err.path });
        throw err;
      }
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${notice.case_no}.pdf"; filename*=UTF-8''${encodeURIComponent(`${notice.title}-${notice.case_no}.pdf`)}`)
        .send(pdf);
    },
  );
}
