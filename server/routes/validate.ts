import type { FastifyInstance } from 'fastify';
import { loadRuleSet } from '../../src/load/load-rule-set.js';
import { formatFinding } from '../../src/errors/finding.js';
import { api, problemResponses, YAML_TYPES } from '../schemas.js';

export async function validateRoutes(app: FastifyInstance): Promise<void> {
  const { registry, config } = app.zhidu;
  app.post<{ Body: string; Querystring: { file?: string } }>(
    '/v1/validate',
    {
      config: { permission: 'validate', accepts: [...YAML_TYPES] },
      bodyLimit: config.limits.yamlBytes,
      schema: {
        tags: ['rulesets'],
        summary: 'Validate a rule-set YAML text: the same file:line:column findings as `zhidu validate`',
        description: 'Send the YAML as the body (Content-Type: application/yaml). Findings are the answer (200), whether or not there are errors; nothing is loaded or stored.',
        security: [{ apiKey: [] }],
        querystring: { type: 'object', additionalProperties: false, properties: { file: { type: 'string', pattern: '^[A-Za-z0-9_./-]{1,200}$', description: 'File name to report findings against (default upload.yaml).' } } },
        body: { type: 'string', description: 'Rule-set YAML' },
        response: { 200: api('ValidateResponse'), ...problemResponses(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request) => {
      const file = request.query.file ?? 'upload.yaml';
      const result = loadRuleSet(file, request.body, { sources: registry.sources, limits: undefined });
      const findings = result.findings.map((f) => ({ ...f, text: formatFinding(f) }));
      return {
        ok: !result.findings.some((f) => f.severity === 'error'),
        ...(result.ok ? { ruleset: { id: result.ruleSet.id, version: result.ruleSet.version, hash: result.ruleSet.hash } } : {}),
        findings,
      };
    },
  );
}
