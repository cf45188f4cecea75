import type { FastifyInstance } from 'fastify';
import { today } from '../../src/eval/evaluate.js';
import type { PreparedRuleSet } from '../../src/load/prepared-rule-set.js';
import type { Registry } from '../../src/load/registry.js';
import type { Citation } from '../../src/generated/rule-set.js';
import { ZhiduError } from '../../src/errors/finding.js';
import { api, problemResponses } from '../schemas.js';
import { idParams } from './evaluate.js';

function inForceVersion(registry: Registry, id: string, date: string): string | null {
  try {
    return registry.inForce(id, date).version;
  } catch (err) {
    if (err instanceof ZhiduError) return null;
    throw err;
  }
}

/** Every citation of a version: its source document, each rule's clause, each ambiguity's. */
function citations(rs: PreparedRuleSet): Array<Record<string, unknown>> {
  const def = rs.definition;
  const out: Array<Record<string, unknown>> = [{ ...def.source }];
  const add = (c: Citation | undefined, rule: string) => {
    if (c) out.push({ ...c, rule });
  };
  for (const a of def.ambiguities ?? []) add(a.citation, a.id);
  for (const d of def.derived ?? []) for (const a of d.ambiguities ?? []) add(a.citation, `${d.id}/${a.id}`);
  for (const r of def.rules) {
    add(r.citation as Citation, r.id);
    for (const a of r.ambiguities ?? []) add(a.citation, `${r.id}/${a.id}`);
  }
  return out;
}

function version(rs: PreparedRuleSet, current: string | null, full: boolean): Record<string, unknown> {
  const def = rs.definition;
  return {
    version: rs.version,
    title: rs.title,
    effective_from: rs.effectiveFrom,
    effective_to: rs.effectiveTo,
    hash: rs.hash,
    in_force: rs.version === current,
    source: def.source,
    ...(full ? { inputs: def.inputs, outputs: def.outputs, outcome: def.outcome, citations: citations(rs), definition: def } : {}),
  };
}

function summary(registry: Registry, id: string, full: boolean): Record<string, unknown> {
  const versions = registry.versions(id);
  const current = inForceVersion(registry, id, today());
  const latest = versions[versions.length - 1] as PreparedRuleSet;
  const shown = registry.versions(id).find((v) => v.version === current) ?? latest;
  return {
    id,
    title: shown.title,
    in_force: current,
    source: shown.definition.source,
    versions: versions.map((v) => version(v, current, full)),
  };
}

export async function rulesetRoutes(app: FastifyInstance): Promise<void> {
  const { registry } = app.zhidu;
  app.get(
    '/v1/rulesets',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['rulesets'],
        summary: 'Rule sets, their versions and effective dates',
        security: [{ apiKey: [] }],
        response: { 200: api('RuleSetList'), ...problemResponses(401, 403, 429) },
      },
    },
    async () => ({ rulesets: registry.ids().map((id) => summary(registry, id, false)) }),
  );
  app.get<{ Params: { id: string } }>(
    '/v1/rulesets/:id',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['rulesets'],
        summary: 'One rule set: every version with its input schema, outputs and citations',
        security: [{ apiKey: [] }],
        params: idParams,
        response: { 200: api('RuleSetSummary'), ...problemResponses(401, 403, 404, 429) },
      },
    },
    async (request) => {
      if (registry.versions(request.params.id).length === 0) throw new ZhiduError('RULESET_NOT_FOUND', { key: request.params.id });
      return summary(registry, request.params.id, true);
    },
  );
}
