import type { FastifyRequest } from 'fastify';
import { isExplainLevel, type ExplainLevel } from '../src/decision/explain-level.js';
import { fail } from './problem.js';

/**
 * `?explain=` checked before the route's schema validation (a preValidation
 * hook), so a bad level is its own EXPLAIN_INVALID rather than a generic
 * REQUEST_INVALID; the route's querystring schema (ExplainQuery) documents it.
 */
export async function checkExplainQuery(request: FastifyRequest): Promise<void> {
  const v = (request.query as Record<string, unknown> | undefined)?.explain;
  if (v !== undefined && !isExplainLevel(v)) fail('EXPLAIN_INVALID', { found: String(Array.isArray(v) ? v.join(',') : v).slice(0, 40) }, { pointer: '/explain' });
}

export function explainLevel(request: FastifyRequest): ExplainLevel {
  const v = (request.query as Record<string, unknown> | undefined)?.explain;
  return isExplainLevel(v) ? v : 'full';
}
