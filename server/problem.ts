import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ERRORS, formatMessage, type ErrorCode, type MessageParams } from '../src/errors/catalogue.js';
import { ZhiduError, type FactViolation } from '../src/errors/finding.js';
import { errorPointer, errorsText } from '../src/schema/ajv-error.js';
import { StoreUnavailable } from '../src/store/store-unavailable.js';
import { StoreTimeout } from '../src/store/store-timeout.js';

/** RFC 9457 problem details, with zhidu's stable code and both languages. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  detail_en: string;
  pointer?: string;
  instance?: string;
  violations?: readonly FactViolation[];
}

export const PROBLEM_TYPE_BASE = 'https://zhidu.dev/errors/';

export function problem(code: ErrorCode, params: MessageParams = {}, extra: { pointer?: string | undefined; violations?: readonly FactViolation[]; detail?: string; detail_en?: string } = {}): Problem {
  const title = formatMessage(code, params, 'zh');
  return {
    type: PROBLEM_TYPE_BASE + code,
    title,
    status: ERRORS[code].status,
    code,
    detail: extra.detail ?? title,
    detail_en: extra.detail_en ?? formatMessage(code, params, 'en'),
    ...(extra.pointer !== undefined ? { pointer: extra.pointer } : {}),
    ...(extra.violations && extra.violations.length > 0 ? { violations: extra.violations } : {}),
  };
}

/** An error a handler throws to answer with a problem. */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail_en);
  }
}

export function fail(code: ErrorCode, params: MessageParams = {}, extra: Parameters<typeof problem>[2] = {}): never {
  throw new ProblemError(problem(code, params, extra));
}

/**
 * The core points into the facts; a request carries them under /facts (or
 * /<index>/facts in a batch), so pointers are re-rooted at the request body.
 */
export function fromZhiduError(err: ZhiduError, root = ''): Problem {
  const factsRoot = err.code === 'FACTS_INVALID' ? `${root}/facts` : root;
  const violations = err.violations.map((v) => ({ ...v, pointer: factsRoot + v.pointer }));
  const pointer = err.code === 'AS_OF_INVALID' || err.code === 'AS_OF_RANGE' ? `${root}/as_of` : err.pointer !== undefined ? factsRoot + err.pointer : violations[0]?.pointer;
  return problem(err.code, err.params, {
    pointer: pointer === '' && err.code !== 'FACTS_INVALID' ? undefined : pointer,
    violations,
    ...(violations.length > 0
      ? { detail: violations.map((v) => `${v.pointer}: ${v.message}`).join('；'), detail_en: violations.map((v) => `${v.pointer}: ${v.message_en}`).join('; ') }
      : {}),
  });
}

/** A database that did not answer in time is told apart from one that is not there. */
export function storeProblem(err: StoreUnavailable): Problem {
  return err.cause instanceof StoreTimeout ? problem('STORE_TIMEOUT', { expected: err.cause.timeoutMs }) : problem('STORE_UNAVAILABLE');
}

/** Map anything thrown in a request to a problem (unknown errors become 500 with a reference id). */
export function toProblem(err: unknown, request: FastifyRequest): Problem {
  if (err instanceof ProblemError) return err.problem;
  if (err instanceof ZhiduError) return fromZhiduError(err);
  if (err instanceof StoreUnavailable) return storeProblem(err);
  const e = err as FastifyError & { validation?: Array<{ instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }> };
  if (e.validation) {
    const first = e.validation[0];
    return problem('REQUEST_INVALID', { detail: errorsText(e.validation, e.validationContext ?? 'body') }, { pointer: first ? errorPointer(first) : '' });
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem('BODY_TOO_LARGE', { expected: request.routeOptions.bodyLimit ?? '' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem('MEDIA_TYPE', { found: request.headers['content-type'] ?? '', expected: 'application/json' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem('JSON_SYNTAX', { detail: 'empty body' });
    case 'FST_ERR_CTP_EMPTY_TYPE':
      return problem('MEDIA_TYPE', { found: '', expected: 'application/json' });
  }
  if (e.statusCode === 429) return problem('RATE_LIMITED', {});
  if (e instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return problem('JSON_SYNTAX', { detail: e.message });
  // Framework and plugin errors carry their status (the static files plugin's
  // 403 for /%00 or /../x, its 400 for a malformed path): a client's mistake is
  // answered as such, with a code, and never logged as an internal error.
  switch (e.statusCode) {
    case 400:
      return problem('URL_INVALID', { found: request.url.slice(0, 200) });
    case 403:
      return problem('PATH_FORBIDDEN');
    case 404:
      return problem('ROUTE_NOT_FOUND', { found: `${request.method} ${request.url.split('?')[0]?.slice(0, 200) ?? ''}` });
    case 413:
      return problem('BODY_TOO_LARGE', { expected: request.routeOptions.bodyLimit ?? '' });
    case 414:
      return problem('URL_TOO_LONG', { expected: '' });
    case 415:
      return problem('MEDIA_TYPE', { found: request.headers['content-type'] ?? '', expected: 'application/json' });
  }
  const ref = randomUUID();
  request.log.error({ err, ref }, 'internal error');
  return problem('INTERNAL', { key: ref });
}

/** The code each reply was answered with, for the error metrics: read from the problem itself, not parsed back out of the payload. */
const sentCodes = new WeakMap<FastifyReply, ErrorCode>();

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  p.instance ??= reply.request.url;
  sentCodes.set(reply, p.code);
  return reply.code(p.status).type('application/problem+json').send(p);
}

export function problemCodeOf(reply: FastifyReply): ErrorCode | undefined {
  return sentCodes.get(reply);
}
